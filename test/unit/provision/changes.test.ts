import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  changesAnything,
  planUpdate,
  revokedAssignments,
  seededObjects,
} from "../../../shared/provision/changes.js";
import type { AccessGrant } from "../../../shared/spec/access.js";
import { AKS_RBAC_ROLES } from "../../../shared/spec/access.js";
import { spec, tutorialDocument } from "./fixtures.js";

const CLUSTER =
  "/subscriptions/s/resourceGroups/akstips/providers/Microsoft.ContainerService/managedClusters/c";

/** The tutorial with its first namespace changed by `f`. */
function withNamespace(f: (ns: Record<string, unknown>) => Record<string, unknown>) {
  const doc = tutorialDocument();
  const [first, ...rest] = doc["namespaces"] as Record<string, unknown>[];
  return spec({ namespaces: [f(structuredClone(first!)), ...rest] });
}

const prod = {
  name: "prod",
  labels: { purpose: "prod" },
  defaultDeny: ["Ingress"],
  workloads: [{ name: "api", image: "nginx", ports: [{ port: 80 }], expose: true }],
  networkPolicies: [
    { name: "allow-same-ns", spec: { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] } },
  ],
  expectations: [{ from: { labels: { app: "x" } }, to: { service: "api", port: 80 }, allowed: true }],
};

describe("what an update changes (planUpdate)", () => {
  it("the same spec changes nothing: no step, no verification", () => {
    const plan = planUpdate({ spec: spec(), previousSpec: spec() }, CLUSTER);
    assert.equal(changesAnything(plan), false);
    assert.equal(plan.verify, false);
    assert.deepEqual(plan.seed, []);
  });

  it("a node count is a cluster PUT only, and verification runs again (the spec has expectations)", () => {
    const plan = planUpdate({ spec: spec({ nodePool: { count: 3 } }), previousSpec: spec() }, CLUSTER);
    assert.deepEqual(
      [plan.clusterSettings, plan.seed, plan.prune, plan.kubernetesVersion, plan.maintenance],
      [true, [], false, undefined, false],
    );
    assert.equal(plan.verify, true);
  });

  it("tags, tier, authorized ranges and autoscaler bounds are cluster settings; the window is maintenance", () => {
    const base = spec();
    for (const change of [
      { tags: { costCenter: "999" } },
      { sku: { tier: "Free" } },
      { apiServerAccessProfile: { authorizedIPRanges: ["203.0.113.0/24"] } },
      { nodePool: { count: 1, maxCount: 9 } },
    ])
      assert.equal(
        planUpdate({ spec: spec(change), previousSpec: base }, CLUSTER).clusterSettings,
        true,
        JSON.stringify(change),
      );
    const window = planUpdate(
      { spec: spec({ maintenanceWindow: { dayOfWeek: "Monday" } }), previousSpec: base },
      CLUSTER,
    );
    assert.deepEqual([window.maintenance, window.clusterSettings], [true, false]);
    const channel = planUpdate(
      { spec: spec({ autoUpgradeProfile: { upgradeChannel: "stable" } }), previousSpec: base },
      CLUSTER,
    );
    assert.deepEqual([channel.maintenance, channel.clusterSettings], [true, true]);
  });

  it("a new namespace is seeded, the unchanged one is not, and nothing is pruned", () => {
    const doc = tutorialDocument();
    const next = spec({ namespaces: [...(doc["namespaces"] as unknown[]), prod] });
    const plan = planUpdate({ spec: next, previousSpec: spec() }, CLUSTER);
    assert.deepEqual(plan.seed, ["prod"]);
    assert.equal(plan.prune, false);
    assert.equal(plan.clusterSettings, false);
    assert.equal(plan.verify, true);
  });

  it("a removed namespace, workload, Service or policy is pruned; a changed namespace is seeded again", () => {
    const base = spec();
    const noNamespaces = planUpdate({ spec: spec({ namespaces: [] }), previousSpec: base }, CLUSTER);
    assert.deepEqual([noNamespaces.prune, noNamespaces.seed], [true, []]);
    const noPolicy = planUpdate(
      { spec: withNamespace((ns) => ({ ...ns, networkPolicies: [], expectations: [] })), previousSpec: base },
      CLUSTER,
    );
    assert.deepEqual([noPolicy.prune, noPolicy.seed], [true, ["test"]]);
    const notExposed = planUpdate(
      {
        spec: withNamespace((ns) => ({
          ...ns,
          workloads: (ns["workloads"] as object[]).map((w) => ({ ...w, expose: false })),
          expectations: [],
        })),
        previousSpec: base,
      },
      CLUSTER,
    );
    assert.deepEqual([notExposed.prune, notExposed.seed], [true, ["test"]]);
    const relabelled = planUpdate(
      { spec: withNamespace((ns) => ({ ...ns, labels: { purpose: "qa" } })), previousSpec: base },
      CLUSTER,
    );
    assert.deepEqual([relabelled.prune, relabelled.seed], [false, ["test"]]);
  });

  it("the default-deny policy renamed by a new direction prunes the old one", () => {
    const plan = planUpdate(
      {
        spec: withNamespace((ns) => ({ ...ns, defaultDeny: ["Ingress", "Egress"], expectations: [] })),
        previousSpec: spec(),
      },
      CLUSTER,
    );
    assert.equal(plan.prune, true);
    assert.deepEqual(seededObjects(spec())[0]!.networkPolicies, ["default-deny-ingress", "backend-policy"]);
  });

  it("user pools added and removed go through the agentPools subresource, not the cluster PUT", () => {
    const withPool = spec({ nodePools: [{ name: "user1", count: 2 }] });
    const added = planUpdate({ spec: withPool, previousSpec: spec() }, CLUSTER);
    assert.deepEqual(
      added.poolsAdded.map((p) => p.name),
      ["user1"],
    );
    assert.equal(added.clusterSettings, false, "a new pool is not a setting of the pools that exist");
    const removed = planUpdate({ spec: spec(), previousSpec: withPool }, CLUSTER);
    assert.deepEqual(removed.poolsRemoved, ["user1"]);
    const scaled = planUpdate(
      { spec: spec({ nodePools: [{ name: "user1", count: 4 }] }), previousSpec: withPool },
      CLUSTER,
    );
    assert.deepEqual([scaled.clusterSettings, scaled.poolsAdded, scaled.poolsRemoved], [true, [], []]);
  });

  it("a Kubernetes version is planned when it changed; no version in the spec keeps the cluster's", () => {
    const v133 = spec({ kubernetesVersion: "1.33" });
    assert.equal(
      planUpdate({ spec: spec({ kubernetesVersion: "1.34" }), previousSpec: v133 }, CLUSTER)
        .kubernetesVersion,
      "1.34",
    );
    assert.equal(planUpdate({ spec: v133, previousSpec: v133 }, CLUSTER).kubernetesVersion, undefined);
    assert.equal(planUpdate({ spec: spec(), previousSpec: v133 }, CLUSTER).kubernetesVersion, undefined);
  });

  it("reconcile applies everything the spec says, whatever previousSpec was", () => {
    const s = spec({ kubernetesVersion: "1.33", nodePools: [{ name: "user1", count: 1 }] });
    const plan = planUpdate({ spec: s, previousSpec: s, reconcile: true }, CLUSTER);
    assert.deepEqual(
      [plan.clusterSettings, plan.maintenance, plan.kubernetesVersion, plan.seed, plan.prune, plan.verify],
      [true, true, "1.33", ["test"], true, true],
    );
    assert.deepEqual(
      plan.poolsAdded.map((p) => p.name),
      ["user1"],
    );
    assert.deepEqual(plan.poolsRemoved, []);
  });

  it("grants dropped are revoked by assignment; grants kept under another entry are not", () => {
    const reader = (ns?: string[]): AccessGrant => ({
      principalId: "11111111-1111-1111-1111-111111111111",
      principalType: "Group",
      role: "reader",
      subject: "group 1",
      ...(ns ? { namespaces: ns } : {}),
    });
    const revoked = revokedAssignments([reader(["a", "b"])], [reader(["b"])], CLUSTER);
    assert.deepEqual(revoked, [
      {
        scope: `${CLUSTER}/namespaces/a`,
        roleGuid: AKS_RBAC_ROLES.reader,
        principalId: reader().principalId,
        principalType: "Group",
      },
    ]);
    assert.deepEqual(revokedAssignments([reader()], [reader()], CLUSTER), []);
    const entra = spec({ aadProfile: {} });
    const plan = planUpdate(
      { spec: entra, previousSpec: entra, previousAccess: [reader(["a"])], access: [] },
      CLUSTER,
    );
    assert.equal(plan.revokeAccess.length, 1);
    assert.equal(plan.grantAccess, true, "the app's own Cluster Admin is assigned with the grants");
    // A cluster stored while Entra ID was opt-in (no aadProfile): no Azure RBAC to grant or revoke.
    const { aadProfile: _aad, ...legacy } = spec();
    const noEntra = planUpdate(
      { spec: legacy, previousSpec: legacy, previousAccess: [reader()], access: [] },
      CLUSTER,
    );
    assert.deepEqual(
      [noEntra.revokeAccess, noEntra.grantAccess],
      [[], false],
      "no Azure RBAC, no assignments",
    );
  });
});
