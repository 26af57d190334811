// Typed calls of the durable surface (shared/provision/durable.ts) from orchestrators: an activity or
// sub-orchestration is called by its declaration, so its input is checked and its output typed at
// compile time (as Temporal's proxyActivities do), and a failed task becomes the failure value the
// declaration names. Deterministic: nothing here reads a clock or does I/O.
import * as df from "durable-functions";
import type { OrchestrationContext, Task } from "durable-functions";
import type { ProvisionTiming } from "../shared/config/index.js";
import { stepErrorFromTaskFailure } from "../shared/azure/errors.js";
import { ARM_PRIORITY, ARM_SLACK } from "../shared/azure/throttle-gate.js";
import type { Activity, Orchestration, TaskFailure } from "../shared/provision/durable.js";

export type Flow<T> = Generator<Task, T, unknown>;

/** An orchestrator bound to its declaration (what the registry registers). */
export interface Orchestrator<I, O> {
  (ctx: OrchestrationContext): Flow<O>;
  /** Phantom: the declared input, so the registry can refuse an orchestrator under another's name. */
  readonly input?: (input: I) => void;
}

/** Writes an orchestrator against its declaration: `body` gets the typed input and must return the declared output. */
export function orchestrator<I, O>(
  _declaration: Orchestration<I, O>,
  body: (ctx: OrchestrationContext, input: I) => Flow<NoInfer<O>>,
): Orchestrator<I, O> {
  return function* (ctx: OrchestrationContext): Flow<O> {
    return yield* body(ctx, ctx.df.getInput<I>());
  };
}

export function retryOptions(r: ProvisionTiming["activityRetry"]): df.RetryOptions {
  const options = new df.RetryOptions(r.firstRetryMs, r.maxAttempts);
  options.backoffCoefficient = r.backoff;
  options.maxRetryIntervalInMilliseconds = r.maxRetryMs;
  return options;
}

/** A scheduled call whose output is `O` (for running several at once with `all`). */
export interface Pending<O> {
  readonly task: Task;
  readonly failure: TaskFailure;
  /** Phantom: the declared output. */
  readonly output?: O;
}

/**
 * Schedules an activity with its retry policy (host-side retries of its transient failures). An
 * object input carries the orchestration's acceptance time as `armPriority` (when its input has a
 * `requestedAt`): behind a throttled ARM bucket the older request's calls go first
 * (shared/azure/throttle-gate.ts), so clusters progress one after another, not all in lockstep.
 * A call with `slack` (done in the wait of a long operation, needed only once it ends) never
 * waits behind a throttled bucket: it fails at once with ArmRequestDeferred, to be tried again.
 */
export function activityTask<I, O>(
  ctx: OrchestrationContext,
  activity: Activity<I, O>,
  input: NoInfer<I>,
  retry: df.RetryOptions,
  slack = false,
): Pending<O> {
  const at = (ctx.df.getInput() as { requestedAt?: unknown } | undefined)?.requestedAt;
  const priority = typeof at === "string" ? Date.parse(at) : NaN;
  const sent =
    input && typeof input === "object" && !Array.isArray(input) && (slack || !Number.isNaN(priority))
      ? {
          ...input,
          ...(Number.isNaN(priority) ? {} : { [ARM_PRIORITY]: priority }),
          ...(slack ? { [ARM_SLACK]: true } : {}),
        }
      : input;
  return { task: ctx.df.callActivityWithRetry(activity.name, retry, sent), failure: activity.failure };
}

/** Schedules a sub-orchestration. */
export function subOrchestrationTask<I, O>(
  ctx: OrchestrationContext,
  orchestration: Orchestration<I, O>,
  input: NoInfer<I>,
): Pending<O> {
  return { task: ctx.df.callSubOrchestrator(orchestration.name, input), failure: "throw" };
}

/** The value a failed task stands for, per its declaration; undefined when it must throw. */
export function failureValue<O>(failure: TaskFailure, e: unknown): O | undefined {
  if (failure === "throw") return undefined;
  const error = stepErrorFromTaskFailure(e);
  return (failure === "result" ? { ok: false, error } : { status: "failed", error }) as O;
}

/** Waits for one call; a failed task becomes its failure value (or throws, as declared). */
function* wait<O>(pending: Pending<O>): Flow<O> {
  try {
    return (yield pending.task) as O;
  } catch (e) {
    const value = failureValue<O>(pending.failure, e);
    if (value === undefined) throw e;
    return value;
  }
}

/** Calls an activity with retries; exhausted retries become the declared failure value. */
export function* activity<I, O>(
  ctx: OrchestrationContext,
  declaration: Activity<I, O>,
  input: NoInfer<I>,
  retry: df.RetryOptions,
): Flow<O> {
  return yield* wait(activityTask(ctx, declaration, input, retry));
}

/** Calls a sub-orchestration; it throws when the sub-orchestration crashed. */
export function* subOrchestration<I, O>(
  ctx: OrchestrationContext,
  declaration: Orchestration<I, O>,
  input: NoInfer<I>,
): Flow<O> {
  return yield* wait(subOrchestrationTask(ctx, declaration, input));
}

export type Outputs<P extends readonly Pending<unknown>[]> = {
  -readonly [K in keyof P]: P[K] extends Pending<infer O> ? O : never;
};

/** How one of several calls ended: its output, or what its task threw. */
export type Settled<O> = { ok: true; value: O } | { ok: false; error: unknown };

/**
 * Runs calls at once and waits until every one has ended, answering how each ended, in order.
 * Task.all alone fails fast: at the first faulted task it gives up on the others while they still
 * run (and write). Here its failure only says that one faulted: each call is then waited for in
 * turn (a call that has ended answers at once). Deterministic: which calls have ended is decided by
 * the history, the same on every replay.
 */
export function* allSettled<const P extends readonly Pending<unknown>[]>(
  ctx: OrchestrationContext,
  pending: P,
): Flow<{ -readonly [K in keyof P]: Settled<Outputs<P>[K]> }> {
  type Out = { -readonly [K in keyof P]: Settled<Outputs<P>[K]> };
  try {
    const values = (yield ctx.df.Task.all(pending.map((p) => p.task))) as unknown[];
    return values.map((value) => ({ ok: true, value })) as Out;
  } catch {
    const out: Settled<unknown>[] = [];
    for (const p of pending) {
      try {
        out.push({ ok: true, value: yield p.task });
      } catch (error) {
        out.push({ ok: false, error });
      }
    }
    return out as Out;
  }
}
