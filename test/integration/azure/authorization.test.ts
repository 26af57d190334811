// Microsoft.Authorization through @azure/arm-authorization: role definitions, role assignments at any
// scope, the replication race (PrincipalNotFound) and duplicate assignments (RoleAssignmentExists).
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { LOCATION, NETWORK_CONTRIBUTOR } from "../../../harness/azure.js";
import { eventually, startForTest } from "./helpers.js";

test("built-in role definitions are readable by id and by name", async (t) => {
  const c = await startForTest(t);
  const scope = `/subscriptions/${c.sub}`;
  const def = await c.authorization.roleDefinitions.get(scope, NETWORK_CONTRIBUTOR);
  assert.equal(def.roleName, "Network Contributor");
  assert.ok(def.permissions?.[0]?.actions?.includes("Microsoft.Network/*"));
  const byName = [];
  for await (const d of c.authorization.roleDefinitions.list(scope, { filter: "roleName eq 'Contributor'" }))
    byName.push(d);
  assert.deepEqual(
    byName.map((d) => d.name),
    ["b24988ac-6180-42a0-ab88-20f7382dd24c"],
  );
});

test("a role assignment for a just-created identity is PrincipalNotFound until replication, unless principalType is given", async (t) => {
  // Replication delay of 200 emulated s at scale 0.002 = 400 ms of wall time.
  const c = await startForTest(t, { latency: { principalReplication: 200 } });
  await c.resources.resourceGroups.createOrUpdate("rg", { location: LOCATION });
  const scope = `/subscriptions/${c.sub}/resourceGroups/rg`;
  const roleDefinitionId = `/subscriptions/${c.sub}/providers/Microsoft.Authorization/roleDefinitions/${NETWORK_CONTRIBUTOR}`;
  const early = await c.msi.userAssignedIdentities.createOrUpdate("rg", "id-early", { location: LOCATION });
  await assert.rejects(
    c.authorization.roleAssignments.create(scope, randomUUID(), {
      roleDefinitionId,
      principalId: early.principalId!,
    }),
    { statusCode: 400, code: "PrincipalNotFound", message: /replication delay/ },
  );
  // With principalType the same request succeeds at once.
  const typed = await c.authorization.roleAssignments.create(scope, randomUUID(), {
    roleDefinitionId,
    principalId: early.principalId!,
    principalType: "ServicePrincipal",
  });
  assert.equal(typed.principalId, early.principalId);
  assert.equal(typed.scope, scope);

  // Without principalType it succeeds once the principal has replicated.
  const late = await c.msi.userAssignedIdentities.createOrUpdate("rg", "id-late", { location: LOCATION });
  let created = false;
  await eventually(async () => {
    try {
      await c.authorization.roleAssignments.create(scope, randomUUID(), {
        roleDefinitionId,
        principalId: late.principalId!,
      });
      created = true;
    } catch (e) {
      assert.equal((e as { code?: string }).code, "PrincipalNotFound");
    }
    return created;
  }, "the principal to replicate");
});

test("the same (scope, principal, role) under another name is 409 RoleAssignmentExists; the same name is idempotent", async (t) => {
  const c = await startForTest(t);
  await c.resources.resourceGroups.createOrUpdate("rg", { location: LOCATION });
  const id = await c.msi.userAssignedIdentities.createOrUpdate("rg", "id1", { location: LOCATION });
  const scope = `/subscriptions/${c.sub}/resourceGroups/rg`;
  const body = {
    roleDefinitionId: `/subscriptions/${c.sub}/providers/Microsoft.Authorization/roleDefinitions/${NETWORK_CONTRIBUTOR}`,
    principalId: id.principalId!,
    principalType: "ServicePrincipal" as const,
  };
  const name = randomUUID();
  const first = await c.authorization.roleAssignments.create(scope, name, body);
  const again = await c.authorization.roleAssignments.create(scope, name, body);
  assert.equal(again.id, first.id);
  await assert.rejects(c.authorization.roleAssignments.create(scope, randomUUID(), body), {
    statusCode: 409,
    code: "RoleAssignmentExists",
  });
  const listed = [];
  for await (const a of c.authorization.roleAssignments.listForScope(scope)) listed.push(a);
  assert.deepEqual(
    listed.map((a) => a.name),
    [name],
  );
  assert.equal((await c.authorization.roleAssignments.get(scope, name)).principalId, id.principalId);
  await c.authorization.roleAssignments.delete(scope, name);
  await assert.rejects(c.authorization.roleAssignments.get(scope, name), { statusCode: 404 });
  // Deleted, it is no longer a duplicate: the same assignment under another name is created.
  const other = randomUUID();
  assert.equal((await c.authorization.roleAssignments.create(scope, other, body)).name, other);
});

test("role assignments reject unknown roles, non-GUID names and missing scopes", async (t) => {
  const c = await startForTest(t);
  await c.resources.resourceGroups.createOrUpdate("rg", { location: LOCATION });
  const scope = `/subscriptions/${c.sub}/resourceGroups/rg`;
  const principalId = randomUUID();
  const role = (guid: string) =>
    `/subscriptions/${c.sub}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;
  await assert.rejects(
    c.authorization.roleAssignments.create(scope, randomUUID(), {
      roleDefinitionId: role(randomUUID()),
      principalId,
      principalType: "User",
    }),
    { statusCode: 400, code: "RoleDefinitionDoesNotExist" },
  );
  await assert.rejects(
    c.authorization.roleAssignments.create(scope, "not-a-guid", {
      roleDefinitionId: role(NETWORK_CONTRIBUTOR),
      principalId,
      principalType: "User",
    }),
    { statusCode: 400, code: "InvalidRoleAssignmentId" },
  );
  await assert.rejects(
    c.authorization.roleAssignments.create(`/subscriptions/${c.sub}/resourceGroups/missing`, randomUUID(), {
      roleDefinitionId: role(NETWORK_CONTRIBUTOR),
      principalId,
      principalType: "User",
    }),
    { statusCode: 404, code: "ResourceGroupNotFound" },
  );
});
