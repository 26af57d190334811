// The step bookkeeping of an orchestration, so that the orchestrator reads as its flow: `step(name,
// fn)` marks the step Running, runs it, and marks it Succeeded (with the outputs it produced) or
// Failed, ending the flow with a StepFailed the orchestrator catches once. Every change is published
// as custom status (the GET document's source) at once, so the status is current whenever the
// orchestration waits. Deterministic: times are the orchestration's replay-safe clock.
import type { OrchestrationContext } from "durable-functions";
import { stepErrorFromTaskFailure, type StepError } from "../shared/azure/errors.js";
import type { LroStep } from "../shared/provision/activity-io.js";
import { StepTracker } from "../shared/provision/steps.js";
import type {
  ActivityResult,
  ClusterOutputs,
  Phase,
  ProvisionCustomStatus,
  VerificationReport,
} from "../shared/provision/types.js";
import { allSettled, failureValue, type Flow, type Outputs, type Pending, type Settled } from "./durable.js";
import { retriesOf, watched } from "./retries.js";

/** What a step's work answers: an activity's or sub-orchestration's result, or a monitored operation's end. */
export type StepResult<T> = ActivityResult<T> | LroStep<T>;

/** The value a step's result stands for when it succeeded. */
type ValueOf<R> = R extends { ok: true; value: infer T }
  ? T
  : R extends { status: "succeeded"; value: infer T }
    ? T
    : never;

/** A step failed: the flow ends here (rollback or keep is the orchestrator's business). */
export class StepFailed extends Error {
  constructor(
    readonly step: string,
    readonly error: StepError,
  ) {
    super(`${step}: ${error.code}: ${error.message}`);
  }

  /** The error as the status and the output name it. */
  get failure(): StepError & { step: string } {
    return { ...this.error, step: this.step };
  }
}

/** Runs a flow's steps; answers the StepFailed that ended them (undefined: every step succeeded). */
export function* failureOf(steps: Flow<void>): Flow<StepFailed | undefined> {
  try {
    yield* steps;
    return undefined;
  } catch (e) {
    if (!(e instanceof StepFailed)) throw e;
    return e;
  }
}

export interface SettleOptions<T> {
  /** The cluster outputs the step produced, recorded when it succeeds. */
  outputs?: (value: T) => ClusterOutputs;
}

function unwrap<T>(r: StepResult<T>): ActivityResult<T> {
  if ("ok" in r) return r;
  if (r.status === "succeeded") return { ok: true, value: r.value };
  if (r.status === "failed") return { ok: false, error: r.error };
  // A monitor loop returns only once the operation is terminal.
  return { ok: false, error: { code: "InternalError", message: "operation ended in an unknown state" } };
}

export class StepRunner {
  private readonly t: StepTracker;

  constructor(
    private readonly ctx: OrchestrationContext,
    steps: readonly string[],
    phase: Phase,
    warnings: string[] = [],
  ) {
    this.t = new StepTracker(steps, phase, warnings);
    this.publish();
  }

  private get now(): Date {
    return this.ctx.df.currentUtcDateTime;
  }

  private publish(): this {
    this.ctx.df.setCustomStatus(this.t.snapshot());
    return this;
  }

  /**
   * Runs `work` as step `name` (a step `together` started continues) and answers its value. The
   * retry policy's retries of the calls it makes count as the step's attempts (retries.ts).
   */
  *step<T>(name: string, work: () => Flow<StepResult<T>>, o: SettleOptions<T> = {}): Flow<T> {
    this.start(name);
    return this.settle(name, yield* this.counting(name, work()), o);
  }

  /** Runs `work` for step `name`, counting its calls' retries as the step's attempts (retries.ts). */
  counting<T>(name: string, work: Flow<T>): Flow<T> {
    return watched(work, (n) => this.retried(name, n));
  }

  /** Lists steps found on the way (Pending) right after `after`. */
  insertAfter(after: string, names: readonly string[]): this {
    this.t.insertAfter(after, names);
    return this.publish();
  }

  /** Marks steps Running. */
  start(...names: string[]): this {
    for (const name of names) this.t.start(name, this.now);
    return this.publish();
  }

  /** Ends a running step with its result: Succeeded (value answered) or Failed (StepFailed thrown). */
  settle<T>(name: string, result: StepResult<T>, o: SettleOptions<T> = {}): T {
    const r = unwrap(result);
    if (!r.ok) {
      this.t.fail(name, this.now, r.error);
      this.publish();
      throw new StepFailed(name, r.error);
    }
    this.t.succeed(name, this.now);
    if (o.outputs) this.t.outputs(o.outputs(r.value));
    this.publish();
    return r.value;
  }

  /**
   * Starts one step per call, runs the calls at once and waits until every one has ended (never
   * leaving one running behind a failed sibling), answering their outputs in order for the caller to
   * settle. A call whose declaration turns a failed task into a value answers that value; any other
   * failure (a crashed sub-orchestration) fails its step and is thrown as is once all have ended.
   */
  *together<const P extends readonly Pending<unknown>[]>(
    names: { readonly [K in keyof P]: string },
    pending: P,
  ): Flow<Outputs<P>> {
    this.start(...names);
    const settled: readonly Settled<unknown>[] = yield* allSettled(this.ctx, pending);
    // Each call's retries (its retry policy's, retries.ts) are its own step's.
    pending.forEach((p, i) => this.retried(names[i]!, retriesOf(p.task)));
    let crash: { error: unknown } | undefined;
    const out = settled.map((s, i) => {
      if (s.ok) return s.value;
      const value = failureValue<StepResult<unknown>>(pending[i]!.failure, s.error);
      if (value !== undefined) return value;
      this.t.fail(names[i]!, this.now, stepErrorFromTaskFailure(s.error));
      crash ??= { error: s.error };
      return undefined;
    });
    if (crash) {
      this.publish();
      throw crash.error;
    }
    return out as Outputs<P>;
  }

  /**
   * Settles several running steps at once (each Succeeded or Failed, none left Running), then ends
   * the flow with the first failure, in the order given; answers their values in order.
   */
  settleAll<const R extends readonly StepResult<unknown>[]>(
    names: { readonly [K in keyof R]: string },
    results: R,
    options: { readonly [K in keyof R]?: SettleOptions<ValueOf<R[K]>> } = [] as never,
  ): { -readonly [K in keyof R]: ValueOf<R[K]> } {
    let first: StepFailed | undefined;
    const values = results.map((r, i) => {
      try {
        return this.settle(names[i]!, r, (options[i] ?? {}) as SettleOptions<unknown>);
      } catch (e) {
        if (!(e instanceof StepFailed)) throw e;
        first ??= e;
        return undefined;
      }
    });
    if (first) {
      // settle recorded each failure as the status's error: the one the flow ends with wins.
      this.t.fail(first.step, this.now, first.error);
      this.publish();
      throw first;
    }
    return values as { -readonly [K in keyof R]: ValueOf<R[K]> };
  }

  /** Counts one more status poll of a running step. Published with the next change unless asked. */
  poll(name: string, o: { publish?: boolean } = {}): void {
    this.t.poll(name);
    if (o.publish) this.publish();
  }

  /** Counts `n` more attempts at a step (retries, resubmits); published at once. */
  retried(name: string, n = 1): void {
    if (n <= 0) return;
    this.t.retried(name, n);
    this.publish();
  }

  /** Shows what a running step waits for (undefined: nothing any more); published when it changed. */
  waiting(name: string, reason: StepError | undefined): void {
    if (this.t.wait(name, reason, this.now)) this.publish();
  }

  /** Sets a step's attempts to the rounds its sub-orchestration ran. */
  rounds(name: string, rounds: number): this {
    this.t.attempts(name, rounds);
    return this.publish();
  }

  /** Records outputs known without a step (ids derived from the target). */
  outputs(outputs: ClusterOutputs): this {
    this.t.outputs(outputs);
    return this.publish();
  }

  /** Marks a running step Failed without an error of its own (the error that matters is elsewhere). */
  abandon(name: string): this {
    this.t.abandon(name);
    return this.publish();
  }

  /** Ends a step that needs no work as Skipped. */
  skip(name: string): this {
    this.t.skip(name);
    return this.publish();
  }

  /** After a failure: every step not ended (pending, or left running) is Skipped. */
  skipRemaining(): this {
    this.t.skipRemaining();
    return this.publish();
  }

  phase(phase: Phase): this {
    this.t.phase(phase);
    return this.publish();
  }

  warn(message: string): this {
    this.t.warn(message);
    return this.publish();
  }

  verification(report: VerificationReport): this {
    this.t.verification(report);
    return this.publish();
  }

  /** What the status says now (a copy: changes go through the runner). */
  get status(): ProvisionCustomStatus {
    return this.t.snapshot();
  }
}
