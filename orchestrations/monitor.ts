// The monitor loop for long-running ARM operations (durable timers, Retry-After, a deadline) and
// the time arithmetic the orchestrators share. Deterministic: time is the orchestration's
// replay-safe clock.
import type * as df from "durable-functions";
import type { OrchestrationContext } from "durable-functions";
import type { ProvisionTiming } from "../shared/config/index.js";
import type { StepError } from "../shared/azure/errors.js";
import type { LroStep, PolledResource } from "../shared/provision/activity-io.js";
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

export interface MonitorOptions<T> {
  subscriptionId: string;
  timing: ProvisionTiming;
  deadline: Date;
  retry: df.RetryOptions;
  /** Asks again from scratch (GET-first activity) when we hold no poller state. */
  again: () => Flow<LroStep<T>>;
  /** Called before each poll (to count attempts in the status). */
  onPoll?: () => void;
  /** The first wait when ARM sent no Retry-After (operations known to take minutes). */
  firstWaitSeconds?: number;
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
  let firstWait = o.firstWaitSeconds;
  while (step.status === "running") {
    const now = ctx.df.currentUtcDateTime;
    if (now.getTime() >= o.deadline.getTime()) return { status: "failed", error: timedOut(o.deadline) };
    let wait = pollDelaySeconds(step.retryAfterSeconds, o.timing);
    // ARM's Retry-After wins; without one, an operation known to take minutes is not polled at once.
    if (firstWait !== undefined && step.retryAfterSeconds === undefined) wait = Math.max(wait, firstWait);
    firstWait = undefined;
    const fireAt = new Date(Math.min(addSeconds(now, wait).getTime(), o.deadline.getTime()));
    yield ctx.df.createTimer(fireAt);
    o.onPoll?.();
    const poller = step.poller;
    step = poller
      ? yield* activity(
          ctx,
          ACTIVITY.pollArmOperation,
          { subscriptionId: o.subscriptionId, kind: poller.kind, state: poller.state },
          o.retry,
        )
      : yield* o.again();
  }
  return step;
}

function timedOut(deadline: Date): StepError {
  return {
    code: "OperationTimedOut",
    message: `the operation did not finish by its deadline (${deadline.toISOString()})`,
  };
}
