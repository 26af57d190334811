// Counting a step's real retries. The retry policy's retries (callActivityWithRetry) happen inside
// durable-functions, out of the orchestrator's sight: `retriesOf` reads the count the engine keeps,
// and `watched` applies it to every call a step's work waits for, so call sites stay as they are.
// The monitor's resubmits of a failed or busy ARM operation are counted where they happen
// (monitor.ts onResubmit); status polls are not retries (StepRunner.poll).
import type { Task } from "durable-functions";
import type { Flow } from "./durable.js";

/**
 * The retries the retry policy made for a call so far: executions beyond the first, each after a
 * failed one (0 for a timer, a sub-orchestration or a call without a retry policy).
 *
 * durable-functions runs `callActivityWithRetry` in the orchestrator itself: its RetryableTask
 * replays TaskFailed → retry timer → TaskScheduled from history and keeps the count as
 * `attemptNumber` (1, plus one per failed execution, so one past the policy's maximum once every
 * execution failed). The count is derived from history, hence replay-safe, but it is not in the
 * package's typings, so it is read defensively; test/unit/provision/replay-engine.test.ts pins it
 * against the real engine, so an upgrade that moves it fails there rather than showing no retries.
 * The alternative, an orchestrator-written retry loop (callActivity + timers), would change the
 * history of running instances and could not run inside Task.all for the parallel steps.
 */
export function retriesOf(task: Task): number {
  const t = task as { attemptNumber?: unknown; retryOptions?: { maxNumberOfAttempts?: unknown } };
  const n = t.attemptNumber;
  const max = t.retryOptions?.maxNumberOfAttempts;
  if (typeof n !== "number" || typeof max !== "number") return 0;
  return Math.max(0, Math.min(n, max) - 1);
}

/**
 * Runs `work` unchanged, telling `retried` the policy's retries of each call it waited for, once
 * that call answered (or failed for good). A task yielded again is counted once.
 */
export function* watched<T>(work: Flow<T>, retried: (n: number) => void): Flow<T> {
  const counted = new WeakSet<Task>();
  const count = (task: Task) => {
    if (counted.has(task)) return;
    counted.add(task);
    const n = retriesOf(task);
    if (n > 0) retried(n);
  };
  let next = work.next();
  while (!next.done) {
    const task = next.value;
    let answer: unknown;
    try {
      answer = yield task;
    } catch (e) {
      count(task);
      next = work.throw(e);
      continue;
    }
    count(task);
    next = work.next(answer);
  }
  return next.value;
}
