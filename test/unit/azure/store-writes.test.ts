// The Azure emulator's state file is written at the end of the tick that changed it, and the next
// write waits for a spacing proportional to the last write's duration (so that a state of megabytes
// is not rewritten every tick); stop's flush writes what is waiting at once.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Store } from "../../../emulators/azure/core/store.js";

const resource = (id: string) => ({ id, type: "Microsoft.Test/things", body: {}, internal: {} });

test("a change is written at the end of its tick; one right after a write waits its turn, and flush writes it at once", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "aksv-store-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const store = new Store(dir, true);
  const onDisk = () => JSON.parse(readFileSync(join(dir, "state.json"), "utf8")) as { resources: object };

  store.put(resource("/subscriptions/s/resourceGroups/a"));
  await Promise.resolve();
  // Nothing else in between: the first write has just ended.
  store.put(resource("/subscriptions/s/resourceGroups/b"));
  await Promise.resolve();
  const written = onDisk().resources;
  assert.ok("/subscriptions/s/resourcegroups/a" in written, "written at the end of its tick");
  assert.ok(
    !("/subscriptions/s/resourcegroups/b" in written),
    "right after a write, the next one waits for its spacing",
  );
  store.flush();
  assert.ok("/subscriptions/s/resourcegroups/b" in onDisk().resources, "flush (stop) writes it at once");
});
