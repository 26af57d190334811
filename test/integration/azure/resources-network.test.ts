// Resource groups (@azure/arm-resources), VNets and subnets (@azure/arm-network) and user-assigned
// identities (@azure/arm-msi): CRUD, LRO shapes, address validation and the resource-group cascade.
import { test } from "node:test";
import assert from "node:assert/strict";
import { FAST, LOCATION, clusterBody, prepareNetwork } from "../../../harness/azure.js";
import { startForTest, startKubeStandIn, tempStateDir } from "./helpers.js";

test("resource groups: create is synchronous, get/list/update work, a missing group is ResourceGroupNotFound", async (t) => {
  const c = await startForTest(t);
  const created = await c.resources.resourceGroups.createOrUpdate("rg-a", {
    location: "East US",
    tags: { team: "a" },
  });
  assert.equal(created.location, "eastus");
  assert.equal(created.properties?.provisioningState, "Succeeded");
  assert.equal((await c.resources.resourceGroups.checkExistence("rg-a")).body, true);
  assert.equal((await c.resources.resourceGroups.checkExistence("rg-missing")).body, false);
  await c.resources.resourceGroups.update("rg-a", { tags: { team: "b" } });
  assert.deepEqual((await c.resources.resourceGroups.get("rg-a")).tags, { team: "b" });
  const names = [];
  for await (const g of c.resources.resourceGroups.list()) names.push(g.name);
  assert.deepEqual(names, ["rg-a"]);
  await assert.rejects(c.resources.resourceGroups.get("rg-missing"), {
    statusCode: 404,
    code: "ResourceGroupNotFound",
  });
  await assert.rejects(
    c.network.virtualNetworks.createOrUpdate(
      "rg-missing",
      "v",
      { location: LOCATION, addressSpace: { addressPrefixes: ["10.0.0.0/16"] } },
      FAST,
    ),
    { statusCode: 404, code: "ResourceGroupNotFound" },
  );
  await assert.rejects(c.resources.resourceGroups.createOrUpdate("rg-a", { location: "westeurope" }), {
    statusCode: 409,
    code: "InvalidResourceGroupLocation",
  });
});

test("VNets and subnets: LRO create, address-space validation, and a subnet in use cannot be deleted", async (t) => {
  const c = await startForTest(t);
  await c.resources.resourceGroups.createOrUpdate("rg", { location: LOCATION });
  const body = (prefixes: string[], subnets: { name: string; addressPrefix: string }[]) => ({
    location: LOCATION,
    addressSpace: { addressPrefixes: prefixes },
    subnets,
  });
  await assert.rejects(
    c.network.virtualNetworks.createOrUpdate(
      "rg",
      "v",
      body(["10.0.0.0/16"], [{ name: "s", addressPrefix: "10.1.0.0/24" }]),
      FAST,
    ),
    { statusCode: 400, code: "NetcfgSubnetRangeOutsideVnet" },
  );
  await assert.rejects(
    c.network.virtualNetworks.createOrUpdate(
      "rg",
      "v",
      body(
        ["10.0.0.0/16"],
        [
          { name: "a", addressPrefix: "10.0.0.0/24" },
          { name: "b", addressPrefix: "10.0.0.128/25" },
        ],
      ),
      FAST,
    ),
    { statusCode: 400, code: "NetcfgSubnetRangesOverlap" },
  );
  await assert.rejects(c.network.virtualNetworks.createOrUpdate("rg", "v", body(["10.0.0.1/16"], []), FAST), {
    statusCode: 400,
    code: "InvalidCIDRNotation",
  });
  await assert.rejects(
    c.network.virtualNetworks.createOrUpdate("rg", "v", body(["10.0.0.0/16", "10.0.128.0/17"], []), FAST),
    {
      statusCode: 400,
      code: "VnetAddressSpacesOverlap",
    },
  );

  const vnet = await c.network.virtualNetworks.createOrUpdate(
    "rg",
    "v",
    body(["10.0.0.0/16"], [{ name: "a", addressPrefix: "10.0.0.0/24" }]),
    FAST,
  );
  assert.equal(vnet.provisioningState, "Succeeded");
  const sub = await c.network.subnets.createOrUpdate("rg", "v", "b", { addressPrefix: "10.0.1.0/24" }, FAST);
  assert.equal(sub.provisioningState, "Succeeded");
  await assert.rejects(
    c.network.subnets.createOrUpdate("rg", "v", "c", { addressPrefix: "10.0.1.0/25" }, FAST),
    {
      statusCode: 400,
      code: "NetcfgSubnetRangesOverlap",
    },
  );
  const listed = [];
  for await (const s of c.network.subnets.list("rg", "v")) listed.push(s.name);
  assert.deepEqual(listed.sort(), ["a", "b"]);
  assert.equal((await c.network.virtualNetworks.get("rg", "v")).subnets?.length, 2);
  await c.network.subnets.delete("rg", "v", "b", FAST);
  await assert.rejects(c.network.subnets.get("rg", "v", "b"), { statusCode: 404 });

  // A subnet a cluster uses cannot be deleted.
  const setup = await prepareNetwork(c, "rg2");
  await c.aks.managedClusters.createOrUpdate("rg2", "aks", clusterBody(setup), FAST);
  await assert.rejects(c.network.subnets.delete("rg2", "myVnet", "myAKSSubnet", FAST), {
    statusCode: 400,
    code: "InUseSubnetCannotBeDeleted",
  });
});

test("user-assigned identities: synchronous create with principalId/clientId/tenantId, idempotent, deletable", async (t) => {
  const c = await startForTest(t);
  await c.resources.resourceGroups.createOrUpdate("rg", { location: LOCATION });
  const a = await c.msi.userAssignedIdentities.createOrUpdate("rg", "uami", { location: LOCATION });
  assert.match(a.principalId!, /^[0-9a-f-]{36}$/);
  assert.match(a.clientId!, /^[0-9a-f-]{36}$/);
  assert.equal(a.tenantId, c.emulator.tenantId);
  const b = await c.msi.userAssignedIdentities.createOrUpdate("rg", "uami", {
    location: LOCATION,
    tags: { x: "y" },
  });
  assert.equal(b.principalId, a.principalId, "a repeated PUT keeps the identity");
  assert.equal((await c.msi.userAssignedIdentities.get("rg", "uami")).clientId, a.clientId);
  await c.msi.userAssignedIdentities.delete("rg", "uami");
  await assert.rejects(c.msi.userAssignedIdentities.get("rg", "uami"), { statusCode: 404 });
});

test("deleting a resource group is a long-running operation that removes everything in it, unregistering clusters", async (t) => {
  const stateDir = await tempStateDir();
  const kube = await startKubeStandIn(stateDir);
  t.after(() => kube.stop());
  const c = await startForTest(t, { stateDir, kubeUrl: kube.url });
  const setup = await prepareNetwork(c, "doomed");
  await c.aks.managedClusters.createOrUpdate("doomed", "aks", clusterBody(setup), FAST);
  await prepareNetwork(c, "kept");

  const poller = c.resources.resourceGroups.delete("doomed", FAST);
  await poller.submitted();
  assert.equal((await c.resources.resourceGroups.get("doomed")).properties?.provisioningState, "Deleting");
  await poller;
  await assert.rejects(c.resources.resourceGroups.get("doomed"), {
    statusCode: 404,
    code: "ResourceGroupNotFound",
  });
  await assert.rejects(c.network.virtualNetworks.get("doomed", "myVnet"), { statusCode: 404 });
  await assert.rejects(c.msi.userAssignedIdentities.get("doomed", "aks-identity"), { statusCode: 404 });
  const assignments = [];
  for await (const a of c.authorization.roleAssignments.listForScope(`/subscriptions/${c.sub}`))
    assignments.push(a.scope);
  assert.equal(
    assignments.filter((s) => /doomed/i.test(s ?? "")).length,
    0,
    "role assignments inside the group are gone",
  );
  assert.equal(assignments.filter((s) => /kept/i.test(s ?? "")).length, 1, "other groups are untouched");
  assert.ok(
    kube.calls.some((x) => x.method === "DELETE"),
    "the cluster was unregistered",
  );
  assert.equal((await c.network.virtualNetworks.get("kept", "myVnet")).provisioningState, "Succeeded");
});
