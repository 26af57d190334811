// Host-side retries of callActivityWithRetry / callSubOrchestratorWithRetry, as DTFx's RetryInterceptor
// computes them: the delay before retry n (n = failed attempt, 1-based) is first · backoff^(n-1), capped at
// maxRetryInterval; after the last attempt, or once the retry timeout has passed, the timer fires at once.

export interface RetryOptions {
  firstRetryIntervalInMilliseconds: number;
  maxNumberOfAttempts: number;
  backoffCoefficient?: number;
  maxRetryIntervalInMilliseconds?: number;
  retryTimeoutInMilliseconds?: number;
}

export function retryDelayMs(options: RetryOptions, failedAttempt: number): number {
  const backoff =
    options.backoffCoefficient && options.backoffCoefficient > 0 ? options.backoffCoefficient : 1;
  let delay = options.firstRetryIntervalInMilliseconds * Math.pow(backoff, failedAttempt - 1);
  const cap = options.maxRetryIntervalInMilliseconds;
  if (cap !== undefined && cap > 0) delay = Math.min(delay, cap);
  return Math.max(0, delay);
}

export function retryTimedOut(options: RetryOptions, firstAttemptAt: number, now: number): boolean {
  const timeout = options.retryTimeoutInMilliseconds;
  return timeout !== undefined && timeout > 0 && now - firstAttemptAt >= timeout;
}

/** When the timer after `failedAttempt` fires; `now` when no retry will follow (DTFx's back-compat timer). */
export function retryFireAt(
  options: RetryOptions,
  failedAttempt: number,
  firstAttemptAt: number,
  now: number,
): number {
  if (failedAttempt >= options.maxNumberOfAttempts || retryTimedOut(options, firstAttemptAt, now)) return now;
  return now + retryDelayMs(options, failedAttempt);
}
