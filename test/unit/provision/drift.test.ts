// The drift check's pure comparison: the spec against the cluster as ARM holds it, a Kubernetes
// object against our dry-run apply of it, and the monitor's bookkeeping (first seen, what repairs what).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ManagedCluster } from "@azure/arm-containerservice";
import { loadConfig } from "../../../shared/config/index.js";
import { managedClusterModel, ownedTags, TAGS } from "../../../shared/azure/models.js";
import {
  armDrift,
  asDriftStatus,
  hasUnseedableDrift,
  kubeObjectDrift,
  missingObject,
  namespacesWithDrift,
  stampDrift,
  unexpectedObject,
} from "../../../shared/provision/drift.js";
import type { ClusterSpec } from "../../../shared/spec/schema.js";
import { spec as tutorialSpec } from "./fixtures.js";

/** The cluster as ARM holds it right after our PUT of `s` (what AKS echoes back). */
function asArmHolds(s: ClusterSpec, version = "1.33.2"): ManagedCluster {
  const model = managedClusterModel(
    s,
    { identityId: "/id", subnetId: "/subnet" },
    ownedTags(s, { instanceId: "aksv-x", clusterUid: "u" }),
  );
  return {
    ...model,
    provisioningState: "Succeeded",
    kubernetesVersion: version,
    currentKubernetesVersion: version,
  };
}

function withPool(mc: ManagedCluster, change: Record<string, unknown>): ManagedCluster {
  return {
    ...mc,
    agentPoolProfiles: mc.agentPoolProfiles!.map((p, i) => (i === 0 ? { ...p, ...change } : p)),
  };
}

describe("ARM drift", () => {
  it("finds nothing when ARM holds what the spec asked for", () => {
    const s = tutorialSpec({ nodePools: [{ name: "user", count: 2 }], tags: { env: "dev" } });
    assert.deepEqual(armDrift(s, asArmHolds(s)), []);
  });

  it("reports a changed node count without the autoscaler, and one outside its bounds with it", () => {
    const fixed = tutorialSpec({ nodePool: { count: 1, enableAutoScaling: false } });
    assert.deepEqual(armDrift(fixed, withPool(asArmHolds(fixed), { count: 3 })), [
      { path: "nodePool.count", expected: 1, actual: 3 },
    ]);
    const scaled = tutorialSpec({ nodePool: { count: 1, minCount: 1, maxCount: 5 } });
    assert.deepEqual(
      armDrift(scaled, withPool(asArmHolds(scaled), { count: 4 })),
      [],
      "the autoscaler's doing",
    );
    assert.deepEqual(armDrift(scaled, withPool(asArmHolds(scaled), { count: 7 })), [
      { path: "nodePool.count", expected: { minCount: 1, maxCount: 5 }, actual: 7 },
    ]);
    assert.deepEqual(armDrift(scaled, withPool(asArmHolds(scaled), { minCount: 2, maxCount: 9 })), [
      { path: "nodePool.minCount", expected: 1, actual: 2 },
      { path: "nodePool.maxCount", expected: 5, actual: 9 },
    ]);
    assert.deepEqual(
      armDrift(
        scaled,
        withPool(asArmHolds(scaled), { enableAutoScaling: false, minCount: undefined, maxCount: undefined }),
      ),
      [
        { path: "nodePool.enableAutoScaling", expected: true, actual: false },
        { path: "nodePool.minCount", expected: 1, actual: null },
        { path: "nodePool.maxCount", expected: 5, actual: null },
      ],
    );
  });

  it("reports a pool missing and a pool nobody asked for", () => {
    const s = tutorialSpec({ nodePools: [{ name: "user", count: 2 }] });
    const mc = asArmHolds(s);
    const [system] = mc.agentPoolProfiles!;
    assert.deepEqual(armDrift(s, { ...mc, agentPoolProfiles: [system!, { ...system!, name: "extra" }] }), [
      { path: "nodePools[user]", expected: "present", actual: "absent" },
      { path: "nodePools[extra]", expected: "absent", actual: "present" },
    ]);
  });

  it("reports tags added, changed or removed, but not our ownership tags", () => {
    const s = tutorialSpec({ tags: { costCenter: "1234", env: "dev" } });
    const mc = asArmHolds(s);
    const tags: Record<string, string> = { ...mc.tags!, costCenter: "9999", owner: "someone" };
    delete tags["env"];
    delete tags[TAGS.team];
    assert.deepEqual(armDrift(s, { ...mc, tags }), [
      { path: "tags.costCenter", expected: "1234", actual: "9999" },
      { path: "tags.env", expected: "dev", actual: null },
      { path: "tags.owner", expected: null, actual: "someone" },
    ]);
  });

  it("reads the Kubernetes version at the spec's precision, auto-upgrade not being drift", () => {
    const minor = tutorialSpec({ kubernetesVersion: "1.33" });
    assert.deepEqual(armDrift(minor, asArmHolds(minor, "1.33.5")), [], "patch channel: a later patch");
    assert.deepEqual(armDrift(minor, asArmHolds(minor, "1.32.9")), [
      { path: "kubernetesVersion", expected: "1.33", actual: "1.32.9" },
    ]);
    const pinned = tutorialSpec({
      kubernetesVersion: "1.33.2",
      autoUpgradeProfile: { upgradeChannel: "none" },
    });
    assert.deepEqual(armDrift(pinned, asArmHolds(pinned, "1.33.3")), [
      { path: "kubernetesVersion", expected: "1.33.2", actual: "1.33.3" },
    ]);
    const stable = tutorialSpec({
      kubernetesVersion: "1.32",
      autoUpgradeProfile: { upgradeChannel: "stable" },
    });
    assert.deepEqual(armDrift(stable, asArmHolds(stable, "1.33.1")), [], "stable channel: a later minor");
  });

  it("reports the settings the spec sets", () => {
    const s = tutorialSpec({ apiServerAccessProfile: { authorizedIPRanges: ["203.0.113.0/24"] } });
    const mc = asArmHolds(s);
    const changed: ManagedCluster = {
      ...mc,
      sku: { name: "Base", tier: "Free" },
      autoUpgradeProfile: { upgradeChannel: "none", nodeOSUpgradeChannel: "NodeImage" },
      apiServerAccessProfile: { authorizedIPRanges: ["0.0.0.0/0"], enablePrivateCluster: false },
      addonProfiles: { azurepolicy: { enabled: false } },
      oidcIssuerProfile: { enabled: true },
    };
    assert.deepEqual(armDrift(s, changed), [
      { path: "sku.tier", expected: "Standard", actual: "Free" },
      { path: "addonProfiles.azurepolicy.enabled", expected: true, actual: false },
      { path: "autoUpgradeProfile.upgradeChannel", expected: "patch", actual: "none" },
      {
        path: "apiServerAccessProfile.authorizedIPRanges",
        expected: ["203.0.113.0/24"],
        actual: ["0.0.0.0/0"],
      },
    ]);
  });
});

describe("Kubernetes drift", () => {
  const live = {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: {
      name: "p",
      namespace: "test",
      uid: "1",
      resourceVersion: "7",
      generation: 2,
      creationTimestamp: "2026-01-01T00:00:00Z",
      managedFields: [{ manager: "kubectl-edit" }],
      annotations: { "aks-vending/managed-by": "aks-vending" },
    },
    spec: { podSelector: { matchLabels: { app: "web" } }, policyTypes: ["Ingress"], ingress: [{ from: [] }] },
  };

  it("ignores what the server writes itself", () => {
    const applied = structuredClone(live);
    applied.metadata.resourceVersion = "8";
    applied.metadata.managedFields = [{ manager: "aks-vending" }];
    assert.deepEqual(kubeObjectDrift("namespaces[test].networkPolicies[p]", applied, live), []);
  });

  it("reports each differing leaf under the object's path, lists whole", () => {
    const applied = structuredClone(live);
    applied.spec.podSelector.matchLabels.app = "webapp";
    applied.spec.ingress = [{ from: [{ podSelector: {} }] as never[] }];
    const actual = structuredClone(live);
    delete (actual.metadata as { annotations?: unknown }).annotations;
    assert.deepEqual(kubeObjectDrift("namespaces[test].networkPolicies[p]", applied, actual), [
      {
        path: "namespaces[test].networkPolicies[p].metadata.annotations",
        expected: { "aks-vending/managed-by": "aks-vending" },
        actual: null,
      },
      {
        path: "namespaces[test].networkPolicies[p].spec.ingress",
        expected: [{ from: [{ podSelector: {} }] }],
        actual: [{ from: [] }],
      },
      {
        path: "namespaces[test].networkPolicies[p].spec.podSelector.matchLabels.app",
        expected: "webapp",
        actual: "web",
      },
    ]);
  });
});

describe("the monitor's bookkeeping", () => {
  it("keeps when a difference was first seen while it lasts", () => {
    const first = stampDrift([missingObject("namespaces[test]")], [], "2026-01-01T00:00:00.000Z");
    const found = [missingObject("namespaces[test]"), { path: "tags.env", expected: "dev", actual: null }];
    assert.deepEqual(stampDrift(found, first, "2026-01-01T01:00:00.000Z"), [
      {
        path: "namespaces[test]",
        expected: "present",
        actual: "absent",
        detectedAt: "2026-01-01T00:00:00.000Z",
      },
      { path: "tags.env", expected: "dev", actual: null, detectedAt: "2026-01-01T01:00:00.000Z" },
    ]);
    // The same path with another value is another difference.
    const other = stampDrift(
      [{ path: "tags.env", expected: "dev", actual: "x" }],
      found.map((f) => ({ ...f, detectedAt: "t0" })),
      "t1",
    );
    assert.equal(other[0]!.detectedAt, "t1");
  });

  it("repairs missing or edited objects by seeding their namespaces, the rest by an update", () => {
    const s = tutorialSpec();
    const policy = missingObject("namespaces[test].networkPolicies[backend-policy]");
    assert.deepEqual(
      namespacesWithDrift(s, [policy]).map((n) => n.name),
      ["test"],
    );
    assert.equal(hasUnseedableDrift([policy]), false);
    const leftover = unexpectedObject("namespaces[test].networkPolicies[old]");
    assert.deepEqual(namespacesWithDrift(s, [leftover]), [], "seeding never prunes");
    assert.equal(hasUnseedableDrift([leftover]), true);
    assert.equal(hasUnseedableDrift([{ path: "nodePool.count", expected: 1, actual: 2 }]), true);
  });

  it("recognises a monitor's status", () => {
    assert.deepEqual(asDriftStatus({ drift: [], generation: 1 }), { drift: [], generation: 1 });
    assert.equal(asDriftStatus({ phase: "Succeeded", steps: [] }), undefined);
    assert.equal(asDriftStatus(undefined), undefined);
  });

  it("checks hourly by default, time-scaled like every wait, and refuses a zero period", () => {
    assert.equal(loadConfig({}).drift.intervalSeconds, 3600);
    assert.equal(loadConfig({ AKSV_TIME_SCALE: "0.01" }).drift.intervalSeconds, 36);
    assert.equal(
      loadConfig({ AKSV_TIME_SCALE: "0.01", AKSV_DRIFT_INTERVAL_SECONDS: "5" }).drift.intervalSeconds,
      5,
    );
    assert.throws(() => loadConfig({ AKSV_DRIFT_INTERVAL_SECONDS: "0" }), /AKSV_DRIFT_INTERVAL_SECONDS/);
  });
});
