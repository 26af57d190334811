// The fault injector is deterministic under a seed and honours skip/times/matching.
import { test } from "node:test";
import assert from "node:assert/strict";
import { FaultInjector, throttlingFromEnv } from "../../../emulators/azure/core/faults.js";

const facts = (path: string) => ({ method: "GET", path, operation: "read" as const, subscriptionId: "s" });

test("probabilistic faults repeat exactly under the same seed and differ under another", () => {
  const pattern = (seed: number) => {
    const f = new FaultInjector({ seed, rules: [{ kind: "error", status: 503, probability: 0.5 }] });
    return Array.from({ length: 40 }, (_, i) => (f.requestFault(facts(`/r${i}`)) ? "x" : ".")).join("");
  };
  assert.equal(pattern(42), pattern(42));
  assert.notEqual(pattern(42), pattern(43));
  assert.match(pattern(42), /x/);
  assert.match(pattern(42), /\./);
});

test("skip, times, method and path select which requests fail", () => {
  const f = new FaultInjector({
    rules: [
      { kind: "throttle", method: "GET", path: "managedClusters", skip: 1, times: 2, retryAfterSeconds: 3 },
    ],
  });
  const results = Array.from({ length: 5 }, () => f.requestFault(facts("/x/managedClusters/a")));
  assert.deepEqual(
    results.map((r) => (r && r.kind === "respond" ? r.status : 0)),
    [0, 429, 429, 0, 0],
  );
  const first = results[1];
  assert.ok(first && first.kind === "respond" && first.retryAfterSeconds === 3);
  assert.equal(f.requestFault(facts("/x/virtualNetworks/a")), undefined);
  assert.equal(f.requestFault({ ...facts("/x/managedClusters/a"), method: "PUT" }), undefined);
});

test("the token bucket refills at its rate", () => {
  let now = 0;
  const f = new FaultInjector(
    { throttling: { enabled: true, writes: { burst: 2, perSecond: 1 } } },
    () => now,
  );
  const put = { method: "PUT", path: "/x", operation: "write" as const, subscriptionId: "s" };
  assert.equal(f.requestFault(put), undefined);
  assert.equal(f.requestFault(put), undefined);
  const throttled = f.requestFault(put);
  assert.ok(
    throttled &&
      throttled.kind === "respond" &&
      throttled.status === 429 &&
      throttled.retryAfterSeconds === 1,
  );
  now += 1000;
  assert.equal(f.requestFault(put), undefined);
});

test("with aks throttling, a cluster takes 20 PUTs at once and then one a minute (429 Throttled)", () => {
  let now = 0;
  const f = new FaultInjector({ throttling: { enabled: true, aks: true } }, () => now);
  const put = (name: string) => ({
    method: "PUT",
    path: `/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/${name}`,
    operation: "write" as const,
    subscriptionId: "s",
  });
  for (let i = 0; i < 20; i++) assert.equal(f.requestFault(put("a")), undefined);
  const throttled = f.requestFault(put("a"));
  assert.ok(
    throttled &&
      throttled.kind === "respond" &&
      throttled.code === "Throttled" &&
      throttled.retryAfterSeconds === 60,
  );
  assert.equal(f.requestFault(put("b")), undefined, "buckets are per cluster");
  now += 60_000;
  assert.equal(f.requestFault(put("a")), undefined);
});

test("ARM's buckets have the documented sizes and are per subscription and principal", () => {
  const f = new FaultInjector({ throttling: { enabled: true } }, () => 0);
  const write = (principal: string, subscriptionId = "s") => ({
    method: "PUT",
    path: "/x",
    operation: "write" as const,
    subscriptionId,
    principal,
  });
  const read = {
    method: "GET",
    path: "/x",
    operation: "read" as const,
    subscriptionId: "s",
    principal: "app",
  };
  for (let i = 0; i < 200; i++) assert.equal(f.requestFault(write("app")), undefined, `write ${i}`);
  const throttled = f.requestFault(write("app"));
  assert.deepEqual(throttled && throttled.kind === "respond" && [throttled.status, throttled.code], [
    429,
    "SubscriptionRequestsThrottled",
  ]);
  // 10 writes per second: the next token is 0.1 s away, Retry-After's whole seconds say 1.
  assert.ok(throttled?.kind === "respond" && throttled.retryAfterSeconds === 1 && !throttled.retryAfterMs);
  assert.deepEqual(f.remaining(write("app")), {
    header: "x-ms-ratelimit-remaining-subscription-writes",
    value: 0,
  });
  // Another principal, another subscription, and the reads have buckets of their own.
  assert.equal(f.requestFault(write("someone-else")), undefined);
  assert.equal(f.requestFault(write("app", "other-subscription")), undefined);
  assert.deepEqual(f.remaining(read), { header: "x-ms-ratelimit-remaining-subscription-reads", value: 250 });
});

test("in scaled time a bucket refills per emulated second and a 429's wait is scaled", () => {
  let now = 0;
  // Time scale 0.01: 10 writes per emulated second are 1,000 per wall second.
  const f = new FaultInjector(
    { throttling: { enabled: true, writes: { burst: 1, perSecond: 10 } } },
    () => now,
    0.01,
  );
  const put = { method: "PUT", path: "/x", operation: "write" as const, subscriptionId: "s", principal: "p" };
  assert.equal(f.requestFault(put), undefined);
  const throttled = f.requestFault(put);
  // 0.1 emulated s = 1 wall ms: Retry-After cannot say less than 1 s, x-ms-retry-after-ms says 1 ms.
  assert.ok(
    throttled?.kind === "respond" && throttled.retryAfterSeconds === 1 && throttled.retryAfterMs === 1,
  );
  now += 1;
  assert.equal(f.requestFault(put), undefined);
});

test("AKSV_ARM_THROTTLING switches the buckets on (off by default)", () => {
  assert.equal(throttlingFromEnv({}), undefined);
  assert.equal(throttlingFromEnv({ AKSV_ARM_THROTTLING: "off" }), undefined);
  assert.deepEqual(throttlingFromEnv({ AKSV_ARM_THROTTLING: "on" }), { enabled: true });
  assert.deepEqual(throttlingFromEnv({ AKSV_ARM_THROTTLING: "aks" }), { enabled: true, aks: true });
  assert.throws(() => throttlingFromEnv({ AKSV_ARM_THROTTLING: "sometimes" }), /AKSV_ARM_THROTTLING/);
});
