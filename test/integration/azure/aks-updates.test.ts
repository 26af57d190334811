// AKS update semantics through @azure/arm-containerservice: a PUT on an existing cluster (scale,
// Kubernetes upgrade) and agentPools writes go through Updating for AKS-like durations, with AKS's
// version rules and refusals; the kubernetesVersions listing publishes patches with their upgrade paths.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { AgentPool, ManagedCluster } from "@azure/arm-containerservice";
import { DEFAULT_LATENCY } from "../../../emulators/azure/core/latency.js";
import { FAST, LOCATION, clusterBody, prepareNetwork, type Clients } from "../../../harness/azure.js";
import { startForTest } from "./helpers.js";

const SCALE = 0.002;
/** The wall time an emulated duration takes at this test's time scale. */
const wallMs = (emulatedSeconds: number) => emulatedSeconds * SCALE * 1000;

async function cluster(c: Clients, kubernetesVersion: string): Promise<ManagedCluster> {
  const setup = await prepareNetwork(c, "rg");
  return c.aks.managedClusters.beginCreateOrUpdateAndWait(
    "rg",
    "aks",
    { ...clusterBody(setup), kubernetesVersion },
    FAST,
  );
}

/** The cluster as it was read back, made a PUT body again (what a client that edits it sends). */
function edited(
  cl: ManagedCluster,
  change: (pools: AgentPool[]) => AgentPool[],
  extra: Partial<ManagedCluster> = {},
) {
  return {
    ...cl,
    agentPoolProfiles: change(cl.agentPoolProfiles as AgentPool[]),
    ...extra,
  } as ManagedCluster;
}

/** An agentPools PUT of cluster rg/aks, awaited. */
const putPool = (c: Clients, name: string, body: AgentPool) =>
  c.aks.agentPools.beginCreateOrUpdateAndWait("rg", "aks", name, body, FAST);

const pool = (cl: ManagedCluster, name = "nodepool1") => cl.agentPoolProfiles!.find((p) => p.name === name)!;

test("kubernetesVersions publishes several patches per minor, each upgrading to later patches of its minor and the next minor's", async (t) => {
  const c = await startForTest(t, { timeScale: SCALE });
  const list = await c.aks.managedClusters.listKubernetesVersions(LOCATION);
  const minors = list.values!.map((v) => v.version);
  assert.deepEqual(minors, ["1.31", "1.32", "1.33", "1.34"]);
  assert.deepEqual(
    list.values!.filter((v) => v.isDefault).map((v) => v.version),
    ["1.33"],
  );
  assert.equal(list.values!.find((v) => v.version === "1.34")!.isPreview, true);
  const paths = Object.fromEntries(
    list.values!.flatMap((v) => Object.entries(v.patchVersions!).map(([p, u]) => [p, u.upgrades])),
  );
  assert.deepEqual(paths, {
    "1.31.10": ["1.31.11", "1.32.6", "1.32.7"],
    "1.31.11": ["1.32.6", "1.32.7"],
    "1.32.6": ["1.32.7", "1.33.2", "1.33.3"],
    "1.32.7": ["1.33.2", "1.33.3"],
    "1.33.2": ["1.33.3", "1.34.0"],
    "1.33.3": ["1.34.0"],
    "1.34.0": [],
  });
});

test("a PUT that scales goes through Updating (the pool Scaling) for the scale time; writes meanwhile are 409 OperationNotAllowed", async (t) => {
  const c = await startForTest(t, { timeScale: SCALE });
  const created = await cluster(c, "1.32");
  const started = Date.now();
  const poller = c.aks.managedClusters.createOrUpdate(
    "rg",
    "aks",
    edited(created, (pools) => pools.map((p) => ({ ...p, count: 3 }))),
    FAST,
  );
  await poller.submitted();
  const during = await c.aks.managedClusters.get("rg", "aks");
  assert.equal(during.provisioningState, "Updating");
  assert.equal(pool(during).provisioningState, "Scaling");
  assert.equal(pool(during).count, 3, "the count asked for shows at once");
  const busy = { statusCode: 409, code: "OperationNotAllowed" };
  await assert.rejects(c.aks.managedClusters.beginCreateOrUpdateAndWait("rg", "aks", during, FAST), busy);
  await assert.rejects(putPool(c, "nodepool1", { count: 2 }), busy);
  await assert.rejects(c.aks.managedClusters.beginDeleteAndWait("rg", "aks", FAST), busy);
  const done = await poller;
  assert.ok(Date.now() - started >= wallMs(DEFAULT_LATENCY.poolScale), "a scale takes the scale time");
  assert.equal(done.provisioningState, "Succeeded");
  assert.equal(pool(done).provisioningState, "Succeeded");
  assert.equal(pool(done).count, 3);
  assert.equal(done.currentKubernetesVersion, "1.32.7", "a scale upgrades nothing");
});

test("the control plane moves one minor at a time along the upgrade paths; currentKubernetesVersion moves when the upgrade completes", async (t) => {
  const c = await startForTest(t, { timeScale: SCALE });
  const created = await cluster(c, "1.32");
  assert.equal(created.kubernetesVersion, "1.32");
  assert.equal(created.currentKubernetesVersion, "1.32.7", "a minor means its newest patch");
  assert.equal(pool(created).currentOrchestratorVersion, "1.32.7");
  const put = (body: ManagedCluster) =>
    c.aks.managedClusters.beginCreateOrUpdateAndWait("rg", "aks", body, FAST);

  await assert.rejects(
    put({ ...created, kubernetesVersion: "1.34" }),
    (e: { statusCode: number; code: string; message: string }) => {
      assert.equal(e.statusCode, 400);
      assert.equal(e.code, "OperationNotAllowed");
      assert.match(
        e.message,
        /^Upgrading Kubernetes version 1\.32\.7 to 1\.34\.0 is not allowed\. Available upgrades: \[1\.33\.3 1\.33\.2\]/,
      );
      return true;
    },
  );
  await assert.rejects(put({ ...created, kubernetesVersion: "1.31" }), {
    statusCode: 400,
    code: "OperationNotAllowed",
    message: /^Upgrading Kubernetes version 1\.32\.7 to 1\.31\.11 is not allowed/,
  });
  await assert.rejects(put({ ...created, kubernetesVersion: "1.30" }), {
    statusCode: 400,
    code: "K8sVersionNotSupported",
  });
  await assert.rejects(put({ ...created, kubernetesVersion: "1.32.5" }), {
    statusCode: 400,
    code: "K8sVersionNotSupported",
  });
  await assert.rejects(
    put(edited(created, (pools) => pools.map((p) => ({ ...p, orchestratorVersion: "1.33" })))),
    {
      statusCode: 400,
      code: "NodePoolMcVersionIncompatible",
      message:
        /^Node pool version 1\.33\.3 and control plane version 1\.32\.7 are incompatible\. Minor version of node pool version 33 is bigger than control plane version 32\./,
    },
  );
  assert.equal(
    (await c.aks.managedClusters.get("rg", "aks")).provisioningState,
    "Succeeded",
    "refusals change nothing",
  );

  const started = Date.now();
  const upgrade = c.aks.managedClusters.createOrUpdate(
    "rg",
    "aks",
    { ...created, kubernetesVersion: "1.33" },
    FAST,
  );
  await upgrade.submitted();
  const during = await c.aks.managedClusters.get("rg", "aks");
  assert.equal(during.provisioningState, "Updating");
  assert.equal(during.kubernetesVersion, "1.33");
  assert.equal(during.currentKubernetesVersion, "1.32.7", "still the old version while it runs");
  assert.equal(pool(during).provisioningState, "Succeeded", "a pool that names no version keeps its own");
  const done = await upgrade;
  assert.ok(Date.now() - started >= wallMs(DEFAULT_LATENCY.controlPlaneUpgrade));
  assert.equal(done.currentKubernetesVersion, "1.33.3");
  assert.equal(pool(done).currentOrchestratorVersion, "1.32.7", "control plane only: the pool follows later");

  // What `az aks get-upgrades` reads: the control plane's paths, and each pool's up to the control plane.
  const profile = await c.aks.managedClusters.getUpgradeProfile("rg", "aks");
  assert.deepEqual(profile.controlPlaneProfile, {
    kubernetesVersion: "1.33.3",
    name: "master",
    osType: "Linux",
    upgrades: [{ kubernetesVersion: "1.34.0", isPreview: true }],
  });
  assert.deepEqual(
    profile.agentPoolProfiles.map((p) => [
      p.name,
      p.kubernetesVersion,
      p.upgrades?.map((u) => u.kubernetesVersion),
    ]),
    [["nodepool1", "1.32.7", ["1.33.2", "1.33.3"]]],
  );
  const poolProfile = await c.aks.agentPools.getUpgradeProfile("rg", "aks", "nodepool1");
  assert.deepEqual(
    [poolProfile.kubernetesVersion, poolProfile.upgrades?.map((u) => u.kubernetesVersion)],
    ["1.32.7", ["1.33.2", "1.33.3"]],
  );

  // The same minor again upgrades nothing; an explicit patch is a patch upgrade.
  const same = await put({ ...done, kubernetesVersion: "1.33" });
  assert.equal(same.currentKubernetesVersion, "1.33.3");
  await assert.rejects(put({ ...done, kubernetesVersion: "1.33.2" }), {
    statusCode: 400,
    code: "OperationNotAllowed",
  });
});

test("a pool upgrade goes through Upgrading for one node-upgrade batch per surge (AKS's default surge 10%), after which currentOrchestratorVersion moves", async (t) => {
  const c = await startForTest(t, { timeScale: SCALE });
  const created = await cluster(c, "1.33.2");
  const scaled = await putPool(c, "nodepool1", { count: 3 });
  assert.equal(scaled.count, 3);
  assert.equal(scaled.vmSize, "Standard_D2s_v5", "an agentPools PUT keeps the vmSize it does not name");
  assert.equal(scaled.mode, "System");
  await assert.rejects(putPool(c, "nodepool1", { count: 3, orchestratorVersion: "1.33.3" }), {
    statusCode: 400,
    code: "NodePoolMcVersionIncompatible",
    message: /Patch version of node pool version 3 is bigger than control plane version 2\./,
  });
  const cp = await c.aks.managedClusters.beginCreateOrUpdateAndWait(
    "rg",
    "aks",
    { ...(await c.aks.managedClusters.get("rg", "aks")), kubernetesVersion: "1.33.3" },
    FAST,
  );
  assert.equal(cp.currentKubernetesVersion, "1.33.3");
  assert.equal(created.currentKubernetesVersion, "1.33.2");

  const started = Date.now();
  const upgrade = c.aks.agentPools.createOrUpdate(
    "rg",
    "aks",
    "nodepool1",
    { count: 3, orchestratorVersion: "1.33.3" },
    FAST,
  );
  await upgrade.submitted();
  const during = await c.aks.agentPools.get("rg", "aks", "nodepool1");
  assert.equal(during.provisioningState, "Upgrading");
  assert.equal(during.orchestratorVersion, "1.33.3");
  assert.equal(during.currentOrchestratorVersion, "1.33.2");
  assert.equal((await c.aks.managedClusters.get("rg", "aks")).provisioningState, "Updating");
  const done = await upgrade;
  assert.ok(
    Date.now() - started >= wallMs(3 * DEFAULT_LATENCY.nodeUpgradeBatch),
    "three nodes, one surge node: three batches",
  );
  assert.equal(done.provisioningState, "Succeeded");
  assert.equal(done.currentOrchestratorVersion, "1.33.3");
  await assert.rejects(putPool(c, "nodepool1", { count: 3, orchestratorVersion: "1.33.2" }), {
    statusCode: 400,
    code: "OperationNotAllowed",
    message: /^Upgrading Kubernetes version 1\.33\.3 to 1\.33\.2 is not allowed/,
  });
});

test("agentPools: a vmSize change is PropertyChangeNotAllowed, the last System pool cannot go, a User pool is added and deleted through Creating and Deleting", async (t) => {
  const c = await startForTest(t, { timeScale: SCALE });
  const created = await cluster(c, "1.33");
  const system = pool(created);
  await assert.rejects(putPool(c, "nodepool1", { ...system, vmSize: "Standard_D4s_v5" }), {
    statusCode: 400,
    code: "PropertyChangeNotAllowed",
    message: "Changing property 'agentPoolProfile.vmSize' is not allowed.",
  });
  const adding = c.aks.agentPools.createOrUpdate(
    "rg",
    "aks",
    "user1",
    { count: 2, mode: "User", vmSize: "Standard_D4s_v5", vnetSubnetID: system.vnetSubnetID },
    FAST,
  );
  await adding.submitted();
  assert.equal((await c.aks.agentPools.get("rg", "aks", "user1")).provisioningState, "Creating");
  const added = await adding;
  assert.equal(added.provisioningState, "Succeeded");
  assert.equal(added.currentOrchestratorVersion, "1.33.3", "a new pool runs the control plane's version");
  await assert.rejects(c.aks.agentPools.beginDeleteAndWait("rg", "aks", "nodepool1", FAST), {
    statusCode: 400,
    code: "MustDefineAtLeastOneSystemPool",
  });

  const autoscaled = await putPool(c, "user1", {
    count: 2,
    mode: "User",
    enableAutoScaling: true,
    minCount: 1,
    maxCount: 5,
  });
  assert.deepEqual([autoscaled.enableAutoScaling, autoscaled.minCount, autoscaled.maxCount], [true, 1, 5]);

  const deleting = c.aks.agentPools.delete("rg", "aks", "user1", FAST);
  await deleting.submitted();
  assert.equal((await c.aks.agentPools.get("rg", "aks", "user1")).provisioningState, "Deleting");
  await deleting;
  await assert.rejects(c.aks.agentPools.get("rg", "aks", "user1"), { statusCode: 404 });
  const pools = [];
  for await (const p of c.aks.agentPools.list("rg", "aks")) pools.push(p.name);
  assert.deepEqual(pools, ["nodepool1"]);
});
