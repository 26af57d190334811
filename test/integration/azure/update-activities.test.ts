// The ARM activities of an update against the Azure emulator through the real SDK: GET first, a
// write only where the cluster differs from the spec, none while it is busy, ownership checked, the
// agentPools subresource for pools, the region's listing for an upgrade, role assignments revoked
// by their deterministic names.
import assert from "node:assert/strict";
import { test, type TestContext } from "node:test";
import {
  deleteAgentPool,
  ensureAgentPool,
  planKubernetesUpgrade,
  revokeClusterAccess,
  submitClusterUpdate,
} from "../../../orchestrations/activities/update.js";
import type { ArmDeps } from "../../../orchestrations/activities/arm.js";
import { FAST, LOCATION, NETWORK_CONTRIBUTOR, prepareNetwork, type Clients } from "../../../harness/azure.js";
import { managedClusterModel, ownedTags } from "../../../shared/azure/models.js";
import { identityName, ids, roleAssignmentName, roleDefinitionId } from "../../../shared/azure/names.js";
import { loadConfig } from "../../../shared/config/index.js";
import { AKS_RBAC_ROLES } from "../../../shared/spec/access.js";
import type { ClusterSpec } from "../../../shared/spec/schema.js";
import { spec as tutorialSpec } from "../../unit/provision/fixtures.js";
import { eventually, startForTest } from "./helpers.js";

const OWNER = { instanceId: "aksv-tipsandtricksakscluster-0000", clusterUid: "uid-1" };

function depsOf(c: Clients): ArmDeps {
  return {
    config: loadConfig({}),
    clients: () => ({
      subscriptionId: c.sub,
      resources: c.resources,
      network: c.network,
      msi: c.msi,
      authorization: c.authorization,
      containerService: c.aks,
    }),
  };
}

/** The tutorial's cluster as the create makes it (owned tags, its identity with Network Contributor). */
async function created(t: TestContext, s: ClusterSpec = tutorialSpec()) {
  const c = await startForTest(t);
  const setup = await prepareNetwork(c, s.resourceGroup, { grant: false });
  const identity = await c.msi.userAssignedIdentities.createOrUpdate(s.resourceGroup, identityName(s.name), {
    location: LOCATION,
  });
  await c.authorization.roleAssignments.create(setup.subnetId, "5b0bd1a4-3c1e-4a4f-9d5e-000000000001", {
    roleDefinitionId: roleDefinitionId(c.sub, NETWORK_CONTRIBUTOR),
    principalId: identity.principalId!,
    principalType: "ServicePrincipal",
  });
  const target = { subscriptionId: c.sub, resourceGroup: s.resourceGroup, name: s.name };
  await c.aks.managedClusters.createOrUpdate(
    s.resourceGroup,
    s.name,
    managedClusterModel(s, { identityId: identity.id!, subnetId: setup.subnetId }, ownedTags(s, OWNER)),
    FAST,
  );
  const clusterPuts = () =>
    c.emulator.recorder
      .query({ method: "PUT" })
      .filter((r) => r.resourceType === "Microsoft.ContainerService/managedClusters").length;
  const settled = () =>
    eventually(
      async () =>
        (await c.aks.managedClusters.get(s.resourceGroup, s.name)).provisioningState === "Succeeded",
      "the cluster's operation to end",
    );
  return { c, deps: depsOf(c), target, subnetId: setup.subnetId, clusterPuts, settled };
}

test("the cluster PUT: nothing written when the cluster is as the spec says; the new count written once, the version kept", async (t) => {
  const { c, deps, target, clusterPuts, settled } = await created(t);
  const same = await submitClusterUpdate({ target, spec: tutorialSpec(), owner: OWNER }, deps);
  assert.equal(same.status, "succeeded");
  assert.equal(clusterPuts(), 1, "the create's PUT only");

  const scaled = tutorialSpec({ nodePool: { count: 3 }, tags: { costCenter: "999" } });
  const first = await submitClusterUpdate({ target, spec: scaled, owner: OWNER }, deps);
  assert.equal(first.status, "running");
  assert.equal(first.status === "running" ? first.poller?.kind : undefined, "clusterUpdate");
  // Busy: no second PUT while the update runs.
  assert.deepEqual(await submitClusterUpdate({ target, spec: scaled, owner: OWNER }, deps), {
    status: "running",
  });
  await settled();
  assert.equal((await submitClusterUpdate({ target, spec: scaled, owner: OWNER }, deps)).status, "succeeded");
  assert.equal(clusterPuts(), 2, "one PUT for the change, however often asked");
  const mc = await c.aks.managedClusters.get(target.resourceGroup, target.name);
  assert.equal(mc.agentPoolProfiles?.[0]?.count, 3);
  assert.equal(mc.agentPoolProfiles?.[0]?.minCount, 3, "autoscaler bounds follow the count");
  assert.equal(mc.tags?.["costCenter"], "999");
  assert.equal(mc.tags?.["aks-vending-instance"], OWNER.instanceId, "ownership tags kept");
  assert.equal(mc.kubernetesVersion, "1.33", "the running version kept");
});

test("a cluster not created for this one is never written", async (t) => {
  const { deps, target, clusterPuts } = await created(t);
  const r = await submitClusterUpdate(
    {
      target,
      spec: tutorialSpec({ nodePool: { count: 2 } }),
      owner: { instanceId: "x", clusterUid: "other" },
    },
    deps,
  );
  assert.equal(r.status === "failed" ? r.error.code : r.status, "ClusterNotOwned");
  assert.equal(clusterPuts(), 1);
});

test("user pools through the agentPools subresource: created once, then unchanged; deleted once, then absent; the system pool never", async (t) => {
  const { c, deps, target, subnetId, settled } = await created(t);
  const pool = tutorialSpec({ nodePools: [{ name: "user1", count: 2 }] }).nodePools[0]!;
  const input = { target, owner: OWNER, pool, subnetId };
  const add = await ensureAgentPool(input, deps);
  assert.equal(add.status === "running" ? add.poller?.kind : add.status, "agentPoolWrite");
  await settled();
  assert.deepEqual(await ensureAgentPool(input, deps), {
    status: "succeeded",
    value: { poolId: `${ids.cluster(target)}/agentPools/user1`, outcome: "unchanged" },
  });
  const got = await c.aks.agentPools.get(target.resourceGroup, target.name, "user1");
  assert.deepEqual([got.mode, got.count, got.vnetSubnetID], ["User", 2, subnetId]);

  const del = await deleteAgentPool({ target, owner: OWNER, pool: "user1" }, deps);
  assert.equal(del.status === "running" ? del.poller?.kind : del.status, "agentPoolDelete");
  await settled();
  const again = await deleteAgentPool({ target, owner: OWNER, pool: "user1" }, deps);
  assert.equal(again.status === "succeeded" ? again.value.outcome : again.status, "absent");
  const system = await deleteAgentPool({ target, owner: OWNER, pool: "system" }, deps);
  assert.equal(system.status === "failed" ? system.error.code : system.status, "SystemPoolNotDeleted");
});

test("the upgrade plan: one minor up along the region's listing; a downgrade or an unlisted version refused before any write", async (t) => {
  const { deps, target, clusterPuts } = await created(t);
  const plan = (kubernetesVersion: string) =>
    planKubernetesUpgrade({ target, location: LOCATION, kubernetesVersion }, deps);
  const up = await plan("1.34");
  assert.ok(up.ok);
  assert.deepEqual(up.value.controlPlane, ["1.34"]);
  assert.deepEqual(up.value.pools, ["system"]);
  assert.match(up.value.current, /^1\.33\.\d+$/);
  const down = await plan("1.32");
  assert.equal(down.ok ? "ok" : down.error.code, "KubernetesVersionDowngradeNotAllowed");
  const unknown = await plan("1.40");
  assert.equal(unknown.ok ? "ok" : unknown.error.code, "KubernetesVersionNotSupported");
  assert.equal(clusterPuts(), 1, "planning only reads");
});

test("revocation deletes the dropped grant's role assignment by its deterministic name, and finds nothing the second time", async (t) => {
  const { c, deps, target } = await created(t);
  const scope = `${ids.cluster(target)}/namespaces/test`;
  const principalId = "33333333-3333-3333-3333-333333333333";
  const name = roleAssignmentName(scope, principalId, AKS_RBAC_ROLES.reader);
  await c.authorization.roleAssignments.create(scope, name, {
    roleDefinitionId: roleDefinitionId(c.sub, AKS_RBAC_ROLES.reader),
    principalId,
    principalType: "Group",
  });
  const input = {
    subscriptionId: c.sub,
    assignments: [{ scope, roleGuid: AKS_RBAC_ROLES.reader, principalId, principalType: "Group" as const }],
  };
  assert.deepEqual(await revokeClusterAccess(input, deps), {
    ok: true,
    value: { deleted: [ids.roleAssignment(scope, name)] },
  });
  assert.deepEqual(await revokeClusterAccess(input, deps), { ok: true, value: { deleted: [] } });
});
