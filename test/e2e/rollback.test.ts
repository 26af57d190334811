// Rollback on the whole local stack: the VNet's create keeps failing with a transient error until
// the step gives up, while the identity beside it is held back by a 429 with Retry-After (its PUT
// lands seconds later). The rollback must start only once the identity's activity has ended, so it
// finds the identity and deletes it; the final status has every step ended and says what the
// rollback deleted and what it kept (the resource group, which existed before).
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, it } from "node:test";
import { clientsFor, LOCATION } from "../../harness/azure.js";
import { callApi, devToken, startStack, waitForPhase, type Stack } from "../../harness/stack.js";

const RG = "rg-race";
const IDENTITY_DELAY_SECONDS = 5;
let stack: Stack;
let stateDir: string;
let token: string;

before(async () => {
  stateDir = await mkdtemp(join(tmpdir(), "aksv-rollback-"));
  stack = await startStack({
    stateDir,
    faults: {
      rules: [
        {
          kind: "error",
          status: 409,
          code: "AnotherOperationInProgress",
          message: "Another operation on this or dependent resource is in progress.",
          method: "PUT",
          resourceType: "Microsoft.Network/virtualNetworks",
        },
        {
          kind: "throttle",
          method: "PUT",
          resourceType: "Microsoft.ManagedIdentity/userAssignedIdentities",
          retryAfterSeconds: IDENTITY_DELAY_SECONDS,
          times: 1,
        },
      ],
    },
  });
  token = await devToken(stack, { teams: ["platform"], roles: ["Clusters.Write"], user: "pipeline" });
});

after(async () => {
  await stack?.stop();
  await rm(stateDir, { recursive: true, force: true });
});

it("rolls back only after the identity running beside a failed VNet has ended, deleting it, with every step ended", async () => {
  // A group that existed before: the rollback keeps it, so what it deletes inside is visible.
  const arm = clientsFor(stack.azure);
  await arm.resources.resourceGroups.createOrUpdate(RG, { location: LOCATION });
  const body = {
    name: "race",
    team: "platform",
    resourceGroup: RG,
    nodePool: { count: 1 },
    onFailure: "rollback",
  };
  const r = await callApi(stack.api, token, "/clusters", { method: "POST", body: JSON.stringify(body) });
  assert.equal(r.status, 202);
  const doc = await waitForPhase(stack.api, token, "race", ["Succeeded", "Failed"], 120_000);

  assert.equal(doc.phase, "Failed");
  assert.equal(doc.error?.step, "virtualNetwork");
  assert.deepEqual(
    doc.steps.filter((s) => s.status === "Running" || s.status === "Pending").map((s) => s.name),
    [],
    `every step ended: ${JSON.stringify(doc.steps.map((s) => `${s.name}:${s.status}`))}`,
  );
  assert.equal(doc.steps.find((s) => s.name === "identity")?.status, "Succeeded");
  assert.equal(doc.steps.find((s) => s.name === "rollback")?.status, "Succeeded");
  assert.equal(stack.azure.faults.describe().fired[1]?.fired, 1, "the identity was held back");

  const identityPuts = stack.azure.recorder
    .query({ method: "PUT", resourceType: "Microsoft.ManagedIdentity/userAssignedIdentities" })
    .filter((q) => q.status >= 200 && q.status < 300).length;
  assert.equal(identityPuts, 1, "the identity was created");
  const left: string[] = [];
  for await (const x of arm.resources.resources.listByResourceGroup(RG)) left.push(x.id ?? "");
  assert.deepEqual(left, [], "the rollback left nothing it created");

  const report = doc.warnings.find((w) => w.startsWith("rolled back"));
  assert.ok(report, JSON.stringify(doc.warnings));
  assert.match(report, /deleted 1 resource\(s\): \S+\/userAssignedIdentities\/id-race/);
  assert.match(
    report,
    new RegExp(`kept \\S+/resourceGroups/${RG} \\(it was not created for this cluster\\)`),
  );
});
