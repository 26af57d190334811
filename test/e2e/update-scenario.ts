// The day-2 update on the whole local stack (real HTTP, real SDKs, real client-node and kubectl,
// the real durable-functions engine in the local host): the tutorial is created through the API,
// then `updateCluster` is started through the durable client as the API does for a PUT — 3 nodes,
// a namespace with a workload, a policy and an expectation, one Kubernetes minor version up — and
// then again without that namespace (pruned). Run in its own process by update.test.ts
// (NODE_EXTRA_CA_CERTS is read at process start). Usage: node update-scenario.js <stateDir>.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type * as df from "durable-functions";
import type { FunctionsHost } from "../../emulators/functions-host/index.js";
import { clientsFor } from "../../harness/azure.js";
import {
  armWrites,
  callApi,
  devToken,
  durableClientOf,
  ROOT,
  startStack,
  waitForPhase,
  type Stack,
} from "../../harness/stack.js";
import { provisionInstanceId, updateInstanceId } from "../../shared/azure/names.js";
import { ORCHESTRATION } from "../../shared/provision/durable.js";
import type {
  ProvisionCustomStatus,
  ProvisionInput,
  ProvisionOutput,
  UpdateInput,
} from "../../shared/provision/types.js";
import type { ClusterSpec } from "../../shared/spec/schema.js";
import { validateClusterSpec } from "../../shared/spec/validate.js";

const NAME = "tipsAndTricksAKSCluster";
const RG = "akstips";

const tutorial = (): Record<string, unknown> =>
  JSON.parse(readFileSync(join(ROOT, "examples/seed-tutorial.json"), "utf8")) as Record<string, unknown>;

const PROD = {
  name: "prod",
  labels: { purpose: "prod" },
  defaultDeny: ["Ingress"],
  workloads: [
    {
      name: "api",
      image: "nginx",
      labels: { app: "api" },
      ports: [{ name: "http", port: 80 }],
      expose: true,
    },
  ],
  networkPolicies: [
    {
      name: "allow-web",
      spec: {
        podSelector: { matchLabels: { app: "api" } },
        ingress: [{ from: [{ podSelector: { matchLabels: { app: "web" } } }] }],
      },
    },
  ],
  expectations: [
    { from: { labels: { app: "web" } }, to: { service: "api", port: 80 }, allowed: true },
    { from: { labels: { app: "other" } }, to: { service: "api", port: 80 }, allowed: false },
  ],
};

function normalised(doc: Record<string, unknown>): ClusterSpec {
  const r = validateClusterSpec(doc);
  if (!r.ok) throw new Error(`invalid spec: ${JSON.stringify(r.errors)}`);
  return r.spec;
}

/** Starts the update as the API does (instance `<base>-g<N>`) and waits for it to end. */
async function update(
  client: df.DurableClient,
  created: ProvisionInput,
  base: string,
  generation: number,
  previousSpec: ClusterSpec,
  spec: ClusterSpec,
): Promise<{ output: ProvisionOutput; status: ProvisionCustomStatus }> {
  const input: UpdateInput = {
    ...created,
    spec,
    specHash: `generation-${generation}`,
    generation,
    observedGeneration: generation - 1,
    previousSpec,
    ...(created.access ? { previousAccess: created.access } : {}),
    baseInstanceId: base,
  };
  const instanceId = updateInstanceId(base, generation);
  await client.startNew(ORCHESTRATION.updateCluster.name, { instanceId, input });
  const deadline = Date.now() + 120_000;
  for (;;) {
    const s = await client.getStatus(instanceId);
    if (s.runtimeStatus === "Completed")
      return { output: s.output as ProvisionOutput, status: s.customStatus as ProvisionCustomStatus };
    assert.ok(
      !["Failed", "Terminated"].includes(String(s.runtimeStatus)),
      `update ${instanceId}: ${JSON.stringify(s.output)}`,
    );
    assert.ok(Date.now() < deadline, `update ${instanceId} did not end: ${JSON.stringify(s.customStatus)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function kubectl(
  kubeconfig: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile("kubectl", ["--kubeconfig", kubeconfig, ...args], { timeout: 60_000 }, (e, stdout, stderr) =>
      resolve({ code: e ? (typeof e.code === "number" ? e.code : 1) : 0, stdout, stderr }),
    ),
  );
}

async function scenario(stateDir: string): Promise<void> {
  const s: Stack = await startStack({ stateDir });
  try {
    const token = await devToken(s, { teams: ["platform"], roles: ["Clusters.Write"], user: "pipeline" });
    const created = await callApi(s.api, token, "/clusters", {
      method: "POST",
      body: JSON.stringify(tutorial()),
    });
    assert.equal(created.status, 202);
    const doc = await waitForPhase(s.api, token, NAME, ["Succeeded", "Failed"], 120_000);
    assert.equal(doc.phase, "Succeeded", JSON.stringify(doc.error));

    const client = durableClientOf(s.host as FunctionsHost);
    // The cluster's id names its subscription; the create's instance id derives from its target.
    const [, , subscriptionId = ""] = (doc.outputs["clusterId"] ?? "").split("/");
    const base = provisionInstanceId({ subscriptionId, resourceGroup: RG, name: NAME });
    const createStatus = await client.getStatus(base, { showInput: true });
    const createInput = createStatus.input as ProvisionInput;
    assert.equal(createInput.target.name, NAME, "the create's instance is the base");
    const aks = clientsFor(s.azure).aks;
    const before = await aks.managedClusters.get(RG, NAME);
    assert.equal(before.kubernetesVersion, "1.33", "created at the region's default");
    const writesBefore = armWrites(s.azure, "PUT")["Microsoft.ContainerService/managedClusters"] ?? 0;

    // Generation 2: 3 nodes, a namespace with a workload, a policy and expectations, 1.33 → 1.34.
    const gen2 = normalised({
      ...tutorial(),
      nodePool: { count: 3 },
      kubernetesVersion: "1.34",
      namespaces: [...(tutorial()["namespaces"] as unknown[]), PROD],
    });
    const two = await update(client, createInput, base, 2, createInput.spec, gen2);
    assert.equal(two.output.phase, "Succeeded", JSON.stringify(two.output.error));
    assert.equal(two.output.generation, 2);
    assert.deepEqual(
      two.status.steps.map((x) => [x.name, x.status]),
      [
        ["cluster:settings", "Succeeded"],
        ["upgrade:plan", "Succeeded"],
        ["upgrade:controlPlane:1.34", "Succeeded"],
        ["upgrade:pool:system", "Succeeded"],
        ["seed:prod", "Succeeded"],
        ["verification", "Succeeded"],
      ],
    );
    // Verification ran again, over the old namespace's expectations and the new one's.
    assert.deepEqual(
      two.output.verification?.results.map((r) => [r.from, r.observed]),
      [
        ["test{app=webapp,role=frontend}", "allowed"],
        ["test{}", "denied"],
        ["prod{app=web}", "allowed"],
        ["prod{app=other}", "denied"],
      ],
    );
    const after = await aks.managedClusters.get(RG, NAME);
    const system = after.agentPoolProfiles?.find((p) => p.name === "system");
    assert.equal(system?.count, 3, "ARM shows the new node count");
    assert.equal(after.kubernetesVersion, "1.34", "ARM shows the new version");
    assert.match(after.currentKubernetesVersion ?? "", /^1\.34\.\d+$/);
    assert.match((await aks.agentPools.get(RG, NAME, "system")).orchestratorVersion ?? "", /^1\.34/);
    assert.equal(after.tags?.["aks-vending-instance"], base, "ownership tags kept: the create's instance");
    // One PUT for the settings and one for the control plane hop; the pool went through agentPools.
    const writes = armWrites(s.azure, "PUT");
    assert.equal(
      (writes["Microsoft.ContainerService/managedClusters"] ?? 0) - writesBefore,
      2,
      JSON.stringify(writes),
    );

    const kc = await callApi(s.api, token, `/clusters/${NAME}/kubeconfig`);
    assert.equal(kc.status, 200);
    const kubeconfig = join(stateDir, "kubeconfig.yaml");
    await writeFile(kubeconfig, await kc.text(), { mode: 0o600 });
    const ns = await kubectl(
      kubeconfig,
      "get",
      "namespace",
      "prod",
      "-o",
      "jsonpath={.metadata.labels.purpose}",
    );
    assert.equal(ns.code, 0, ns.stderr);
    assert.equal(ns.stdout, "prod");
    const policies = await kubectl(kubeconfig, "get", "networkpolicy", "-n", "prod", "-o", "name");
    assert.equal(policies.code, 0, policies.stderr);
    assert.deepEqual(policies.stdout.trim().split("\n").sort(), [
      "networkpolicy.networking.k8s.io/allow-web",
      "networkpolicy.networking.k8s.io/default-deny-ingress",
    ]);

    // Generation 3: the namespace is gone from the spec → pruned; the tutorial's stays untouched.
    const gen3 = normalised({ ...tutorial(), nodePool: { count: 3 }, kubernetesVersion: "1.34" });
    const three = await update(client, createInput, base, 3, gen2, gen3);
    assert.equal(three.output.phase, "Succeeded", JSON.stringify(three.output.error));
    assert.deepEqual(
      three.status.steps.map((x) => [x.name, x.status]),
      [
        ["prune", "Succeeded"],
        ["verification", "Succeeded"],
      ],
    );
    const gone = await kubectl(kubeconfig, "get", "namespace", "prod", "-o", "jsonpath={.status.phase}");
    assert.ok(gone.code !== 0 || gone.stdout === "Terminating", `prod pruned: ${gone.stdout} ${gone.stderr}`);
    const kept = await kubectl(kubeconfig, "get", "networkpolicy", "-n", "test", "-o", "name");
    assert.equal(kept.stdout.trim().split("\n").length, 2, kept.stdout);
    assert.equal(
      (armWrites(s.azure, "PUT")["Microsoft.ContainerService/managedClusters"] ?? 0) - writesBefore,
      2,
      "no ARM write for a Kubernetes-only change",
    );
  } finally {
    await s.stop();
  }
}

const [stateDir] = process.argv.slice(2);
if (!stateDir) {
  console.error("usage: update-scenario.js <stateDir>");
  process.exit(2);
}
try {
  await scenario(stateDir);
  process.exit(0);
} catch (e) {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exit(1);
}
