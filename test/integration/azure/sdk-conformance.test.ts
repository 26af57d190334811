// Every answer the app's SDK clients read from the emulator conforms to those clients' own response
// models: the pinned @azure/arm-* packages, generated from the official Azure REST API specifications
// at the api-versions the app sends (test/helpers/sdk-models.ts turns them into JSON Schema).
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { FAST, LOCATION, NETWORK_CONTRIBUTOR, clusterBody, prepareNetwork } from "../../../harness/azure.js";
import { SdkModels } from "../../helpers/sdk-models.js";
import { validateAgainst } from "../../helpers/spec-conformance.js";
import { startForTest } from "./helpers.js";

const all = async <T>(pages: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const x of pages) out.push(x);
  return out;
};

/** Answers that have no response model in the SDKs: LRO status polls and the token issuer's. */
const UNMODELLED = [
  /\/operations\/[^/]+$/i,
  /\/operationresults\/[^/]+$/i,
  /\/oauth2\//,
  /openid-configuration/,
];

test("the emulator's answers to the app's SDK operations validate against the SDKs' spec-generated models at their api-versions", async (t) => {
  const c = await startForTest(t);
  c.emulator.recorder.keepBodies = true;
  const rg = "rg-conformance";
  const setup = await prepareNetwork(c, rg);
  // resources 2025-04-01
  await c.resources.resourceGroups.get(rg);
  await c.resources.resourceGroups.update(rg, { tags: { team: "platform" } });
  await all(c.resources.resourceGroups.list());
  // network 2026-01-01
  await c.network.virtualNetworks.get(rg, "myVnet");
  await all(c.network.virtualNetworks.list(rg));
  await all(c.network.virtualNetworks.listAll());
  await c.network.subnets.get(rg, "myVnet", "myAKSSubnet");
  await all(c.network.subnets.list(rg, "myVnet"));
  await c.network.subnets.createOrUpdate(rg, "myVnet", "extra", { addressPrefix: "10.241.0.0/24" }, FAST);
  // msi 2024-11-30
  await c.msi.userAssignedIdentities.get(rg, "aks-identity");
  await all(c.msi.userAssignedIdentities.listByResourceGroup(rg));
  await all(c.msi.userAssignedIdentities.listBySubscription());
  // authorization 2022-04-01
  const assignments = await all(c.authorization.roleAssignments.listForScope(setup.subnetId));
  assert.ok(assignments.length > 0);
  await c.authorization.roleAssignments.get(setup.subnetId, assignments[0]!.name!);
  await c.authorization.roleDefinitions.get(`/subscriptions/${c.sub}`, NETWORK_CONTRIBUTOR);
  await c.authorization.roleAssignments.create(setup.vnetId, randomUUID(), {
    roleDefinitionId: `/subscriptions/${c.sub}/providers/Microsoft.Authorization/roleDefinitions/${NETWORK_CONTRIBUTOR}`,
    principalId: setup.principalId,
    principalType: "ServicePrincipal",
  });
  // containerservice 2026-06-01
  await c.aks.managedClusters.listKubernetesVersions(LOCATION);
  await c.aks.managedClusters.createOrUpdate(rg, "c1", clusterBody(setup), FAST);
  await c.aks.managedClusters.get(rg, "c1");
  await all(c.aks.managedClusters.list());
  await all(c.aks.managedClusters.listByResourceGroup(rg));
  await c.aks.managedClusters.listClusterAdminCredentials(rg, "c1");
  await c.aks.managedClusters.listClusterUserCredentials(rg, "c1");
  await c.aks.managedClusters.updateTags(rg, "c1", { tags: { team: "platform" } }, FAST);
  const pools = await all(c.aks.agentPools.list(rg, "c1"));
  await c.aks.agentPools.get(rg, "c1", pools[0]!.name!);
  // Day 2: a scale through agentPools, a control-plane upgrade through a cluster PUT (answers while
  // Updating and after), and a User pool added and deleted.
  await c.aks.agentPools.createOrUpdate(rg, "c1", pools[0]!.name!, { count: 2 }, FAST);
  await c.aks.managedClusters.createOrUpdate(
    rg,
    "c1",
    { ...clusterBody(setup), kubernetesVersion: "1.34" },
    FAST,
  );
  await c.aks.agentPools.createOrUpdate(
    rg,
    "c1",
    "user1",
    { count: 1, mode: "User", vnetSubnetID: setup.subnetId, orchestratorVersion: "1.34" },
    FAST,
  );
  await all(c.aks.agentPools.list(rg, "c1"));
  await c.aks.managedClusters.getUpgradeProfile(rg, "c1");
  await c.aks.agentPools.getUpgradeProfile(rg, "c1", "user1");
  await c.aks.agentPools.delete(rg, "c1", "user1", FAST);
  // resources listing (subscription and group)
  await all(c.resources.resources.list());
  await all(c.resources.resources.listByResourceGroup(rg));
  await c.aks.managedClusters.delete(rg, "c1", FAST);
  await c.resources.resourceGroups.delete(rg, FAST);

  const models = new SdkModels();
  const answers = c.emulator.recorder.query();
  const conformance = await validateAgainst(answers, models);
  t.diagnostic(
    `validated ${conformance.checked.length} answers:\n${[...new Set(conformance.checked)].join("\n")}`,
  );
  assert.deepEqual(conformance.failures, []);
  // Nothing escaped: every other answer with a body is an LRO status or a token answer, and every
  // ARM request was sent at the api-version its package models.
  assert.deepEqual(
    conformance.unmodelled.filter((u) => !UNMODELLED.some((p) => p.test(u.split(" ")[1]!))),
    [],
  );
  for (const a of answers) {
    const op = models.operationOf(a.method, a.path);
    if (op) assert.equal(a.apiVersion, op.apiVersion, `${a.method} ${a.path} is ${op.pkg} ${op.name}`);
  }
  const validated = new Set(conformance.checked.map((c) => c.split("→ ")[1]!.replace(/ \(.*/, "")));
  for (const m of [
    "ResourceGroup",
    "_ResourceGroupListResult",
    "_ResourceListResult",
    "VirtualNetwork",
    "_VirtualNetworkListResult",
    "Subnet",
    "_SubnetListResult",
    "Identity",
    "UserAssignedIdentitiesListResult",
    "RoleAssignment",
    "RoleAssignmentListResult",
    "RoleDefinition",
    "KubernetesVersionListResult",
    "ManagedCluster",
    "_ManagedClusterListResult",
    "CredentialResults",
    "AgentPool",
    "_AgentPoolListResult",
    "ManagedClusterUpgradeProfile",
    "AgentPoolUpgradeProfile",
  ])
    assert.ok(
      validated.has(m),
      `an answer was validated against ${m} (validated: ${[...validated].join(", ")})`,
    );
});
