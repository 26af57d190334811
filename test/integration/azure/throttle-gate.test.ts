// The process's throttle gate (shared/azure/throttle-gate.ts) in front of ARM's write bucket, seen
// through the real SDK against the emulator's buckets: twenty writes at once into a bucket of two,
// refilled one token per ~100 ms, with the app's SDK retries (4). Without the gate the herd spends
// its retries on 429s and most writes fail; behind it they queue and all are served, with fewer 429s.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ResourceManagementClient } from "@azure/arm-resources";
import type { RestError } from "@azure/core-rest-pipeline";
import { LOCATION, sdkOptions } from "../../../harness/azure.js";
import { retryAfterMsOf } from "../../../shared/azure/retry-after.js";
import { bucketOf, ThrottleGate, withArmPriorityOf } from "../../../shared/azure/throttle-gate.js";
import { eventually, startForTest } from "./helpers.js";

const WRITES = 20;

async function burst(
  c: Awaited<ReturnType<typeof startForTest>>,
  gate: ThrottleGate | undefined,
  tag: string,
) {
  const client = new ResourceManagementClient(c.credential, c.sub, {
    ...sdkOptions(c.emulator, 4),
    ...(gate ? { additionalPolicies: [{ position: "perRetry" as const, policy: gate.policy() }] } : {}),
  });
  const before = c.emulator.recorder.query({ method: "PUT", path: `/rg-${tag}-` }).length;
  const outcomes = await Promise.allSettled(
    Array.from({ length: WRITES }, (_, i) =>
      client.resourceGroups.createOrUpdate(`rg-${tag}-${i}`, { location: LOCATION }),
    ),
  );
  const attempts = c.emulator.recorder.query({ method: "PUT", path: `/rg-${tag}-` }).slice(before);
  return {
    served: outcomes.filter((o) => o.status === "fulfilled").length,
    refused: outcomes
      .filter((o): o is PromiseRejectedResult => o.status === "rejected")
      .map((o) => (o.reason as RestError).statusCode),
    throttled: attempts.filter((a) => a.status === 429).length,
  };
}

/**
 * An emulator with a write bucket of `writes`, and resource group PUTs through one gate, each run
 * as an activity whose input has `fields` (armPriority, armSlack); `sent` counts a name's PUTs.
 */
async function gatedWrites(
  t: Parameters<typeof startForTest>[0],
  writes: { burst: number; perSecond: number },
) {
  const c = await startForTest(t, { faults: { throttling: { enabled: true, writes } } });
  const gate = new ThrottleGate();
  const client = new ResourceManagementClient(c.credential, c.sub, {
    ...sdkOptions(c.emulator, 4),
    additionalPolicies: [{ position: "perRetry", policy: gate.policy() }],
  });
  const put = (name: string, fields: Record<string, unknown> = {}) =>
    withArmPriorityOf(fields, () => client.resourceGroups.createOrUpdate(name, { location: LOCATION }));
  const sent = (name: string) => c.emulator.recorder.query({ method: "PUT", path: `/${name}` }).length;
  const key = bucketOf("PUT", `${c.emulator.url}/subscriptions/${c.sub}/resourcegroups/x`)!;
  return { c, gate, put, sent, key };
}

test("behind a 429 the gate queues the process's writes: all served, where the herd without it spends its retries", async (t) => {
  // Time scale 0.002: 0.02 tokens per emulated second is one every 100 wall ms.
  const c = await startForTest(t, {
    faults: { throttling: { enabled: true, writes: { burst: 2, perSecond: 0.02 } } },
  });

  const herd = await burst(c, undefined, "herd");
  assert.ok(herd.refused.length > WRITES / 2, `without the gate ${herd.refused.length} of ${WRITES} refused`);
  assert.ok(herd.refused.every((s) => s === 429));

  const gate = new ThrottleGate();
  const gated = await burst(c, gate, "gated");
  assert.deepEqual(gated.refused, []);
  assert.equal(gated.served, WRITES);
  // Fewer requests spent on 429s than the herd's, although all of them were served.
  assert.ok(
    gated.throttled < herd.throttled,
    `429s: ${gated.throttled} behind the gate, ${herd.throttled} without`,
  );
  // Drained: nothing queued, and the bucket opens again once a refill interval has passed.
  const key = bucketOf("PUT", `${c.emulator.url}/subscriptions/${c.sub}/resourcegroups/x`)!;
  assert.equal(gate.state(key)!.queued, 0);
  await eventually(() => gate.state(key)!.throttled === false, "the bucket opens again");
});

test("behind a 429 the oldest request's calls go first: the queue is ordered by the activities' armPriority", async (t) => {
  const { c, put } = await gatedWrites(t, { burst: 1, perSecond: 0.02 });
  // Sent newest first, as an activity of each of six orchestrations accepted at times 1..6 would.
  const priorities = [6, 5, 4, 3, 2, 1];
  await Promise.all(priorities.map((p) => put(`rg-prio-${p}`, { armPriority: p })));
  const served = c.emulator.recorder
    .query({ method: "PUT", path: "/rg-prio-" })
    .filter((r) => r.status < 300)
    .map((r) => Number(/rg-prio-(\d)/.exec(r.path)![1]));
  // The first took the bucket's one token before any 429; the others were served oldest first.
  assert.equal(served.length, 6);
  assert.deepEqual(
    served.slice(1),
    [...served.slice(1)].sort((a, b) => a - b),
  );
  assert.deepEqual(new Set(served), new Set(priorities));
});

test("a call with slack never waits at a throttled bucket: it is deferred at once, unsent, and the queue keeps its turn", async (t) => {
  const { gate, put: write, sent, key } = await gatedWrites(t, { burst: 1, perSecond: 0.02 });
  const put = (name: string, slack: boolean) =>
    write(name, { armPriority: 1, ...(slack ? { armSlack: true } : {}) });
  // The bucket's one token goes to the first write; the slack one that meets the empty bucket is
  // refused once by ARM and deferred, not queued.
  await put("rg-slack-first", false);
  await assert.rejects(put("rg-slack-refused", true), (e: Error & { code?: string }) => {
    assert.equal(e.code, "ArmRequestDeferred");
    assert.match(e.message, /writes bucket for this subscription is throttled or running low/);
    return true;
  });
  assert.equal(sent("rg-slack-refused"), 1, "sent once, not retried");
  // Now the bucket is throttled: writes without slack queue and are all served...
  const queued = Promise.all([put("rg-slack-q1", false), put("rg-slack-q2", false)]);
  // ...while one with slack is deferred before it is sent.
  await assert.rejects(put("rg-slack-deferred", true), { code: "ArmRequestDeferred" });
  assert.equal(sent("rg-slack-deferred"), 0, "never sent");
  await queued;
  assert.equal(gate.state(key)!.queued, 0);
  // Once the bucket is open again, a call with slack goes as any other.
  await eventually(() => gate.state(key)!.throttled === false, "the bucket opens again");
  await eventually(async () => {
    try {
      await put("rg-slack-later", true);
      return true;
    } catch {
      return false;
    }
  }, "a slack write is served once the bucket has a token");
});

test("a call with slack leaves the last half of the bucket's tokens to the others", async (t) => {
  // One token every two wall seconds: the bucket barely refills while the test writes.
  const { c, put: write, sent } = await gatedWrites(t, { burst: 10, perSecond: 0.001 });
  const put = (name: string, slack: boolean) => write(name, slack ? { armSlack: true } : {});
  // ARM says 9 left after the first write: a slack one goes while at least half of that is left.
  await put("rg-low-0", false);
  await put("rg-low-slack-1", true);
  for (let i = 1; i <= 4; i++) await put(`rg-low-${i}`, false);
  // 4 left of the 9 seen: below half. Not sent, although the bucket would have served it.
  await assert.rejects(put("rg-low-slack-2", true), { code: "ArmRequestDeferred" });
  assert.equal(sent("rg-low-slack-2"), 0);
  await put("rg-low-5", false);
  assert.deepEqual(
    c.emulator.recorder
      .query({ method: "PUT", path: "/rg-low-" })
      .map((r) => r.status >= 200 && r.status < 300),
    Array(7).fill(true),
    "every write sent was served: none was throttled",
  );
});

test("a bucket is a subscription's reads, writes or deletes; requests outside a subscription pass by", () => {
  const u = "https://management.azure.com/subscriptions/SUB-1/resourceGroups/rg?api-version=1";
  assert.equal(bucketOf("GET", u), "sub-1/reads");
  assert.equal(bucketOf("PUT", u), "sub-1/writes");
  assert.equal(bucketOf("PATCH", u), "sub-1/writes");
  assert.equal(bucketOf("POST", u), "sub-1/writes");
  assert.equal(bucketOf("DELETE", u), "sub-1/deletes");
  assert.equal(bucketOf("GET", "https://login.microsoftonline.com/tenant/oauth2/v2.0/token"), undefined);
});

test("a 429's wait: the millisecond headers first, then Retry-After's seconds or date, else 1 s", () => {
  const h = (o: Record<string, string>) => ({ get: (n: string) => o[n] });
  assert.equal(retryAfterMsOf(h({ "retry-after-ms": "50", "retry-after": "1" })), 50);
  assert.equal(retryAfterMsOf(h({ "x-ms-retry-after-ms": "75" })), 75);
  assert.equal(retryAfterMsOf(h({ "retry-after": "3" })), 3000);
  assert.equal(retryAfterMsOf(h({ "retry-after": new Date(10_000).toUTCString() }), 8_000), 2000);
  assert.equal(retryAfterMsOf(h({ "retry-after-ms": "" })), 1000);
  assert.equal(retryAfterMsOf(h({})), 1000);
});
