// A cluster deleted and created again under the same name, within the lifetime of a kept admin
// credential (5 minutes), is seeded with its own credential: the kept one is tied to the life of the
// cluster it was issued for (AKS's resourceUID), and dropped when that cluster is deleted.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, it } from "node:test";
import { tutorialRequest } from "../helpers/examples.js";
import {
  callApi,
  devToken,
  startStack,
  waitForPhase,
  type ClusterDoc,
  type Stack,
} from "../../harness/stack.js";

const CREDENTIAL_LIFETIME_MS = 5 * 60_000;
let stack: Stack;
let stateDir: string;
let token: string;

before(async () => {
  stateDir = await mkdtemp(join(tmpdir(), "aksv-recreate-"));
  stack = await startStack({ stateDir });
  // An admin who is also in the team: the tutorial's default access grant is the caller.
  token = await devToken(stack, { roles: ["Clusters.Admin"], teams: ["platform"] });
});

after(async () => {
  await stack?.stop();
  await rm(stateDir, { recursive: true, force: true });
});

function assertSeeded(doc: ClusterDoc, life: string): void {
  assert.equal(doc.phase, "Succeeded", `${life}: ${JSON.stringify(doc.error)}`);
  const seeding = doc.steps.filter((s) => s.name.startsWith("seed:"));
  assert.ok(seeding.length > 0, `${life}: the request seeds namespaces`);
  for (const s of seeding)
    assert.equal(s.status, "Succeeded", `${life}: ${s.name} ${JSON.stringify(s.error)}`);
  assert.equal(doc.verification?.passed, true, `${life}: verification`);
}

it("seeds a cluster created again under the same name within 5 minutes of the first one's credential", async () => {
  const request = tutorialRequest();
  const name = String(request["name"]);
  const create = () =>
    callApi(stack.api, token, "/clusters", { method: "POST", body: JSON.stringify(request) });

  const started = Date.now();
  assert.equal((await create()).status, 202);
  assertSeeded(await waitForPhase(stack.api, token, name, ["Succeeded", "Failed"]), "first life");

  assert.equal((await callApi(stack.api, token, `/clusters/${name}`, { method: "DELETE" })).status, 202);
  await waitForPhase(stack.api, token, name, ["Deleted"]);

  assert.equal((await create()).status, 202);
  assertSeeded(await waitForPhase(stack.api, token, name, ["Succeeded", "Failed"]), "second life");
  assert.ok(
    Date.now() - started < CREDENTIAL_LIFETIME_MS,
    "the second life was seeded while the first one's credential would still have been kept",
  );
});
