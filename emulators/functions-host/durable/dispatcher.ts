// Runs the task hub: picks instances with due messages and runs one episode at a time per instance, runs
// activity work items, and wakes up when the next timer falls due. Concurrency is capped like host.json's
// maxConcurrentOrchestratorFunctions / maxConcurrentActivityFunctions.
import type { CancelTimer, Clock } from "../../common/clock.js";
import type { CrashPoint } from "../fault.js";
import type { FunctionIndex } from "../functions.js";
import { fromTypedData, type Invoker } from "../invoker.js";
import type { Logger } from "../log.js";
import {
  isExpected,
  needsRetryBookkeeping,
  orchestrationBinding,
  parseOrchestratorAnswer,
  planEpisode,
  type EpisodeResult,
} from "./episode.js";
import { EventType, historyEvent, toJsonText, type HistoryEvent } from "./history.js";
import {
  isTerminal,
  type InstanceRow,
  type MessageRow,
  type TaskHubStore,
  type WorkItemRow,
} from "./store.js";

export interface DispatcherOptions {
  store: TaskHubStore;
  clock: Clock;
  functions: FunctionIndex;
  invoker: Invoker;
  logger: Logger;
  maxConcurrentActivities: number;
  maxConcurrentOrchestrations: number;
  crash: (point: CrashPoint) => void;
}

const MAX_EVENTS_PER_EPISODE = 50;

export class Dispatcher {
  #busyInstances = new Set<string>();
  #runningActivities = new Set<number>();
  #inflight = new Set<Promise<void>>();
  #stopping = false;
  #paused = false;
  #pumpQueued = false;
  #cancelWake: CancelTimer | undefined;
  /** Completed episodes and activities, for the host status and the benchmark. */
  readonly stats = { episodes: 0, activities: 0 };

  constructor(private readonly o: DispatcherOptions) {}

  start(): void {
    this.kick();
  }

  /** Schedules a look for new work (coalesced). */
  kick(): void {
    if (this.#pumpQueued || this.#stopping) return;
    this.#pumpQueued = true;
    setImmediate(() => {
      this.#pumpQueued = false;
      this.#pump();
    });
  }

  /** While the language worker restarts nothing is dispatched (work stays queued). */
  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.kick();
  }

  /** Stops taking work and waits (up to graceMs) for in-flight episodes and activities. */
  async stop(graceMs: number): Promise<void> {
    this.#stopping = true;
    this.#cancelWake?.();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.#inflight]),
      new Promise((r) => (timer = setTimeout(r, graceMs))),
    ]);
    clearTimeout(timer);
  }

  get activeEpisodes(): number {
    return this.#busyInstances.size;
  }
  get activeActivities(): number {
    return this.#runningActivities.size;
  }

  #track(p: Promise<void>, done: () => void): void {
    const tracked = p
      .catch((err: unknown) =>
        this.o.logger.log("error", `Task hub dispatcher error: ${(err as Error).stack ?? String(err)}`),
      )
      .finally(() => {
        this.#inflight.delete(tracked);
        done();
        this.kick();
      });
    this.#inflight.add(tracked);
  }

  #pump(): void {
    const { store, clock } = this.o;
    if (this.#stopping || this.#paused || store.closed) return;
    const now = clock.now();
    const orchCap = this.o.maxConcurrentOrchestrations;
    if (this.#busyInstances.size < orchCap) {
      for (const id of store.readyInstances(now, orchCap + this.#busyInstances.size)) {
        if (this.#busyInstances.size >= orchCap) break;
        if (this.#busyInstances.has(id)) continue;
        this.#busyInstances.add(id);
        this.#track(this.#runInstance(id), () => this.#busyInstances.delete(id));
      }
    }
    const actCap = this.o.maxConcurrentActivities;
    if (this.#runningActivities.size < actCap) {
      for (const item of store.workItems(actCap + this.#runningActivities.size)) {
        if (this.#runningActivities.size >= actCap) break;
        if (this.#runningActivities.has(item.id)) continue;
        this.#runningActivities.add(item.id);
        this.#track(this.#runActivity(item), () => this.#runningActivities.delete(item.id));
      }
    }
    this.#cancelWake?.();
    this.#cancelWake = undefined;
    const next = store.nextDueAt(now);
    if (next !== undefined) this.#cancelWake = clock.schedule(next, () => this.kick());
  }

  /** Applies control messages, then runs at most one episode for the instance. */
  async #runInstance(instanceId: string): Promise<void> {
    const { store, clock } = this.o;
    for (;;) {
      if (store.closed) return;
      const instance = store.getInstance(instanceId);
      if (!instance) return;
      const messages = store.dueMessages(instanceId, clock.now());
      if (messages.length === 0) return;
      if (isTerminal(instance.runtimeStatus)) {
        store.deleteMessages(messages.map((m) => m.id));
        return;
      }
      const control = messages.find((m) => m.kind !== "event");
      if (messages[0]!.kind !== "event" || (instance.runtimeStatus === "Suspended" && control)) {
        store.applyControl(instance, control!, clock.now());
        continue;
      }
      if (instance.runtimeStatus === "Suspended") return;
      const events: MessageRow[] = [];
      for (const m of messages) {
        if (m.kind !== "event") break;
        events.push(m);
      }
      const unusable = events.filter(
        (m) =>
          (m.executionId !== null && m.executionId !== instance.executionId) ||
          !isExpected(instance.driver, m.event),
      );
      if (unusable.length > 0) {
        this.o.logger.log(
          "debug",
          `Dropping ${unusable.length} stale or duplicate message(s) for instance ${instanceId}`,
        );
        store.deleteMessages(unusable.map((m) => m.id));
        continue;
      }
      await this.#episode(instance, events);
      return;
    }
  }

  async #episode(instance: InstanceRow, events: MessageRow[]): Promise<void> {
    const { store, clock, functions, invoker } = this.o;
    const past = store.getHistory(instance.instanceId);
    let ordered = events;
    if (past.length === 0) {
      const started = events.find((m) => m.event.EventType === EventType.ExecutionStarted);
      if (!started) return;
      ordered = [started, ...events.filter((m) => m !== started)];
    }
    const batch: MessageRow[] = [];
    for (const m of ordered) {
      // Alone in an episode: events that need retry bookkeeping, and raised events (an event may make the
      // orchestrator continueAsNew; the events after it must then go to the new execution, not be lost).
      const alone =
        needsRetryBookkeeping(instance.driver, m.event) || m.event.EventType === EventType.EventRaised;
      if (alone && batch.length > 0) break;
      batch.push(m);
      if (alone || batch.length >= MAX_EVENTS_PER_EPISODE) break;
    }
    const now = clock.now();
    const fresh: HistoryEvent[] = [
      historyEvent(EventType.OrchestratorStarted, now),
      ...batch.map((m) => m.event),
    ];
    const execution = {
      instanceId: instance.instanceId,
      executionId: instance.executionId,
      name: instance.name,
      input: instance.input,
      parentInstanceId: instance.parentInstanceId,
      driver: instance.driver,
    };
    const fn = functions.get(instance.name, "orchestration");
    let result: EpisodeResult;
    if (!fn) {
      result = {
        kind: "failed",
        message: `The function '${instance.name}' doesn't exist, is disabled, or is not an orchestrator function.`,
      };
    } else {
      const binding = orchestrationBinding(execution, past, fresh);
      const answer = await invoker.invoke(fn, [
        { name: fn.triggerName, data: { string: JSON.stringify(binding) } },
      ]);
      if (!answer.ok && answer.workerLost) return; // abandoned: the messages stay and the episode runs again
      result = parseOrchestratorAnswer(
        answer.ok
          ? { ok: true, value: fromTypedData(answer.returnValue) }
          : { ok: false, message: answer.error.message },
      );
    }
    this.o.crash("episode-finished");
    if (store.closed) return;
    const plan = planEpisode(execution, fresh, result, now);
    store.commitEpisode(
      instance,
      batch.map((m) => m.id),
      plan,
      now,
    );
    this.stats.episodes++;
    this.o.crash("episode-committed");
    if (plan.status !== "Running") {
      this.o.logger.log(
        "debug",
        `Orchestration '${instance.name}' (${instance.instanceId}) is ${plan.status}`,
      );
    }
  }

  async #runActivity(item: WorkItemRow): Promise<void> {
    const { store, clock, functions, invoker } = this.o;
    const fn = functions.get(item.name, "activity");
    let completion: HistoryEvent;
    if (!fn) {
      completion = historyEvent(EventType.TaskFailed, clock.now(), {
        TaskScheduledId: item.taskId,
        Reason: `The function '${item.name}' doesn't exist, is disabled, or is not an activity function.`,
        Details: "",
      });
    } else {
      const answer = await invoker.invoke(fn, [{ name: fn.triggerName, data: { json: item.input } }], {
        instanceId: { string: item.instanceId },
      });
      if (!answer.ok && answer.workerLost) return; // the work item stays and runs again
      completion = answer.ok
        ? historyEvent(EventType.TaskCompleted, clock.now(), {
            TaskScheduledId: item.taskId,
            Result: toJsonText(fromTypedData(answer.returnValue)),
          })
        : historyEvent(EventType.TaskFailed, clock.now(), {
            TaskScheduledId: item.taskId,
            Reason: `Activity function '${item.name}' failed: ${answer.error.message}`,
            Details: JSON.stringify({
              $type: "Error",
              message: answer.error.message,
              stack: answer.error.stack ?? "",
            }),
          });
    }
    this.o.crash("activity-finished");
    if (store.closed) return;
    if (store.completeWorkItem(item, completion, clock.now())) this.stats.activities++;
  }
}
