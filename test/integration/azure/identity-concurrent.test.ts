// Concurrent PUTs of one user-assigned identity converge on one identity, as ARM's PUT is idempotent:
// ten at once through the real @azure/arm-msi SDK get one principalId, and the directory holds one
// service principal for it (no orphans).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { startAzureEmulator } from "../../../emulators/azure/index.js";
import type { State } from "../../../emulators/azure/core/store.js";
import { clientsFor, LOCATION } from "../../../harness/azure.js";
import { tempStateDir } from "./helpers.js";

test("ten concurrent PUTs of one user-assigned identity return one principalId and leave one principal", async (t) => {
  const stateDir = await tempStateDir();
  t.after(() => rm(stateDir, { recursive: true, force: true }));
  // Each create takes 3 emulated seconds (0.3 s here): the ten PUTs are all in flight together.
  const emulator = await startAzureEmulator({
    port: 0,
    stateDir,
    timeScale: 0.1,
    latency: { identityCreate: 3 },
  });
  t.after(() => emulator.stop());
  const c = clientsFor(emulator);
  await c.resources.resourceGroups.createOrUpdate("rg", { location: LOCATION });

  const answers = await Promise.all(
    Array.from({ length: 10 }, () =>
      c.msi.userAssignedIdentities.createOrUpdate("rg", "shared-identity", { location: LOCATION }),
    ),
  );
  const principalIds = new Set(answers.map((a) => a.principalId));
  assert.equal(principalIds.size, 1, `one principalId, got ${[...principalIds].join(", ")}`);
  assert.equal(new Set(answers.map((a) => a.clientId)).size, 1, "one clientId");
  const stored = await c.msi.userAssignedIdentities.get("rg", "shared-identity");
  assert.equal(stored.principalId, [...principalIds][0]);

  await emulator.stop();
  const state = JSON.parse(await readFile(join(stateDir, "azure", "state.json"), "utf8")) as State;
  const principals = Object.values(state.principals).filter((p) => p.displayName === "shared-identity");
  assert.deepEqual(
    principals.map((p) => p.id),
    [stored.principalId],
    "one service principal in the directory",
  );
});
