// The what-if plan: field changes with their actions and disruption, the ARM requests and
// Kubernetes objects they mean, and the expectation probes the NetworkPolicy engine decides
// differently between the two specs.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { planChange } from "../../../shared/provision/plan.js";
import { tutorialSpec } from "../../helpers/examples.js";

const spec = tutorialSpec;

const target = {
  subscriptionId: "00000000-0000-0000-0000-000000000001",
  resourceGroup: "akstips",
  name: "tipsAndTricksAKSCluster",
};
const cluster = `/subscriptions/${target.subscriptionId}/resourceGroups/akstips/providers/Microsoft.ContainerService/managedClusters/tipsAndTricksAKSCluster`;

describe("what-if plan", () => {
  it("the same spec plans nothing", () => {
    const plan = planChange({ target, before: spec(), after: spec() });
    assert.deepEqual(plan, { changes: [], arm: [], kubernetes: [], reachability: { changed: [] } });
  });

  it("day 2: 3 nodes, a new namespace with a workload and a policy, one minor up", () => {
    const before = spec((d) => (d.kubernetesVersion = "1.33"));
    const after = spec((d) => {
      d.kubernetesVersion = "1.34";
      d.nodePool = { count: 3 };
      d.namespaces.push({
        name: "shop",
        workloads: [{ name: "web", image: "nginx", ports: [{ port: 80 }], expose: true }],
        networkPolicies: [{ name: "deny-all", spec: { podSelector: {}, policyTypes: ["Ingress"] } }],
      });
    });
    const plan = planChange({ target, before, after });
    const byPath = new Map(plan.changes.map((c) => [c.path, c]));
    assert.deepEqual(byPath.get("nodePool.count"), {
      path: "nodePool.count",
      from: 1,
      to: 3,
      action: "update",
      disruptive: false,
    });
    assert.equal(byPath.get("kubernetesVersion")?.disruptive, true, "an upgrade drains nodes");
    // A cluster created without a version runs the region's default: naming one is an upgrade too.
    const fromDefault = planChange({
      target,
      before: spec(),
      after: spec((d) => (d.kubernetesVersion = "1.34")),
    });
    assert.deepEqual(
      fromDefault.changes.find((c) => c.path === "kubernetesVersion"),
      { path: "kubernetesVersion", to: "1.34", action: "create", disruptive: true },
    );
    // Tags: the cluster's PUT only (what the update does), no write of the other resources.
    const tagged = planChange({ target, before: spec(), after: spec((d) => (d.tags = { env: "dev" })) });
    assert.deepEqual(
      tagged.arm.map((r) => [r.method, r.resourceId]),
      [["PUT", cluster]],
    );
    // A create is not disruptive: nothing runs yet.
    const create = planChange({ target, after: spec((d) => (d.kubernetesVersion = "1.34")) });
    assert.equal(create.changes.find((c) => c.path === "kubernetesVersion")?.disruptive, false);
    assert.equal(byPath.get("namespaces[shop]")?.action, "create");
    assert.ok(
      plan.arm.some(
        (r) => r.method === "PUT" && r.resourceId === cluster && /kubernetesVersion/.test(r.reason),
      ),
    );
    assert.ok(plan.arm.some((r) => r.method === "PUT" && r.resourceId === `${cluster}/agentPools/system`));
    assert.ok(plan.arm.every((r) => r.method !== "DELETE"));
    assert.deepEqual(plan.kubernetes.map((k) => `${k.action} ${k.kind} ${k.namespace}/${k.name}`).sort(), [
      "create Deployment shop/web",
      "create Namespace /shop",
      "create NetworkPolicy shop/deny-all",
      "create Service shop/web",
    ]);
    assert.deepEqual(plan.reachability.changed, []);
  });

  it("removing policies: the engine says which probe changes verdict, and the objects are pruned", () => {
    const before = spec();
    const after = spec((d) => {
      const ns = d.namespaces[0];
      ns.defaultDeny = [];
      ns.networkPolicies = [];
      ns.expectations = [];
    });
    const plan = planChange({ target, before, after });
    assert.deepEqual(plan.reachability.changed, [
      { from: "test{}", to: "backend.test:80", port: 80, before: "denied", after: "allowed" },
    ]);
    assert.deepEqual(
      plan.kubernetes.map((k) => `${k.action} ${k.kind} ${k.name}`).sort(),
      ["delete NetworkPolicy backend-policy", "delete NetworkPolicy default-deny-ingress"].sort(),
    );
  });

  it("a namespace or a user pool removed is disruptive; a workload's new labels replace its Deployment", () => {
    const before = spec((d) => (d.nodePools = [{ name: "user1", count: 2 }]));
    const after = spec((d) => {
      d.namespaces[0].workloads[0].labels = { app: "webapp", role: "backend", tier: "2" };
    });
    const plan = planChange({ target, before, after });
    const pool = plan.changes.find((c) => c.path === "nodePools[user1]");
    assert.deepEqual([pool?.action, pool?.disruptive], ["delete", true]);
    assert.ok(plan.arm.some((r) => r.method === "DELETE" && r.resourceId === `${cluster}/agentPools/user1`));
    const labels = plan.changes.find((c) => c.path.startsWith("namespaces[test].workloads[backend].labels"));
    assert.deepEqual([labels?.action, labels?.disruptive], ["replace", true]);
    const gone = planChange({ target, before, after: spec((d) => (d.namespaces = [])) });
    assert.deepEqual(
      gone.changes.filter((c) => c.path === "namespaces[test]").map((c) => [c.action, c.disruptive]),
      [["delete", true]],
    );
    assert.ok(
      gone.kubernetes.some((k) => k.action === "delete" && k.kind === "Namespace" && k.name === "test"),
    );
  });

  it("a create plans every resource as a PUT; a delete every owned resource as a DELETE", () => {
    const created = planChange({ target, after: spec() });
    assert.ok(created.changes.every((c) => c.action === "create"));
    assert.ok(created.arm.some((r) => r.method === "PUT" && r.resourceId === cluster));
    assert.ok(created.kubernetes.some((k) => k.kind === "Namespace" && k.name === "test"));
    const deleted = planChange({ target, before: spec() });
    assert.ok(deleted.changes.every((c) => c.action === "delete" && c.disruptive));
    assert.deepEqual(
      deleted.arm.map((r) => r.method),
      ["DELETE", "DELETE", "DELETE", "DELETE"],
    );
    assert.deepEqual(deleted.kubernetes, []);
  });
});
