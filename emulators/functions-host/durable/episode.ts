// One orchestration episode, as the Durable extension's out-of-process shim runs it: build the history the
// replay engine sees, then turn the OrchestratorState it returns into new history, scheduled work and a new
// runtime status. Pure: no I/O, no clock reads; the store commits the plan in one transaction.
import { createHash } from "node:crypto";
import {
  ActionType,
  actionSignature,
  decodeActionInput,
  flattenActions,
  type Action,
  type OrchestratorState,
} from "./actions.js";
import { EventType, completedId, historyEvent, toJsonText, type HistoryEvent } from "./history.js";
import { retryFireAt, retryTimedOut, type RetryOptions } from "./retry.js";

export type RuntimeStatus =
  "Pending" | "Running" | "Completed" | "ContinuedAsNew" | "Failed" | "Canceled" | "Terminated" | "Suspended";

export const TERMINAL_STATUSES: readonly RuntimeStatus[] = ["Completed", "Failed", "Terminated", "Canceled"];

interface PendingRetry {
  kind: "activity" | "subOrchestration";
  name: string;
  /** JSON text of the input. */
  input: string;
  options: RetryOptions;
  /** The attempt that is running (or just failed), 1-based. */
  attempt: number;
  firstAttemptAt: number;
  /** A fixed child instance id for sub-orchestrations, if the orchestrator gave one. */
  childInstanceId?: string;
  version?: string;
  lastReason?: string;
}

/** Bookkeeping the host keeps per execution, next to the history (persisted with it). */
export interface DriverState {
  nextEventId: number;
  /** Signatures of the top-level actions seen so far, to detect non-determinism on replay. */
  actionSignatures: string[];
  /** Number of atomic (flattened) actions scheduled so far. */
  flatCount: number;
  /** Flattened action index → timer id, to cancel timers the orchestrator cancelled. */
  timerIdsByAction: Record<string, number>;
  /** Ids of scheduled tasks, timers and sub-orchestrations that have not completed yet. */
  open: number[];
  retries: Record<string, PendingRetry>;
  retryTimers: Record<string, PendingRetry>;
}

export function newDriverState(): DriverState {
  return {
    nextEventId: 0,
    actionSignatures: [],
    flatCount: 0,
    timerIdsByAction: {},
    open: [],
    retries: {},
    retryTimers: {},
  };
}

export interface ExecutionInfo {
  instanceId: string;
  executionId: string;
  name: string;
  /** JSON text of the execution's input. */
  input: string;
  parentInstanceId: string | null;
  driver: DriverState;
}

const SCHEMA = {
  upperSchemaVersion: 1,
  upperSchemaVersionNew: 2,
  longRunningTimerIntervalDuration: "3.00:00:00",
  // Long enough that the engine never splits a timer into sub-timers (LongTimerTask).
  maximumShortTimerDuration: "3650.00:00:00",
  defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
};

/** The orchestrationTrigger payload (EXT: OrchestrationContextToString) for one episode. */
export function orchestrationBinding(
  execution: ExecutionInfo,
  past: HistoryEvent[],
  fresh: HistoryEvent[],
): object {
  return {
    history: [
      ...past.map((e) => ({ ...e, IsPlayed: true })),
      ...fresh.map((e) => ({ ...e, IsPlayed: false })),
    ],
    input: JSON.parse(execution.input) as unknown,
    instanceId: execution.instanceId,
    isReplaying: past.length > 0,
    parentInstanceId: execution.parentInstanceId,
    ...SCHEMA,
  };
}

/** Whether delivering this event makes the host do retry bookkeeping (such events go alone in an episode). */
export function needsRetryBookkeeping(driver: DriverState, event: HistoryEvent): boolean {
  if (
    event.EventType === EventType.TaskFailed ||
    event.EventType === EventType.SubOrchestrationInstanceFailed
  ) {
    return driver.retries[String(event.TaskScheduledId)] !== undefined;
  }
  if (event.EventType === EventType.TimerFired)
    return driver.retryTimers[String(event.TimerId)] !== undefined;
  return false;
}

/** True when the event answers something this execution is still waiting for (duplicates are dropped). */
export function isExpected(driver: DriverState, event: HistoryEvent): boolean {
  const id = completedId(event);
  return id === undefined || driver.open.includes(id);
}

export type EpisodeResult =
  | { kind: "state"; state: OrchestratorState }
  | { kind: "failed"; message: string; state?: OrchestratorState };

export interface ActivityWork {
  taskId: number;
  name: string;
  input: string;
}
export interface ChildStart {
  taskId: number;
  instanceId: string;
  name: string;
  input: string;
  version?: string;
}
export interface EpisodePlan {
  appended: HistoryEvent[];
  driver: DriverState;
  status: RuntimeStatus;
  /** JSON text; set when the execution ended. */
  output?: string;
  /** JSON text; undefined when unchanged. */
  customStatus?: string;
  activities: ActivityWork[];
  timers: { timerId: number; fireAt: number }[];
  cancelledTimers: number[];
  children: ChildStart[];
  /** Events to deliver back to this execution right away (e.g. a retry whose timeout had passed). */
  selfEvents: HistoryEvent[];
  /** JSON text of the next execution's input when the orchestrator called continueAsNew. */
  continueAsNew?: string;
}

/** Name-based GUID (like the extension's deterministic NewGuid) for sub-orchestration instance ids. */
export function deterministicGuid(seed: string): string {
  const h = createHash("sha1").update(seed).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/**
 * Turns the engine's answer for an episode into a plan. `fresh` are the events delivered in this episode
 * (OrchestratorStarted first); `now` is the episode's time.
 */
export function planEpisode(
  execution: ExecutionInfo,
  fresh: HistoryEvent[],
  result: EpisodeResult,
  now: number,
): EpisodePlan {
  const driver: DriverState = structuredClone(execution.driver);
  const plan: EpisodePlan = {
    appended: [...fresh],
    driver,
    status: "Running",
    activities: [],
    timers: [],
    cancelledTimers: [],
    children: [],
    selfEvents: [],
  };
  const append = (type: number, fields: Partial<HistoryEvent>, eventId = -1): void => {
    plan.appended.push(historyEvent(type, now, fields, eventId));
  };
  const open = new Set(driver.open);

  for (const event of fresh) {
    const id = completedId(event);
    if (id !== undefined) open.delete(id);
  }

  const scheduleActivity = (name: string, input: string): number => {
    const id = driver.nextEventId++;
    append(EventType.TaskScheduled, { Name: name, Input: input }, id);
    plan.activities.push({ taskId: id, name, input });
    open.add(id);
    return id;
  };
  const startChild = (name: string, input: string, fixedId: string | undefined, version?: string): number => {
    const id = driver.nextEventId++;
    const childId =
      fixedId || deterministicGuid(`${execution.instanceId}_${new Date(now).toISOString()}_${id}`);
    append(
      EventType.SubOrchestrationInstanceCreated,
      { Name: name, InstanceId: childId, Input: input, Version: version ?? "" },
      id,
    );
    plan.children.push({ taskId: id, instanceId: childId, name, input, ...(version ? { version } : {}) });
    open.add(id);
    return id;
  };
  const createTimer = (fireAt: number): number => {
    const id = driver.nextEventId++;
    append(EventType.TimerCreated, { FireAt: new Date(fireAt).toISOString() }, id);
    plan.timers.push({ timerId: id, fireAt });
    open.add(id);
    return id;
  };

  // (a) Host-side retries for the event just delivered: the engine takes these ids before user code resumes.
  for (const event of fresh) {
    if (
      event.EventType === EventType.TaskFailed ||
      event.EventType === EventType.SubOrchestrationInstanceFailed
    ) {
      const key = String(event.TaskScheduledId);
      const retry = driver.retries[key];
      if (!retry) continue;
      delete driver.retries[key];
      const timerId = createTimer(retryFireAt(retry.options, retry.attempt, retry.firstAttemptAt, now));
      driver.retryTimers[String(timerId)] = {
        ...retry,
        ...(event.Reason ? { lastReason: event.Reason } : {}),
      };
    } else if (event.EventType === EventType.TimerFired) {
      const key = String(event.TimerId);
      const retry = driver.retryTimers[key];
      if (!retry) continue;
      delete driver.retryTimers[key];
      if (retry.attempt >= retry.options.maxNumberOfAttempts) continue; // the engine fails the task itself
      const next: PendingRetry = { ...retry, attempt: retry.attempt + 1 };
      const timedOut = retryTimedOut(retry.options, retry.firstAttemptAt, now);
      let id: number;
      if (retry.kind === "activity") {
        id = timedOut ? reserveScheduled(retry.name, retry.input) : scheduleActivity(retry.name, retry.input);
      } else {
        id = timedOut
          ? reserveChild(retry.name, retry.input)
          : startChild(retry.name, retry.input, retry.childInstanceId, retry.version);
      }
      driver.retries[String(id)] = next;
      if (timedOut) {
        // Keep the engine's attempt count moving without running the function again (avoids durable-js#629).
        const reason = `Retry timeout of ${retry.options.retryTimeoutInMilliseconds} ms expired. Last failure: ${retry.lastReason ?? "unknown"}`;
        const type =
          retry.kind === "activity" ? EventType.TaskFailed : EventType.SubOrchestrationInstanceFailed;
        plan.selfEvents.push(historyEvent(type, now, { TaskScheduledId: id, Reason: reason, Details: "" }));
      }
    }
  }
  function reserveScheduled(name: string, input: string): number {
    const id = driver.nextEventId++;
    append(EventType.TaskScheduled, { Name: name, Input: input }, id);
    open.add(id);
    return id;
  }
  function reserveChild(name: string, input: string): number {
    const id = driver.nextEventId++;
    append(EventType.SubOrchestrationInstanceCreated, { Name: name, Input: input }, id);
    open.add(id);
    return id;
  }

  const state = result.state;
  const actions: Action[] = state?.actions?.[0] ?? [];
  let failure: string | undefined = result.kind === "failed" ? result.message : undefined;

  // Determinism: replayed actions must match what earlier episodes scheduled.
  if (!failure) {
    const recorded = driver.actionSignatures;
    for (let i = 0; i < recorded.length; i++) {
      const replayed = actions[i] ? actionSignature(actions[i]!) : "nothing";
      if (replayed !== recorded[i]) {
        failure =
          `Non-Deterministic workflow detected: on replay the orchestrator scheduled ${replayed} as action #${i}, ` +
          `but its history has ${recorded[i]}. Orchestrator code must be deterministic (no Date.now(), ` +
          `Math.random(), I/O or changing global state).`;
        break;
      }
    }
  }

  // (b) New actions, in the order the engine numbered them.
  let continueAsNew: string | undefined;
  if (!failure) {
    const fresh = actions.slice(driver.actionSignatures.length);
    driver.actionSignatures.push(...fresh.map(actionSignature));
    const flat = flattenActions(fresh);
    flat.forEach((a, i) => {
      if (failure) return;
      const flatIndex = driver.flatCount + i;
      switch (a.actionType) {
        case ActionType.CallActivity:
        case ActionType.CallActivityWithRetry: {
          const input = toJsonText(decodeActionInput(a.input));
          const id = scheduleActivity(a.functionName ?? "", input);
          if (a.actionType === ActionType.CallActivityWithRetry) trackRetry(id, "activity", a, input);
          break;
        }
        case ActionType.CallSubOrchestrator:
        case ActionType.CallSubOrchestratorWithRetry: {
          const input = toJsonText(a.input);
          const id = startChild(a.functionName ?? "", input, a.instanceId, a.version);
          if (a.actionType === ActionType.CallSubOrchestratorWithRetry)
            trackRetry(id, "subOrchestration", a, input);
          break;
        }
        case ActionType.CreateTimer: {
          const id = createTimer(Date.parse(a.fireAt ?? "") || now);
          driver.timerIdsByAction[String(flatIndex)] = id;
          if (a.isCanceled) cancel(id);
          break;
        }
        case ActionType.WaitForExternalEvent:
          break;
        case ActionType.ContinueAsNew:
          continueAsNew = toJsonText(decodeActionInput(a.input));
          break;
        case ActionType.CallHttp:
          failure = "callHttp is not supported by the local Functions host.";
          break;
        default:
          failure = `Durable entities (action type ${a.actionType}) are not supported by the local Functions host.`;
      }
    });
    driver.flatCount += flat.length;

    // Timers the orchestrator cancelled (e.g. the loser of Task.any) need not fire.
    flattenActions(actions).forEach((a, i) => {
      const timerId = driver.timerIdsByAction[String(i)];
      if (
        a.actionType === ActionType.CreateTimer &&
        a.isCanceled &&
        timerId !== undefined &&
        open.has(timerId)
      )
        cancel(timerId);
    });
  }
  /** Remembers a *WithRetry call so that its failures are retried by the host. */
  function trackRetry(id: number, kind: PendingRetry["kind"], a: Action, input: string): void {
    if (!a.retryOptions) return;
    driver.retries[String(id)] = {
      kind,
      name: a.functionName ?? "",
      input,
      options: a.retryOptions,
      attempt: 1,
      firstAttemptAt: now,
      ...(a.instanceId ? { childInstanceId: a.instanceId } : {}),
      ...(a.version ? { version: a.version } : {}),
    };
  }
  function cancel(timerId: number): void {
    open.delete(timerId);
    delete driver.timerIdsByAction[String(timerId)];
    plan.cancelledTimers.push(timerId);
  }

  append(EventType.OrchestratorCompleted, {});
  if (state?.customStatus !== undefined && state.customStatus !== null)
    plan.customStatus = toJsonText(state.customStatus);
  driver.open = [...open];

  if (failure) {
    const output = `Orchestrator function '${execution.name}' failed: ${failure}`;
    append(EventType.ExecutionCompleted, { OrchestrationStatus: "Failed", Result: output });
    return {
      ...plan,
      status: "Failed",
      output: JSON.stringify(output),
      activities: [],
      timers: [],
      children: [],
      selfEvents: [],
    };
  }
  if (state?.isDone) {
    if (continueAsNew !== undefined) {
      append(EventType.ExecutionCompleted, { OrchestrationStatus: "ContinuedAsNew", Result: continueAsNew });
      return {
        ...plan,
        status: "ContinuedAsNew",
        continueAsNew,
        activities: [],
        timers: [],
        children: [],
        selfEvents: [],
      };
    }
    const output = toJsonText(state.output);
    append(EventType.ExecutionCompleted, { OrchestrationStatus: "Completed", Result: output });
    return { ...plan, status: "Completed", output, activities: [], timers: [], children: [], selfEvents: [] };
  }
  return plan;
}

/** Parses what the orchestrator function answered: an OrchestratorState, or a failure carrying one. */
export function parseOrchestratorAnswer(
  answer: { ok: true; value: unknown } | { ok: false; message: string },
): EpisodeResult {
  const LABEL = "\n\n$OutOfProcData$:";
  if (answer.ok) {
    const state = answer.value as OrchestratorState | null;
    if (!state || !Array.isArray(state.actions)) {
      return { kind: "failed", message: "The orchestrator function did not return an orchestration state." };
    }
    return { kind: "state", state };
  }
  const at = answer.message.indexOf(LABEL);
  if (at < 0) return { kind: "failed", message: answer.message };
  try {
    const state = JSON.parse(answer.message.slice(at + LABEL.length)) as OrchestratorState;
    return { kind: "failed", message: state.error ?? answer.message.slice(0, at), state };
  } catch {
    return { kind: "failed", message: answer.message.slice(0, at) };
  }
}
