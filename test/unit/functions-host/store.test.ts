// The task hub store on node:sqlite: an episode commits all of its changes or none, and what it
// committed is on disk for the next connection (a restarted host). Loading node:sqlite prints no
// ExperimentalWarning, while other warnings still reach stderr.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { newDriverState, type EpisodePlan } from "../../../emulators/functions-host/durable/episode.js";
import { EventType, historyEvent } from "../../../emulators/functions-host/durable/history.js";
import { TaskHubStore } from "../../../emulators/functions-host/durable/store.js";

function freshStore(t: { after: (fn: () => void) => void }): { store: TaskHubStore; file: string } {
  const dir = mkdtempSync(join(tmpdir(), "aksv-unit-taskhub-"));
  const file = join(dir, "Hub.sqlite");
  const store = new TaskHubStore(file);
  t.after(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { store, file };
}

function plan(overrides: Partial<EpisodePlan>): EpisodePlan {
  return {
    appended: [historyEvent(EventType.OrchestratorStarted, 1001)],
    driver: newDriverState(),
    status: "Running",
    activities: [{ taskId: 0, name: "Work", input: '"x"' }],
    timers: [],
    cancelledTimers: [],
    children: [],
    selfEvents: [],
    ...overrides,
  };
}

test("an episode that fails half-way leaves the store as it was, and the next one commits", (t) => {
  const { store, file } = freshStore(t);
  assert.equal(store.createInstance({ instanceId: "i1", name: "Orch", input: "null" }, 1000), true);
  const instance = store.getInstance("i1")!;
  const consumed = store.dueMessages("i1", 1000).map((m) => m.id);
  assert.equal(consumed.length, 1, "ExecutionStarted is queued");

  // The child's INSERT violates NOT NULL after the message delete, the history append, the status
  // update and the work item insert have run inside the transaction.
  const broken = plan({
    children: [{ taskId: 1, instanceId: "c1", name: null as unknown as string, input: "null" }],
  });
  assert.throws(() => store.commitEpisode(instance, consumed, broken, 1001), /NOT NULL/);
  assert.equal(store.dueMessages("i1", 1000).length, 1, "the consumed message is back");
  assert.deepEqual(store.getHistory("i1"), []);
  assert.deepEqual(store.workItems(10), []);
  assert.equal(store.getInstance("i1")?.runtimeStatus, "Pending");
  assert.equal(store.getInstance("c1"), undefined);

  // The failed transaction was rolled back and closed: the next episode commits on the same connection.
  store.commitEpisode(instance, consumed, plan({}), 1002);
  assert.equal(store.dueMessages("i1", 1002).length, 0);
  assert.equal(store.getInstance("i1")?.runtimeStatus, "Running");

  // A second connection (a restarted host) reads what was committed.
  const reopened = new TaskHubStore(file);
  t.after(() => reopened.close());
  assert.equal(reopened.getHistory("i1").length, 1);
  assert.deepEqual(
    reopened.workItems(10).map((w) => [w.instanceId, w.name, w.input]),
    [["i1", "Work", '"x"']],
  );
});

test("a second start of a running instance is refused without touching it", (t) => {
  const { store } = freshStore(t);
  assert.equal(store.createInstance({ instanceId: "i1", name: "Orch", input: "1" }, 1000), true);
  assert.equal(store.createInstance({ instanceId: "i1", name: "Orch", input: "2" }, 1001), false);
  assert.equal(store.getInstance("i1")?.input, "1");
  assert.equal(store.dueMessages("i1", 1001).length, 1);
});

test("loading node:sqlite prints no ExperimentalWarning; other warnings still do", async () => {
  const sqlite = fileURLToPath(
    new URL("../../../emulators/functions-host/durable/sqlite.js", import.meta.url),
  );
  const script =
    `const { DatabaseSync } = await import(${JSON.stringify(sqlite)});` +
    `new DatabaseSync(":memory:").close();` +
    `process.emitWarning("still shown", "ExperimentalWarning");`;
  const { stderr } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script]);
  assert.doesNotMatch(stderr, /SQLite/);
  assert.match(stderr, /ExperimentalWarning: still shown/);
});
