import { test } from "node:test";
import assert from "node:assert/strict";
import { ActionType } from "../../../emulators/functions-host/durable/actions.js";
import {
  deterministicGuid,
  newDriverState,
  parseOrchestratorAnswer,
  planEpisode,
  type ExecutionInfo,
} from "../../../emulators/functions-host/durable/episode.js";
import { EventType, historyEvent } from "../../../emulators/functions-host/durable/history.js";

const exec = (driver = newDriverState()): ExecutionInfo => ({
  instanceId: "i1",
  executionId: "e1",
  name: "Orch",
  input: "null",
  parentInstanceId: null,
  driver,
});
const started = (now: number) => [
  historyEvent(EventType.OrchestratorStarted, now),
  historyEvent(EventType.ExecutionStarted, now, { Name: "Orch" }),
];

test("new actions get event ids in order, compound children depth-first; strings inputs are decoded", () => {
  const plan = planEpisode(
    exec(),
    started(0),
    {
      kind: "state",
      state: {
        isDone: false,
        actions: [
          [
            { actionType: ActionType.CallActivity, functionName: "A", input: '"x"' },
            {
              actionType: ActionType.WhenAll,
              compoundActions: [
                {
                  actionType: ActionType.CreateTimer,
                  fireAt: new Date(5000).toISOString(),
                  isCanceled: false,
                },
                { actionType: ActionType.CallSubOrchestrator, functionName: "Child", input: { n: 1 } },
              ],
            },
          ],
        ],
      },
    },
    0,
  );
  assert.deepEqual(plan.activities, [{ taskId: 0, name: "A", input: '"x"' }]);
  assert.deepEqual(plan.timers, [{ timerId: 1, fireAt: 5000 }]);
  assert.equal(plan.children[0]!.taskId, 2);
  assert.equal(plan.children[0]!.instanceId, deterministicGuid("i1_1970-01-01T00:00:00.000Z_2"));
  assert.deepEqual(plan.driver.open.sort(), [0, 1, 2]);
  assert.deepEqual(
    plan.appended.map((e) => e.EventType),
    [
      EventType.OrchestratorStarted,
      EventType.ExecutionStarted,
      EventType.TaskScheduled,
      EventType.TimerCreated,
      EventType.SubOrchestrationInstanceCreated,
      EventType.OrchestratorCompleted,
    ],
  );
  assert.equal(plan.status, "Running");
});

test("a retryable failure creates the retry timer before any new action; its firing schedules the next attempt", () => {
  const retryAction = {
    actionType: ActionType.CallActivityWithRetry,
    functionName: "Flaky",
    input: { k: 1 },
    retryOptions: { firstRetryIntervalInMilliseconds: 1000, maxNumberOfAttempts: 2 },
  };
  const first = planEpisode(
    exec(),
    started(0),
    { kind: "state", state: { isDone: false, actions: [[retryAction]] } },
    0,
  );
  const failed = historyEvent(EventType.TaskFailed, 10, { TaskScheduledId: 0, Reason: "r", Details: "d" });
  const second = planEpisode(
    exec(first.driver),
    [historyEvent(EventType.OrchestratorStarted, 10), failed],
    { kind: "state", state: { isDone: false, actions: [[retryAction]] } },
    10,
  );
  assert.deepEqual(second.timers, [{ timerId: 1, fireAt: 1010 }]);
  const fired = historyEvent(EventType.TimerFired, 1010, { TimerId: 1 });
  const third = planEpisode(
    exec(second.driver),
    [historyEvent(EventType.OrchestratorStarted, 1010), fired],
    { kind: "state", state: { isDone: false, actions: [[retryAction]] } },
    1010,
  );
  assert.deepEqual(third.activities, [{ taskId: 2, name: "Flaky", input: '{"k":1}' }]);
  assert.equal(third.driver.nextEventId, 3);
});

test("replaying different actions than history recorded fails the instance as non-deterministic", () => {
  const first = planEpisode(
    exec(),
    started(0),
    {
      kind: "state",
      state: { isDone: false, actions: [[{ actionType: ActionType.CallActivity, functionName: "A" }]] },
    },
    0,
  );
  const done = historyEvent(EventType.TaskCompleted, 1, { TaskScheduledId: 0, Result: "1" });
  const plan = planEpisode(
    exec(first.driver),
    [historyEvent(EventType.OrchestratorStarted, 1), done],
    {
      kind: "state",
      state: { isDone: false, actions: [[{ actionType: ActionType.CallActivity, functionName: "B" }]] },
    },
    1,
  );
  assert.equal(plan.status, "Failed");
  assert.match(
    JSON.parse(plan.output!) as string,
    /Non-Deterministic workflow detected.*CallActivity:B.*CallActivity:A/,
  );
});

test("continueAsNew and completion end the execution; the $OutOfProcData$ failure payload is parsed", () => {
  const can = planEpisode(
    exec(),
    started(0),
    {
      kind: "state",
      state: { isDone: true, actions: [[{ actionType: ActionType.ContinueAsNew, input: 4 }]] },
    },
    0,
  );
  assert.equal(can.status, "ContinuedAsNew");
  assert.equal(can.continueAsNew, "4");
  const done = planEpisode(
    exec(),
    started(0),
    { kind: "state", state: { isDone: true, actions: [[]], output: { ok: true } } },
    0,
  );
  assert.equal(done.status, "Completed");
  assert.equal(done.output, '{"ok":true}');
  const failure = parseOrchestratorAnswer({
    ok: false,
    message: 'false\n\n$OutOfProcData$:{"isDone":false,"actions":[[]],"error":"it broke"}',
  });
  assert.equal(failure.kind, "failed");
  assert.equal(failure.kind === "failed" && failure.message, "it broke");
});
