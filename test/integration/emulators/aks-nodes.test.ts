// The Kubernetes emulator reflects the AKS cluster the Azure emulator runs: one Node per node of each
// agent pool (AKS's names and labels, the pool's kubelet version), updated when a scale, a pool change
// or an upgrade completes in ARM, and `/version` reporting the control plane's current version. Driven
// through the real clients: @azure/arm-containerservice for ARM, client-node and kubectl for Kubernetes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as k8s from "@kubernetes/client-node";
import type { ManagedCluster } from "@azure/arm-containerservice";
import { startKubeEmulator } from "../../../emulators/kube/index.js";
import { FAST, clusterBody, prepareNetwork } from "../../../harness/azure.js";
import { startForTest, tempStateDir } from "../azure/helpers.js";
import { KUBECTL_MISSING, kubectlWorks, runTool } from "../kube/cli.js";

const SCALE = 0.002;
const POOL_LABEL = "kubernetes.azure.com/agentpool";

test("kubectl get nodes and /version follow the cluster's pools and versions as ARM scale, pool and upgrade operations complete", async (t) => {
  const stateDir = await tempStateDir();
  const kube = await startKubeEmulator({ port: 0, stateDir, timeScale: SCALE });
  t.after(() => kube.stop());
  const c = await startForTest(t, { stateDir, kubeUrl: kube.url, timeScale: SCALE });
  const setup = await prepareNetwork(c, "rg");
  const created = await c.aks.managedClusters.beginCreateOrUpdateAndWait(
    "rg",
    "aks",
    { ...clusterBody(setup), kubernetesVersion: "1.32" },
    FAST,
  );
  const kubeconfig = Buffer.from(
    (await c.aks.managedClusters.listClusterAdminCredentials("rg", "aks")).kubeconfigs![0]!.value!,
  ).toString("utf8");
  const dir = await mkdtemp(join(tmpdir(), "aksv-nodes-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const kubeconfigPath = join(dir, "kubeconfig");
  await writeFile(kubeconfigPath, kubeconfig, { mode: 0o600 });
  const kc = new k8s.KubeConfig();
  kc.loadFromString(kubeconfig);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const version = async () => (await kc.makeApiClient(k8s.VersionApi).getCode()).gitVersion;
  /** name → [pool, mode, VM size, kubelet version], as the API lists the nodes. */
  const nodes = async () =>
    Object.fromEntries(
      (await core.listNode()).items.map((n) => [
        n.metadata!.name!,
        [
          n.metadata!.labels![POOL_LABEL],
          n.metadata!.labels!["kubernetes.azure.com/mode"],
          n.metadata!.labels!["node.kubernetes.io/instance-type"],
          n.status!.nodeInfo!.kubeletVersion,
        ],
      ]),
    );

  assert.equal(await version(), "v1.32.7");
  const first = await nodes();
  assert.equal(Object.keys(first).length, 1);
  const [systemNode] = Object.keys(first);
  assert.match(systemNode!, /^aks-nodepool1-\d{8}-vmss000000$/);
  assert.deepEqual(first[systemNode!], ["nodepool1", "system", "Standard_D2s_v5", "v1.32.7"]);
  const prefix = systemNode!.slice(0, -"000000".length);

  // Scale the system pool to 3 with a managedClusters PUT: the nodes appear when the scale completes.
  const scale = c.aks.managedClusters.createOrUpdate(
    "rg",
    "aks",
    { ...created, agentPoolProfiles: created.agentPoolProfiles!.map((p) => ({ ...p, count: 3 })) },
    FAST,
  );
  await scale.submitted();
  assert.equal(Object.keys(await nodes()).length, 1, "no node before the scale completes");
  await scale;
  assert.deepEqual(
    Object.keys(await nodes()).sort(),
    [0, 1, 2].map((i) => `${prefix}00000${i}`),
  );

  // A User pool of 2 added through the agentPools subresource.
  await c.aks.agentPools.beginCreateOrUpdateAndWait(
    "rg",
    "aks",
    "user1",
    { count: 2, mode: "User", vmSize: "Standard_D4s_v5", vnetSubnetID: setup.subnetId },
    FAST,
  );
  const withUser = await nodes();
  const userNodes = Object.entries(withUser).filter(([, [pool]]) => pool === "user1");
  assert.equal(userNodes.length, 2);
  for (const [name, labels] of userNodes) {
    assert.match(name, /^aks-user1-\d{8}-vmss00000[01]$/);
    assert.deepEqual(labels, ["user1", "user", "Standard_D4s_v5", "v1.32.7"]);
  }

  // The control plane to 1.33: /version moves when the upgrade completes, the kubelets stay.
  const cp = c.aks.managedClusters.createOrUpdate(
    "rg",
    "aks",
    { ...(await c.aks.managedClusters.get("rg", "aks")), kubernetesVersion: "1.33" } as ManagedCluster,
    FAST,
  );
  await cp.submitted();
  assert.equal(await version(), "v1.32.7", "the old version while the upgrade runs");
  await cp;
  assert.equal(await version(), "v1.33.3");
  assert.ok(Object.values(await nodes()).every(([, , , v]) => v === "v1.32.7"));

  // Then the system pool: its nodes report the new kubelet version, the user pool's do not.
  await c.aks.agentPools.beginCreateOrUpdateAndWait(
    "rg",
    "aks",
    "nodepool1",
    { count: 3, orchestratorVersion: "1.33" },
    FAST,
  );
  const upgraded = await nodes();
  assert.deepEqual(
    Object.values(upgraded)
      .map(([pool, , , v]) => `${pool} ${v}`)
      .sort(),
    ["nodepool1 v1.33.3", "nodepool1 v1.33.3", "nodepool1 v1.33.3", "user1 v1.32.7", "user1 v1.32.7"],
  );

  await t.test(
    "kubectl get nodes and kubectl version show the same",
    { skip: kubectlWorks ? false : KUBECTL_MISSING },
    async () => {
      const k = (...args: string[]) =>
        runTool("kubectl", [`--kubeconfig=${kubeconfigPath}`, `--cache-dir=${join(dir, "cache")}`, ...args]);
      const table = await k("get", "nodes");
      assert.equal(table.code, 0, table.stderr);
      const rows = table.stdout.trim().split("\n");
      assert.match(rows[0]!, /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION$/);
      assert.deepEqual(
        rows
          .slice(1)
          .map((r) => r.split(/\s+/))
          .map(([name, status, , , v]) => `${name} ${status} ${v}`)
          .sort(),
        Object.entries(upgraded)
          .map(([name, [, , , v]]) => `${name} Ready ${v}`)
          .sort(),
      );
      const selected = await k("get", "nodes", "-l", `${POOL_LABEL}=user1`, "-o", "name");
      assert.equal(selected.stdout.trim().split("\n").length, 2);
      const v = await k("version", "-o", "json");
      assert.equal(v.code, 0, v.stderr);
      assert.equal(
        (JSON.parse(v.stdout) as { serverVersion: { gitVersion: string } }).serverVersion.gitVersion,
        "v1.33.3",
      );
    },
  );

  // Scale-in removes the highest instances; a deleted pool's nodes go.
  await c.aks.agentPools.beginCreateOrUpdateAndWait("rg", "aks", "nodepool1", { count: 1 }, FAST);
  await c.aks.agentPools.beginDeleteAndWait("rg", "aks", "user1", FAST);
  assert.deepEqual(await nodes(), {
    [`${prefix}000000`]: ["nodepool1", "system", "Standard_D2s_v5", "v1.33.3"],
  });
});
