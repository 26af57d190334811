// Runs orchestrators through durable-functions' REAL replay engine (its Orchestrator class), feeding
// it the history a Durable host would write, one new event per episode, with the host-side retry
// bookkeeping of callActivityWithRetry (failure → retry timer → next attempt) as the protocol page
// (docs/durable-functions.md, "Event ids") describes. Activities are functions the test provides.
// A test utility, not a host: in memory, no persistence, no HTTP.
import { createRequire } from "node:module";
import functions from "@azure/functions";
import type { OrchestrationContext } from "durable-functions";
import { EventType } from "../../../emulators/functions-host/durable/history.js";

const require = createRequire(import.meta.url);
const { Orchestrator } = require("durable-functions/lib/src/orchestrations/Orchestrator.js") as {
  Orchestrator: new (fn: unknown) => { handle(trigger: unknown, context: unknown): Promise<EngineState> };
};

type OrchestratorFn = (ctx: OrchestrationContext) => Generator<unknown, unknown, unknown>;

interface EngineState {
  isDone: boolean;
  actions: Action[][];
  output?: unknown;
  customStatus?: unknown;
  error?: string;
}

interface Action {
  actionType: number;
  functionName?: string;
  input?: unknown;
  retryOptions?: { firstRetryIntervalInMilliseconds: number; maxNumberOfAttempts: number };
  fireAt?: string | Date;
  compoundActions?: Action[];
}

/** The host's own event-type table: the replay engine reads these numbers. */
const T = EventType;

export interface ReplayOptions {
  orchestrators: Record<string, OrchestratorFn>;
  /** Runs an activity: return its result, or throw (the attempt failed). */
  activity(name: string, input: unknown, attempt: number): Promise<unknown> | unknown;
  start?: Date;
  maxEpisodes?: number;
  /**
   * External events, raised in order: each is delivered when the orchestration would otherwise
   * have its next durable timer fire (so it wins a race against that timer).
   */
  events?: { name: string; data: unknown; /** Timers fired before it (default 0). */ afterTimers?: number }[];
}

export interface ReplayResult {
  /** ContinuedAsNew: `output` is the next execution's input. */
  status: "Completed" | "Failed" | "ContinuedAsNew";
  output: unknown;
  customStatuses: unknown[];
  history: Record<string, unknown>[];
  episodes: number;
  /** Activity invocations in order (including retries). */
  calls: { name: string; input: unknown; attempt: number }[];
}

type Work =
  | {
      kind: "activity";
      id: number;
      name: string;
      input: unknown;
      attempt: number;
      retry?: Action["retryOptions"];
    }
  | { kind: "retryTimer"; id: number; task: Work & { kind: "activity" } }
  | { kind: "timer"; id: number; fireAt: Date }
  | { kind: "sub"; id: number; name: string; input: unknown };

function decode(input: unknown): unknown {
  return typeof input === "string" ? JSON.parse(input) : input;
}

function flatten(actions: Action[]): Action[] {
  return actions.flatMap((a) => (a.compoundActions ? flatten(a.compoundActions) : [a]));
}

export async function replay(
  name: string,
  input: unknown,
  o: ReplayOptions,
  calls: ReplayResult["calls"] = [],
  instanceId = `replay-${name}`,
): Promise<ReplayResult> {
  const fn = o.orchestrators[name];
  if (!fn) throw new Error(`unknown orchestrator ${name}`);
  let now = o.start ?? new Date("2026-01-01T00:00:00Z");
  const history: Record<string, unknown>[] = [];
  const event = (type: number, fields: Record<string, unknown> = {}, eventId = -1) =>
    history.push({
      EventType: type,
      EventId: eventId,
      IsPlayed: false,
      Timestamp: now.toISOString(),
      ...fields,
    });
  event(T.OrchestratorStarted);
  event(T.ExecutionStarted, { Name: name, Input: JSON.stringify(input) });
  const queue: Work[] = [];
  const customStatuses: unknown[] = [];
  let nextId = 0;
  let actionCount = 0;
  let episodes = 0;
  let timersFired = 0;
  let pendingRetry: (Work & { kind: "activity" }) | undefined;
  let firedRetry: (Work & { kind: "retryTimer" }) | undefined;

  for (;;) {
    if (++episodes > (o.maxEpisodes ?? 5000)) throw new Error(`${name}: too many episodes`);
    const trigger = {
      history: structuredClone(history).map((e, i) => ({ ...e, IsPlayed: i < history.length - 1 })),
      input: structuredClone(input),
      instanceId,
      isReplaying: false,
      parentInstanceId: null,
      upperSchemaVersion: 1,
      upperSchemaVersionNew: 2,
      longRunningTimerIntervalDuration: "3.00:00:00",
      maximumShortTimerDuration: "3650.00:00:00",
      defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
    };
    const context = new functions.InvocationContext({
      functionName: name,
      invocationId: `${instanceId}-${episodes}`,
    });
    let state: EngineState;
    try {
      state = await new Orchestrator(fn).handle(trigger, context);
    } catch (e) {
      const text = e instanceof Error ? e.message : String(e);
      const data = text.split("$OutOfProcData$:")[1];
      const failed = data ? (JSON.parse(data) as EngineState) : undefined;
      if (failed?.customStatus) customStatuses.push(failed.customStatus);
      return { status: "Failed", output: failed?.error ?? text, customStatuses, history, episodes, calls };
    }
    if (state.customStatus !== undefined) customStatuses.push(structuredClone(state.customStatus));
    event(T.OrchestratorCompleted);
    if (state.isDone) {
      const next = flatten(state.actions[0] ?? []).find((a) => a.actionType === 4);
      if (next)
        return {
          status: "ContinuedAsNew",
          output: decode(next.input),
          customStatuses,
          history,
          episodes,
          calls,
        };
      return { status: "Completed", output: state.output, customStatuses, history, episodes, calls };
    }

    // (a) retry bookkeeping for the event just delivered
    if (pendingRetry) {
      const id = nextId++;
      event(T.TimerCreated, { FireAt: now.toISOString() }, id);
      queue.unshift({ kind: "retryTimer", id, task: pendingRetry });
      pendingRetry = undefined;
    }
    if (firedRetry) {
      const t = firedRetry.task;
      if (t.attempt < (t.retry?.maxNumberOfAttempts ?? 1)) {
        const id = nextId++;
        event(T.TaskScheduled, { Name: t.name, Input: JSON.stringify(t.input) }, id);
        queue.unshift({ ...t, id, attempt: t.attempt + 1 });
      }
      firedRetry = undefined;
    }
    // (b) new actions, ids in yield order, compound actions depth-first
    const all = flatten(state.actions[0] ?? []);
    for (const a of all.slice(actionCount)) {
      // An external event's wait takes no event id: the engine matches EventRaised by name.
      if (a.actionType === 6) continue;
      const id = nextId++;
      switch (a.actionType) {
        case 0:
        case 1:
          event(T.TaskScheduled, { Name: a.functionName, Input: JSON.stringify(decode(a.input)) }, id);
          queue.push({
            kind: "activity",
            id,
            name: a.functionName!,
            input: decode(a.input),
            attempt: 1,
            ...(a.retryOptions ? { retry: a.retryOptions } : {}),
          });
          break;
        case 2:
          event(
            T.SubOrchestrationInstanceCreated,
            { Name: a.functionName, Input: JSON.stringify(a.input) },
            id,
          );
          queue.push({ kind: "sub", id, name: a.functionName!, input: a.input });
          break;
        case 5:
          event(T.TimerCreated, { FireAt: new Date(a.fireAt!).toISOString() }, id);
          queue.push({ kind: "timer", id, fireAt: new Date(a.fireAt!) });
          break;
        default:
          throw new Error(`action type ${a.actionType} is not supported by this test engine`);
      }
    }
    actionCount = all.length;

    // deliver one event
    const due = o.events?.[0] && (o.events[0].afterTimers ?? 0) <= timersFired;
    const raised = due && (queue[0]?.kind === "timer" || queue.length === 0) ? o.events?.shift() : undefined;
    if (raised) {
      event(T.OrchestratorStarted);
      event(T.EventRaised, { Name: raised.name, Input: JSON.stringify(raised.data) });
      continue;
    }
    const work = queue.shift();
    if (!work) throw new Error(`${name}: waiting with nothing scheduled`);
    event(T.OrchestratorStarted);
    switch (work.kind) {
      case "activity": {
        calls.push({ name: work.name, input: work.input, attempt: work.attempt });
        try {
          const result = await o.activity(work.name, structuredClone(work.input), work.attempt);
          event(T.TaskCompleted, { TaskScheduledId: work.id, Result: JSON.stringify(result ?? null) });
        } catch (e) {
          const message = e instanceof Error ? e.message : String(e);
          event(T.TaskFailed, {
            TaskScheduledId: work.id,
            Reason: `Activity function '${work.name}' failed: ${message}`,
            Details: JSON.stringify({ $type: "Error", message }),
          });
          if (work.retry) pendingRetry = work;
        }
        break;
      }
      case "retryTimer":
        event(T.TimerFired, { TimerId: work.id, FireAt: now.toISOString() });
        firedRetry = work;
        break;
      case "timer":
        timersFired++;
        if (work.fireAt.getTime() > now.getTime()) now = work.fireAt;
        history[history.length - 1]!["Timestamp"] = now.toISOString();
        event(T.TimerFired, { TimerId: work.id, FireAt: work.fireAt.toISOString() });
        break;
      case "sub": {
        const child = await replay(
          work.name,
          work.input,
          { ...o, start: now, events: [] },
          calls,
          `${instanceId}:${work.id}`,
        );
        if (child.status === "Completed")
          event(T.SubOrchestrationInstanceCompleted, {
            TaskScheduledId: work.id,
            Result: JSON.stringify(child.output ?? null),
          });
        else
          event(T.SubOrchestrationInstanceFailed, {
            TaskScheduledId: work.id,
            Reason: String(child.output),
            Details: "{}",
          });
        break;
      }
    }
  }
}
