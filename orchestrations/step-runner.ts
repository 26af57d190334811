// The step bookkeeping of an orchestration, so that the orchestrator reads as its flow: `step(name,
// fn)` marks the step Running, runs it, and marks it Succeeded (with the outputs it produced) or
// Failed, ending the flow with a StepFailed the orchestrator catches once. Every change is published
// as custom status (the GET document's source) at once, so the status is current whenever the
// orchestration waits. Deterministic: times are the orchestration's replay-safe clock.
import type { OrchestrationContext } from "durable-functions";
import type { StepError } from "../shared/azure/errors.js";
import type { LroStep } from "../shared/provision/activity-io.js";
import { StepTracker } from "../shared/provision/steps.js";
import type {
  ActivityResult,
  ClusterOutputs,
  Phase,
  ProvisionCustomStatus,
  VerificationReport,
} from "../shared/provision/types.js";
import { all, failureValue, type Flow, type Outputs, type Pending } from "./durable.js";
import { retriesOf, watched } from "./retries.js";

/** What a step's work answers: an activity's or sub-orchestration's result, or a monitored operation's end. */
export type StepResult<T> = ActivityResult<T> | LroStep<T>;

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
    const result = yield* watched(work(), (n) => this.retried(name, n));
    return this.settle(name, result, o);
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
   * Starts one step per call and runs the calls at once (Task.all), answering their outputs in
   * order for the caller to settle. Task.all fails fast: a call whose declaration turns a failed task
   * into a value fails its step; any other failure (a crashed sub-orchestration) is thrown as is.
   */
  *together<const P extends readonly Pending<unknown>[]>(
    names: { readonly [K in keyof P]: string },
    pending: P,
  ): Flow<Outputs<P>> {
    this.start(...names);
    // Each call's retries are its own step's, counted once Task.all has answered or failed.
    const retries = () => pending.forEach((p, i) => this.retried(names[i]!, retriesOf(p.task)));
    try {
      const outputs = yield* all(this.ctx, pending);
      retries();
      return outputs;
    } catch (e) {
      retries();
      // When several failed before this episode, the last one declared is named.
      const i = pending.findLastIndex((p) => p.task.isFaulted);
      const value = i < 0 ? undefined : failureValue<StepResult<unknown>>(pending[i]!.failure, e);
      if (value === undefined) throw e;
      this.settle(names[i]!, value);
      throw e;
    }
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

  /** After a failure: every step still pending is Skipped. */
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
