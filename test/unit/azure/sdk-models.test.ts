// The @azure/arm-* packages' models, as JSON Schema, catch what Azure would not answer: drift in the
// emulator (an invented property, a wrong type, a missing required property) fails validation, in
// both forms the packages come in (TypeSpec modular clients and AutoRest mappers).
import { test } from "node:test";
import assert from "node:assert/strict";
import { SdkModels } from "../../helpers/sdk-models.js";
import { sampleCluster, validateAgainst, type Answer } from "../../helpers/spec-conformance.js";

const models = new SdkModels();
const RG = "/subscriptions/s/resourceGroups/rg";
const CLUSTER = `${RG}/providers/Microsoft.ContainerService/managedClusters/c`;
const IDENTITY = `${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/i`;
const ASSIGNMENT = `${RG}/providers/Microsoft.Authorization/roleAssignments/00000000-0000-0000-0000-000000000001`;

const base = sampleCluster(CLUSTER);
const cluster = {
  ...base,
  properties: { ...base.properties, networkProfile: { networkPlugin: "azure", networkDataplane: "azure" } },
};
const identity = {
  id: IDENTITY,
  name: "i",
  type: "Microsoft.ManagedIdentity/userAssignedIdentities",
  location: "eastus",
  properties: { tenantId: "t", principalId: "p", clientId: "c" },
};
const assignment = {
  id: ASSIGNMENT,
  name: "00000000-0000-0000-0000-000000000001",
  type: "Microsoft.Authorization/roleAssignments",
  properties: {
    roleDefinitionId: "/r",
    principalId: "p",
    createdOn: "2025-01-01T00:00:00.000Z",
    condition: null,
  },
};

const answer = (path: string, apiVersion: string, body: unknown, method = "GET"): Answer => ({
  method,
  path,
  apiVersion,
  status: 200,
  responseBody: body,
});
const clusterAnswer = (body: unknown) => answer(CLUSTER, "2026-06-01", body);

test("operations are found by method and path, with the api-version their package was generated for", () => {
  const op = models.operationOf("POST", `${CLUSTER}/listClusterAdminCredential`);
  assert.equal(op?.name, "managedClusters.listClusterAdminCredentials");
  assert.equal(op?.apiVersion, "2026-06-01");
  assert.equal(
    models.operationOf("PUT", `${RG}/providers/Microsoft.Network/virtualNetworks/v/subnets/s`)?.name,
    "subnets.createOrUpdate",
  );
  assert.equal(models.operationOf("GET", ASSIGNMENT)?.name, "roleAssignments.get");
  assert.equal(models.operationOf("GET", ASSIGNMENT)?.apiVersion, "2022-04-01");
  assert.equal(models.operationOf("GET", IDENTITY)?.apiVersion, "2024-11-30");
});

test("conforming answers pass in both package forms (modular clients and mappers)", async () => {
  const result = await validateAgainst(
    [
      clusterAnswer(cluster),
      answer(IDENTITY, "2024-11-30", identity),
      answer(ASSIGNMENT, "2022-04-01", assignment),
      answer(`${RG}/providers/Microsoft.ContainerService/managedClusters`, "2026-06-01", {
        value: [cluster],
      }),
    ],
    models,
  );
  assert.deepEqual(result.failures, []);
  assert.equal(result.checked.length, 4);
});

test("drift fails: an unknown property, a wrong type, a missing required property, a malformed date", async () => {
  const props = cluster.properties;
  const result = await validateAgainst(
    [
      clusterAnswer({ ...cluster, properties: { ...props, inventedProfile: {} } }),
      clusterAnswer({ ...cluster, properties: { ...props, maxAgentPools: "100" } }),
      clusterAnswer({ ...cluster, properties: { ...props, agentPoolProfiles: [{ count: 1 }] } }),
      clusterAnswer({ ...cluster, location: undefined }),
      clusterAnswer({
        ...cluster,
        properties: { ...props, networkProfile: { networkPlugin: "azure", podCIDR: "x" } },
      }),
      answer(IDENTITY, "2024-11-30", { ...identity, properties: { ...identity.properties, secret: "s" } }),
      answer(ASSIGNMENT, "2022-04-01", {
        ...assignment,
        properties: { ...assignment.properties, createdOn: "yesterday" },
      }),
      answer(ASSIGNMENT, "2022-04-01", {
        ...assignment,
        properties: { ...assignment.properties, scope: null },
      }),
    ],
    models,
  );
  assert.equal(result.failures.length, 8, result.failures.join("\n"));
  const [unknown, type, required, location, nested, mapperUnknown, date, nullScope] = result.failures;
  assert.match(unknown!, /must NOT have additional properties \(inventedProfile\)/);
  assert.match(type!, /maxAgentPools must be number/);
  assert.match(required!, /agentPoolProfiles\/0 must have required property 'name'/);
  assert.match(location!, /must have required property 'location'/);
  assert.match(nested!, /networkProfile must NOT have additional properties \(podCIDR\)/);
  assert.match(mapperUnknown!, /properties must NOT have additional properties \(secret\)/);
  assert.match(date!, /createdOn must match pattern/);
  // Only the properties Azure answers as null (NULL_IN_PRACTICE) may be null.
  assert.match(nullScope!, /scope must be string/);
});

test("an answer at another api-version than the package's is not held to its models", async () => {
  const result = await validateAgainst([answer(CLUSTER, "2022-11-01", { invented: true })], models);
  assert.deepEqual(result.checked, []);
  assert.equal(result.unmodelled.length, 1);
});
