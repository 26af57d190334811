// The monitor loop for long-running ARM operations (durable timers, Retry-After, a deadline) and
// the time arithmetic the orchestrators share. Deterministic: time is the orchestration's
// replay-safe clock.
import type * as df from "durable-functions";
import type { OrchestrationContext } from "durable-functions";
import type { ProvisionTiming } from "../shared/config/index.js";
import { classify, isBusy, stepErrorFromTaskFailure, type StepError } from "../shared/azure/errors.js";
import type { ArmOperationKind, LroStep, PolledResource } from "../shared/provision/activity-io.js";
import { ACTIVITY } from "../shared/provision/durable.js";
import { activity, type Flow } from "./durable.js";

export function addSeconds(at: Date, seconds: number): Date {
  return new Date(at.getTime() + Math.round(seconds * 1000));
}

/** How long to wait before the next poll: ARM's Retry-After when it gave one, within our bounds. */
export function pollDelaySeconds(retryAfter: number | undefined, timing: ProvisionTiming): number {
  const wanted = retryAfter ?? timing.pollIntervalSeconds;
  return Math.min(Math.max(wanted, timing.pollIntervalSeconds / 4), timing.maxPollIntervalSeconds);
}

/** Share of an operation's expected duration between polls once it has run past it. */
const OVERRUN_POLL_SHARE = 0.05;

/**
 * The wait before poll number `polls` (0: the first) of an operation expected to take
 * `expectedSeconds`. ARM reads cost throttling tokens and an early poll only learns "still running",
 * so the first poll waits for the expected duration (Retry-After is the shortest wait ARM asks for,
 * not a schedule); after that, an operation running late is polled at Retry-After, or at a small
 * share of its expected duration, so that noticing its end late adds little to it.
 */
export function nextPollSeconds(
  retryAfter: number | undefined,
  polls: number,
  expectedSeconds: number | undefined,
  timing: ProvisionTiming,
): number {
  if (expectedSeconds === undefined) return pollDelaySeconds(retryAfter, timing);
  if (polls === 0) return Math.max(expectedSeconds, retryAfter ?? 0);
  const late = Math.min(timing.pollIntervalSeconds, expectedSeconds * OVERRUN_POLL_SHARE);
  return Math.min(
    Math.max(retryAfter ?? 0, late, timing.pollIntervalSeconds / 4),
    timing.maxPollIntervalSeconds,
  );
}

export interface MonitorOptions<T> {
  subscriptionId: string;
  timing: ProvisionTiming;
  deadline: Date;
  retry: df.RetryOptions;
  /** Asks again from scratch (GET-first activity) when we hold no poller state. */
  again: () => Flow<LroStep<T>>;
  /** Called before each poll (to count polls in the status; a poll is not a new attempt). */
  onPoll?: () => void;
  /**
   * The operation's expected duration (operations known to take minutes): the first poll waits
   * this long, later ones a share of it (nextPollSeconds). Absent: Retry-After or the poll interval.
   */
  firstWaitSeconds?: number;
  /**
   * When the operation was submitted, if the flow did other work since (steps run in the wait): the
   * first poll's wait counts from then. Absent: from the first call.
   */
  submittedAt?: Date | undefined;
  /** Told what the step waits for (a transient read error, a busy resource; undefined: nothing). */
  onWait?: (reason: StepError | undefined) => void;
}

/**
 * Monitor pattern: until the operation is terminal, wait on a durable timer, then poll once (from the
 * serialized poller, or by asking the GET-first activity again). Never a sleeping activity.
 */
export function* untilDone<T>(
  ctx: OrchestrationContext,
  first: LroStep<T>,
  o: MonitorOptions<T>,
): Flow<LroStep<T | PolledResource>> {
  let step: LroStep<T | PolledResource> = first;
  let polls = 0;
  while (step.status === "running") {
    const now = ctx.df.currentUtcDateTime;
    if (now.getTime() >= o.deadline.getTime()) return { status: "failed", error: timedOut(o.deadline) };
    const from = polls === 0 && o.submittedAt ? o.submittedAt : now;
    const wait = nextPollSeconds(step.retryAfterSeconds, polls++, o.firstWaitSeconds, o.timing);
    const fireAt = new Date(Math.min(addSeconds(from, wait).getTime(), o.deadline.getTime()));
    o.onWait?.(step.waitingFor);
    // No timer when the work done in the wait already took longer: poll now.
    if (fireAt.getTime() > now.getTime()) yield ctx.df.createTimer(fireAt);
    o.onPoll?.();
    const poller = step.poller;
    step = poller ? yield* poll(ctx, o, poller) : yield* o.again();
  }
  // No clearing here: the step settles next (which ends any wait), or untilSucceeded waits again.
  return step;
}

/**
 * One poll from the serialized poller. A poll that failed for good (retries spent, the worker gone)
 * knows nothing about the operation: answer "running" without a poller, so the caller re-reads the
 * resource (GET-first activity) and decides from its real state.
 */
function* poll<T>(
  ctx: OrchestrationContext,
  o: MonitorOptions<T>,
  poller: { kind: ArmOperationKind; state: string },
): Flow<LroStep<PolledResource>> {
  const input = { subscriptionId: o.subscriptionId, kind: poller.kind, state: poller.state };
  try {
    return yield* activity(ctx, ACTIVITY.pollArmOperation, input, o.retry);
  } catch (e) {
    return { status: "running", waitingFor: stepErrorFromTaskFailure(e) };
  }
}

/** The wait before the n-th (0-based) new attempt after a busy resource or a transient failure. */
export function backoffSeconds(n: number, timing: ProvisionTiming): number {
  return Math.min(timing.pollIntervalSeconds * 2 ** Math.min(n, 16), timing.maxPollIntervalSeconds);
}

export interface ResubmitOptions<T> extends MonitorOptions<T> {
  /** Starts the operation: the GET-first activity that writes only when the resource needs it. */
  submit: () => Flow<LroStep<T>>;
  /** Its first answer, when the caller already called it (with another step, say). */
  first?: LroStep<T>;
  /** New attempts after an operation that ended with a transient failure (busy waits: deadline only). */
  maxResubmits: number;
  /** Called before each new attempt (to count it in the status: a real retry, unlike a poll). */
  onResubmit?: () => void;
}

/**
 * A long-running operation to its end, started again while its failure is transient: the resource
 * busy with another operation (waited for up to the deadline), ARM's transient errors that outlived
 * the activity's retries, an operation that ended with a transient code (InternalServerError).
 * Each new attempt goes through the GET-first submit, so a resource that in fact succeeded is
 * answered as such and never written twice. Waits are durable timers with backoff.
 */
export function* untilSucceeded<T>(
  ctx: OrchestrationContext,
  o: ResubmitOptions<T>,
): Flow<LroStep<T | PolledResource>> {
  let step: LroStep<T> = o.first ?? (yield* o.submit());
  let waits = 0;
  let failures = 0;
  // Only the first operation was submitted before the caller's work in the wait.
  for (let submittedAt = o.submittedAt; ; submittedAt = undefined) {
    const end = yield* untilDone(ctx, step, { ...o, submittedAt });
    if (end.status !== "failed" || classify(end.error) === "permanent") return end;
    if (!isBusy(end.error) && ++failures > o.maxResubmits) return end;
    const now = ctx.df.currentUtcDateTime;
    if (now.getTime() >= o.deadline.getTime()) return end;
    o.onWait?.(end.error);
    const fireAt = Math.min(
      addSeconds(now, backoffSeconds(waits++, o.timing)).getTime(),
      o.deadline.getTime(),
    );
    yield ctx.df.createTimer(new Date(fireAt));
    o.onResubmit?.();
    step = yield* o.submit();
  }
}

function timedOut(deadline: Date): StepError {
  return {
    code: "OperationTimedOut",
    message: `the operation did not finish by its deadline (${deadline.toISOString()})`,
  };
}
