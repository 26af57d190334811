// The registration registers exactly the declared orchestrations and activities, each under its
// declared name with its own implementation. The names are pinned here too: they are written into
// durable history, so renaming one strands the instances that are running under the old name.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ACTIVITIES, ORCHESTRATORS, register } from "../../../orchestrations/registry.js";
import { ACTIVITY, ORCHESTRATION } from "../../../shared/provision/durable.js";

function recorded() {
  const orchestrations = new Map<string, unknown>();
  const activities = new Map<string, (input: unknown) => unknown>();
  register({
    orchestration: (name, handler) => orchestrations.set(name, handler),
    activity: (name, options) => activities.set(name, options.handler as (input: unknown) => unknown),
  });
  return { orchestrations, activities };
}

/** The names registered are the declared ones, and the ones pinned here. */
function assertNames(
  registered: Iterable<string>,
  declared: Record<string, { name: string }>,
  pinned: string[],
) {
  const names = [...registered].sort();
  assert.deepEqual(
    names,
    Object.values(declared)
      .map((d) => d.name)
      .sort(),
  );
  assert.deepEqual(names, pinned);
  for (const [key, d] of Object.entries(declared))
    assert.equal(d.name, key, "a declaration's name is its key");
}

describe("durable registry", () => {
  it("registers every declared orchestration, and nothing else, with its orchestrator", () => {
    const { orchestrations } = recorded();
    assertNames(orchestrations.keys(), ORCHESTRATION, [
      "clusterQuotaSlot",
      "deprovisionCluster",
      "driftMonitor",
      "notifyPipelines",
      "provisionCluster",
      "seedNamespace",
      "updateCluster",
      "verifyConnectivity",
    ]);
    for (const [key, o] of Object.entries(ORCHESTRATION))
      assert.equal(orchestrations.get(o.name), ORCHESTRATORS[key as keyof typeof ORCHESTRATORS]);
  });

  it("registers every declared activity, and nothing else, calling its function", async () => {
    const { activities } = recorded();
    assertNames(activities.keys(), ACTIVITY, [
      "assignPodSecurityPolicy",
      "assignSubnetRole",
      "checkClusterAccess",
      "checkDrift",
      "checkWorkloadsReady",
      "deleteAgentPool",
      "deleteOwnedResource",
      "ensureAgentPool",
      "ensureIdentity",
      "ensureMaintenanceConfigurations",
      "ensureResourceGroup",
      "ensureVirtualNetwork",
      "getClusterState",
      "grantClusterAccess",
      "planKubernetesUpgrade",
      "pollArmOperation",
      "pruneKubernetesObjects",
      "removeConnectivityProbes",
      "reportToPipelines",
      "revokeClusterAccess",
      "runConnectivityProbes",
      "seedNamespaceObject",
      "seedNetworkPolicies",
      "seedWorkloads",
      "submitClusterCreate",
      "submitClusterUpdate",
    ]);
    assert.equal(Object.keys(ACTIVITIES).length, activities.size);
    // The handler runs the bound function with the input (no callback table configured: nothing to send).
    assert.deepEqual(await activities.get("reportToPipelines")!({ instanceId: "aksv-x", result: "failed" }), {
      sent: 0,
      alreadyCompleted: 0,
      abandoned: [],
    });
  });
});
