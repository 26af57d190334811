import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock } from "../../../emulators/functions-host/index.js";
import { history, startTestHost, waitFor, waitForFinal } from "./helpers.js";

test("orchestrations run through the real replay engine", async (t) => {
  const host = await startTestHost(t, "durable");
  const { client } = host;

  await t.test("an activity sequence completes with ordered results and a matching history", async () => {
    const id = await client.startNew("Sequence", { input: ["Tokyo", "Seattle"] });
    const status = await waitForFinal(client, id);
    assert.equal(status.runtimeStatus, "Completed");
    assert.deepEqual(status.output, ["Hello Tokyo!", "Hello Seattle!"]);
    const events = await history(host, id);
    assert.deepEqual(
      events.map((e) => e.EventType),
      ["ExecutionStarted", "TaskCompleted", "TaskCompleted", "ExecutionCompleted"],
    );
    assert.equal(events[1]!.FunctionName, "Hello");
    assert.equal(events[1]!.Result, "Hello Tokyo!");
  });

  await t.test(
    "host-side retries back off and record one TimerCreated/TimerFired per failed attempt",
    async () => {
      const id = await client.startNew("Retry", {
        input: { key: "retry-ok", failures: 2, attempts: 4, first: 1000, backoff: 2 },
      });
      const status = await waitForFinal(client, id);
      assert.equal(status.runtimeStatus, "Completed");
      assert.deepEqual(status.output, { key: "retry-ok", attempt: 3 });
      const events = await history(host, id);
      assert.deepEqual(
        events.map((e) => e.EventType),
        [
          "ExecutionStarted",
          "TaskFailed",
          "TimerCreated",
          "TimerFired",
          "TaskFailed",
          "TimerCreated",
          "TimerFired",
          "TaskCompleted",
          "ExecutionCompleted",
        ],
      );
      const created = events.filter((e) => e.EventType === "TimerCreated");
      const delays = created.map(
        (e) => Date.parse(e["FireAt"] as string) - Date.parse(e["Timestamp"] as string),
      );
      assert.ok(delays[0]! >= 999 && delays[0]! <= 1001, `first retry after 1 s, got ${delays[0]}`);
      assert.ok(
        delays[1]! >= 1999 && delays[1]! <= 2001,
        `second retry after 2 s (backoff 2), got ${delays[1]}`,
      );
    },
  );

  await t.test(
    "retries give up after maxNumberOfAttempts and the instance fails with the activity's error",
    async () => {
      const id = await client.startNew("Failing");
      const status = await waitForFinal(client, id);
      assert.equal(status.runtimeStatus, "Failed");
      assert.match(
        String(status.output),
        /^Orchestrator function 'Failing' failed: Activity function 'AlwaysFails' failed: boom/,
      );
      const types = (await history(host, id)).map((e) => e.EventType);
      assert.equal(types.filter((x) => x === "TaskFailed").length, 2);
      assert.equal(types.at(-1), "ExecutionCompleted");
    },
  );

  await t.test("an orchestrator exception fails the instance with its message", async () => {
    const id = await client.startNew("Throwing");
    const status = await waitForFinal(client, id);
    assert.equal(status.runtimeStatus, "Failed");
    assert.match(String(status.output), /Orchestrator function 'Throwing' failed: orchestrator broke/);
  });

  await t.test("a durable timer fires on the emulated clock", async () => {
    const id = await client.startNew("Timer");
    const status = await waitForFinal(client, id);
    assert.equal(status.runtimeStatus, "Completed");
    assert.ok((status.output as { waitedMs: number }).waitedMs >= 3600_000);
    assert.deepEqual(
      (await history(host, id)).map((e) => e.EventType),
      ["ExecutionStarted", "TimerCreated", "TimerFired", "ExecutionCompleted"],
    );
  });

  await t.test("Task.any with an external event wins over a timer, and custom status follows", async () => {
    const id = await client.startNew("Approval");
    await waitFor("custom status", async () => {
      const s = await client.getStatus(id);
      return (s.customStatus as { stage?: string } | null)?.stage === "waiting" ? s : undefined;
    });
    await client.raiseEvent(id, "Approval", "alice");
    const status = await waitForFinal(client, id);
    assert.equal(status.runtimeStatus, "Completed");
    assert.deepEqual(status.output, { approvedBy: "alice" });
    assert.deepEqual(status.customStatus, { stage: "approved" });
  });

  await t.test("events raised before the orchestrator waits for them are buffered", async () => {
    const id = await client.startNew("BufferedEvents");
    await client.raiseEvent(id, "B", { b: 2 });
    await client.raiseEvent(id, "A", "a");
    const status = await waitForFinal(client, id);
    assert.deepEqual(status.output, ["Hello before!", "a", { b: 2 }]);
  });

  await t.test("sub-orchestrations complete, fail into the parent and retry", async () => {
    const id = await client.startNew("Parent", { input: { key: "parent-retry" } });
    const status = await waitForFinal(client, id);
    assert.equal(status.runtimeStatus, "Completed", String(status.output));
    const [a, b, c, d] = status.output as unknown[];
    assert.equal(a, "Hello one from a parent!");
    assert.equal(b, "Hello two from a parent!");
    assert.match(String(c), /^caught: Orchestrator function 'Child' failed: child three failed on purpose/);
    assert.deepEqual(d, { key: "parent-retry", attempt: 2 });
    const named = await client.getStatus(`${id}-child`);
    assert.equal(named.runtimeStatus, "Completed");
    const types = (await history(host, id)).map((e) => e.EventType);
    assert.equal(types.filter((x) => x === "SubOrchestrationInstanceCompleted").length, 3);
    assert.equal(types.filter((x) => x === "SubOrchestrationInstanceFailed").length, 2);
  });

  await t.test("continueAsNew restarts the instance with fresh history", async () => {
    const id = await client.startNew("Counter", { input: 0 });
    const status = await waitForFinal(client, id);
    assert.equal(status.output, "done at 3");
    assert.equal(status.input, 3);
    assert.deepEqual(
      (await history(host, id)).map((e) => e.EventType),
      ["ExecutionStarted", "ExecutionCompleted"],
    );
  });

  await t.test("events raised across continueAsNew are carried over", async () => {
    const id = await client.startNew("CounterWithEvents", { input: { seen: [] } });
    await client.raiseEvent(id, "Add", 1);
    await client.raiseEvent(id, "Add", 2);
    const status = await waitForFinal(client, id);
    assert.deepEqual(status.output, [1, 2]);
  });

  await t.test("fan-out/fan-in with Task.all", async () => {
    const id = await client.startNew("FanOut", { input: 20 });
    const status = await waitForFinal(client, id);
    assert.equal(status.output, 190);
  });

  await t.test("a non-deterministic orchestrator fails with a clear message instead of hanging", async () => {
    const id = await client.startNew("NonDeterministic");
    const status = await waitForFinal(client, id);
    assert.equal(status.runtimeStatus, "Failed");
    assert.match(String(status.output), /Non-Deterministic workflow detected/);
    assert.match(String(status.output), /CallActivity:Goodbye.*CallActivity:Hello/);
  });

  await t.test("an activity with a durableClient input binding starts another orchestration", async () => {
    const id = await client.startNew("StartsAnother");
    const startedId = (await waitForFinal(client, id)).output as string;
    assert.match(startedId, /^[0-9a-f]{32}$/);
    assert.deepEqual((await waitForFinal(client, startedId)).output, ["Hello Lima!"]);
  });

  await t.test(
    "the HTTP starter uses the DurableClient binding and returns the check-status response",
    async () => {
      const res = await fetch(`${host.url}/api/orchestrators/Sequence/http-started`, {
        method: "POST",
        body: JSON.stringify(["Oslo"]),
      });
      assert.equal(res.status, 202);
      const body = (await res.json()) as Record<string, string>;
      assert.equal(body["id"], "http-started");
      assert.equal(res.headers.get("location"), body["statusQueryGetUri"]);
      assert.ok(
        body["statusQueryGetUri"]!.startsWith(
          `${host.url}/runtime/webhooks/durabletask/instances/http-started?`,
        ),
      );
      const waited = await fetch(`${host.url}/api/wait/http-started`);
      assert.equal(waited.status, 200);
      assert.deepEqual(await waited.json(), ["Hello Oslo!"]);
      const polled = await fetch(body["statusQueryGetUri"]!);
      assert.equal(polled.status, 200);
      assert.equal(((await polled.json()) as { runtimeStatus: string }).runtimeStatus, "Completed");
    },
  );
});

test("maxConcurrentActivityFunctions caps concurrent activities", async (t) => {
  const host = await startTestHost(t, "durable", { hostJson: { maxConcurrentActivityFunctions: 2 } });
  const id = await host.client.startNew("SlowFanOut");
  const status = await waitForFinal(host.client, id);
  assert.equal(status.runtimeStatus, "Completed");
  assert.equal(status.output, 2, "8 parallel activities ran at most 2 at a time");
});

test("with an injected manual clock a durable timer fires only when time is advanced", async (t) => {
  const clock = new ManualClock();
  const host = await startTestHost(t, "durable", { clock });
  const id = await host.client.startNew("Timer");
  await waitFor("the timer to be scheduled", async () =>
    (await history(host, id)).some((e) => e.EventType === "TimerCreated") ? true : undefined,
  );
  clock.advance(59 * 60 * 1000);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(
    (await host.client.getStatus(id)).runtimeStatus,
    "Running",
    "59 minutes in, the 1-hour timer has not fired",
  );
  clock.advance(60 * 1000);
  const status = await waitForFinal(host.client, id);
  assert.deepEqual(status.output, { waitedMs: 3600_000 });
});

test("a stopped host started again on the same state continues its running orchestrations", async (t) => {
  const stateDir = await mkdtemp(join(tmpdir(), "aksv-fh-restart-"));
  t.after(() => rm(stateDir, { recursive: true, force: true }));
  const first = await startTestHost(t, "durable", { stateDir, clock: new ManualClock() });
  const id = await first.client.startNew("Timer");
  await waitFor("the timer to be scheduled", async () =>
    (await history(first, id)).some((e) => e.EventType === "TimerCreated") ? true : undefined,
  );
  await first.stop();

  const clock = new ManualClock();
  const second = await startTestHost(t, "durable", { stateDir, clock });
  assert.equal((await second.client.getStatus(id)).runtimeStatus, "Running");
  clock.advance(60 * 60 * 1000);
  assert.equal((await waitForFinal(second.client, id)).runtimeStatus, "Completed");
});
