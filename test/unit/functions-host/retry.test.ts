import { test } from "node:test";
import assert from "node:assert/strict";
import { retryDelayMs, retryFireAt, retryTimedOut } from "../../../emulators/functions-host/durable/retry.js";

test("retry delays grow by the backoff coefficient and stop at the maximum interval", () => {
  const o = {
    firstRetryIntervalInMilliseconds: 1000,
    maxNumberOfAttempts: 6,
    backoffCoefficient: 2,
    maxRetryIntervalInMilliseconds: 5000,
  };
  assert.deepEqual(
    [1, 2, 3, 4, 5].map((n) => retryDelayMs(o, n)),
    [1000, 2000, 4000, 5000, 5000],
  );
  assert.equal(
    retryDelayMs({ firstRetryIntervalInMilliseconds: 300, maxNumberOfAttempts: 3 }, 3),
    300,
    "no backoff: constant",
  );
});

test("after the last attempt, or past the retry timeout, the retry timer fires at once", () => {
  const o = {
    firstRetryIntervalInMilliseconds: 1000,
    maxNumberOfAttempts: 3,
    retryTimeoutInMilliseconds: 10_000,
  };
  assert.equal(retryFireAt(o, 1, 0, 100), 1100);
  assert.equal(retryFireAt(o, 3, 0, 100), 100, "last attempt");
  assert.equal(retryTimedOut(o, 0, 10_000), true);
  assert.equal(retryFireAt(o, 1, 0, 10_000), 10_000, "timeout passed");
  assert.equal(
    retryTimedOut({ firstRetryIntervalInMilliseconds: 1, maxNumberOfAttempts: 2 }, 0, 1e12),
    false,
  );
});
