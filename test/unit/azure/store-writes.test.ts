// The Azure emulator's state file is written at the end of the tick that changed it, and the next
// write waits for a spacing proportional to the last write's duration (so that a state of megabytes
// is not rewritten every tick); stop's close writes what is waiting at once. A large state is
// serialized in slices, with the event loop's other work between them, and written off it.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { serializeState, Store, type State } from "../../../emulators/azure/core/store.js";

const resource = (id: string, body = {}) => ({ id, type: "Microsoft.Test/things", body, internal: {} });

function tempStore(t: { after(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), "aksv-store-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const store = new Store(dir, true);
  const onDisk = () => JSON.parse(readFileSync(join(dir, "state.json"), "utf8")) as State;
  return { store, onDisk };
}

test("a change is written at the end of its tick; one right after a write waits its turn, and close writes it at once", async (t) => {
  const { store, onDisk } = tempStore(t);

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
  await store.close();
  assert.ok("/subscriptions/s/resourcegroups/b" in onDisk().resources, "close (stop) writes it at once");
});

test("a large state is written in slices with other work between them, and the file is the whole state", async (t) => {
  const { store, onDisk } = tempStore(t);
  // About 12 MB of JSON: far more than one slice of serialization.
  const padding = "x".repeat(600);
  for (let i = 0; i < 20_000; i++)
    store.put(resource(`/subscriptions/s/resourceGroups/g${i}`, { padding, i }));
  let turns = 0;
  let counting = true;
  const count = () => {
    turns++;
    if (counting) setImmediate(count);
  };
  setImmediate(count);
  await store.written();
  counting = false;
  assert.ok(turns >= 3, `the event loop turned ${turns} times while the state was written`);
  const disk = onDisk();
  assert.equal(Object.keys(disk.resources).length, 20_000);
  assert.deepEqual(disk, JSON.parse(JSON.stringify(store.state)));

  // A change made while a large write is in progress is in the next write.
  store.put(resource("/subscriptions/s/resourceGroups/late"));
  store.remove("/subscriptions/s/resourceGroups/g0");
  await store.written();
  const after = onDisk().resources;
  assert.ok("/subscriptions/s/resourcegroups/late" in after);
  assert.ok(!("/subscriptions/s/resourcegroups/g0" in after));
});

test("the sliced serialization is JSON.stringify's", () => {
  const state = {
    version: 1,
    resources: { a: resource("/a", { n: 1, s: "é\n", u: undefined }) },
    operations: {},
    principals: { p: { id: "p", kind: "User", displayName: "P", createdAt: 1 } },
    signingKey: undefined,
    identityHeader: "h",
  } as unknown as State;
  const gen = serializeState(state, 0);
  let step = gen.next();
  let slices = 0;
  while (!step.done) {
    slices++;
    step = gen.next();
  }
  assert.ok(slices >= 2, "a zero-length slice yields after every entry");
  assert.equal(step.value, JSON.stringify(state));
});
