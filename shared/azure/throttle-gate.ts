// One process's queue in front of ARM's throttling buckets. ARM counts requests per subscription,
// principal and class (reads, writes, deletes) in token buckets and answers 429
// SubscriptionRequestsThrottled + Retry-After once one is empty. Left alone, every activity of the
// process then retries on its own: a herd that wakes together at each Retry-After, where one
// request gets the new token and the others spend the SDK's retries, fall back to the activity's
// backoff of seconds to minutes and leave the bucket's tokens unused meanwhile. Behind a 429 this
// gate queues the process's requests of that bucket and paces them as the bucket refills: none
// before the 429's Retry-After, then one per refill interval (the longest Retry-After seen), and
// when a send is served with tokens left (x-ms-ratelimit-remaining-subscription-*) that many more at
// once. The pace is of sends, not of answers: an ARM write that takes seconds to answer holds no
// token meanwhile. A request the bucket refuses goes back to the head of the queue and is sent again
// in its turn, for up to `maxWaitMs`; after that its 429 goes to the SDK's retries and then the
// activity's, as without the gate. Once the queue has drained the bucket is open again. The queue is
// ordered by priority: an activity's ARM calls carry its orchestration's acceptance time
// (`armPriority`, set by orchestrations/durable.ts), so the oldest request's calls go first and
// clusters progress one after another rather than all in lockstep (each stage of every cluster
// before the next stage of any); calls without one queue by arrival. A call with slack (`armSlack`:
// work done in the wait of a long operation, needed only once it ends) spends only tokens nobody
// else needs: while the bucket is throttled, or when ARM said less than half the most tokens it has
// been seen to hold were left (within the last second), or when the bucket refuses it, it fails at
// once with ArmRequestDeferred (transient), unsent or unqueued, holding no activity slot, and its
// orchestration tries again later. One gate per process: a scaled-out app has one per instance.
import { AsyncLocalStorage } from "node:async_hooks";
import type { PipelinePolicy, PipelineResponse } from "@azure/core-rest-pipeline";
import { retryAfterMsOf } from "./retry-after.js";

/** ARM's subscription-level throttling answers (a resource provider's own 429s are left to the SDK). */
const BUCKET_CODES = /"code"\s*:\s*"(SubscriptionRequestsThrottled|TenantRequestsThrottled)"/;
/** How long one request may wait at the gate, its turns at the bucket included. */
const MAX_WAIT_MS = 60_000;
/** How long ARM's word on a bucket's tokens left is taken as current (it refills meanwhile). */
const REMAINING_FRESH_MS = 1_000;

/** The activity input field carrying its orchestration's acceptance time (ms since the epoch). */
export const ARM_PRIORITY = "armPriority";

/** The activity input field saying its ARM calls have slack: they never wait at the gate. */
export const ARM_SLACK = "armSlack";

const priorities = new AsyncLocalStorage<{ priority?: number; slack: boolean }>();

/**
 * Runs an activity with its input's `armPriority` as the priority of the ARM calls it makes, and
 * its `armSlack` as whether they may wait at the gate.
 */
export function withArmPriorityOf<T>(input: unknown, run: () => T): T {
  const fields = input as Record<string, unknown> | null | undefined;
  const p = fields?.[ARM_PRIORITY];
  const slack = fields?.[ARM_SLACK] === true;
  const priority = typeof p === "number" && Number.isFinite(p) ? p : undefined;
  return priority !== undefined || slack
    ? priorities.run({ ...(priority !== undefined ? { priority } : {}), slack }, run)
    : run();
}

/** A call with slack met a throttled bucket: not sent; its orchestration tries again later. */
export class ArmRequestDeferred extends Error {
  readonly code = "ArmRequestDeferred";

  constructor(bucket: string) {
    super(
      `ARM's ${bucket.slice(bucket.indexOf("/") + 1)} bucket for this subscription is throttled or ` +
        "running low; a call that can wait was not sent and will be tried again",
    );
  }
}

export type BucketClass = "reads" | "writes" | "deletes";

/** The ARM bucket a request spends from: its subscription and class. */
export function bucketOf(method: string, url: string): string | undefined {
  const m = /\/subscriptions\/([^/?]+)/i.exec(new URL(url).pathname);
  if (!m) return undefined;
  const cls: BucketClass =
    method === "GET" || method === "HEAD" ? "reads" : method === "DELETE" ? "deletes" : "writes";
  return `${m[1]!.toLowerCase()}/${cls}`;
}

/** The tokens ARM says a bucket has left (x-ms-ratelimit-remaining-subscription-<class>). */
function remainingOf(headers: { get(name: string): string | undefined }, key: string): number | undefined {
  const value = headers.get(`x-ms-ratelimit-remaining-subscription-${key.slice(key.indexOf("/") + 1)}`);
  const n = Number(value);
  return value !== undefined && Number.isFinite(n) ? n : undefined;
}

class Bucket {
  /** Set by a 429: sends queue and go paced; cleared once the queue has drained and a pace passed. */
  throttled = false;
  /** No send before this instant (a 429's Retry-After, then the pace). */
  notBefore = 0;
  /**
   * The wait between two sends while throttled: the longest Retry-After since the bucket was
   * throttled (a 429 just after a token was taken waits a whole refill interval; one just before the
   * next token, less), 10 ms to 1 s.
   */
  paceMs = 0;
  /** The tokens ARM last said the bucket had left, the most it has said, and when it last said. */
  private remaining: number | undefined;
  private peak = 0;
  private toldAt = 0;
  /** Waiting sends, lowest priority value (oldest) first. */
  private readonly queue: { priority: number; go: () => void }[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly now: () => number) {}

  get queued(): number {
    return this.queue.length;
  }

  /** Resolves when the request may be sent; `again` (refused by the bucket) goes before its equals. */
  acquire(priority: number, again = false): Promise<void> {
    if (!this.throttled) return Promise.resolve();
    return new Promise((go) => {
      let at = this.queue.length;
      while (
        at > 0 &&
        (again ? this.queue[at - 1]!.priority >= priority : this.queue[at - 1]!.priority > priority)
      )
        at--;
      this.queue.splice(at, 0, { priority, go });
      this.pump();
    });
  }

  /** The bucket refused a send: nothing more before its Retry-After, then one per that much. */
  refused(retryAfterMs: number): void {
    this.paceMs = Math.min(1000, Math.max(10, this.throttled ? this.paceMs : 0, retryAfterMs));
    this.throttled = true;
    this.notBefore = Math.max(this.notBefore, this.now() + retryAfterMs);
    this.pump();
  }

  /** Whether a call with slack must not be sent now: others wait, or ARM's tokens run low. */
  get spokenFor(): boolean {
    return (
      this.throttled ||
      (this.remaining !== undefined &&
        this.now() - this.toldAt < REMAINING_FRESH_MS &&
        this.remaining < this.peak / 2)
    );
  }

  /** The bucket served a send and says it has `remaining` tokens left: that many more go now. */
  served(remaining: number | undefined): void {
    if (remaining !== undefined) {
      this.remaining = remaining;
      this.peak = Math.max(this.peak, remaining);
      this.toldAt = this.now();
    }
    for (let n = remaining ?? 0; n > 0 && this.queue.length > 0; n--) this.queue.shift()!.go();
    this.pump();
  }

  private pump(): void {
    const wait = this.notBefore - this.now();
    // Open again once nothing waits and the pace has let the bucket refill.
    if (this.queue.length === 0 && wait <= 0) this.throttled = false;
    if (this.queue.length === 0 && !this.throttled) return;
    if (wait > 0) {
      if (!this.timer)
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, wait);
      return;
    }
    // One send per pace: the bucket's next token (the rest, if it has more, when this one is served).
    this.queue.shift()!.go();
    this.notBefore = this.now() + this.paceMs;
    this.pump();
  }
}

/** The process's gates, one per ARM bucket. */
export class ThrottleGate {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxWaitMs = MAX_WAIT_MS,
  ) {}

  /** Sends through the gate of the request's bucket (requests outside a subscription go straight). */
  async send(method: string, url: string, send: () => Promise<PipelineResponse>): Promise<PipelineResponse> {
    const key = bucketOf(method, url);
    if (!key) return send();
    let bucket = this.buckets.get(key);
    if (!bucket) this.buckets.set(key, (bucket = new Bucket(this.now)));
    const deadline = this.now() + this.maxWaitMs;
    const call = priorities.getStore();
    const priority = call?.priority ?? this.now();
    for (let again = false; ; again = true) {
      if (call?.slack && bucket.spokenFor) throw new ArmRequestDeferred(key);
      await bucket.acquire(priority, again);
      const response = await send();
      if (response.status === 429 && BUCKET_CODES.test(response.bodyAsText ?? "")) {
        const wait = retryAfterMsOf(response.headers);
        bucket.refused(wait);
        if (call?.slack) throw new ArmRequestDeferred(key);
        if (this.now() + wait <= deadline) continue;
      } else bucket.served(remainingOf(response.headers, key));
      return response;
    }
  }

  /** The bucket's state, for tests and diagnostics. */
  state(key: string): { throttled: boolean; queued: number } | undefined {
    const b = this.buckets.get(key);
    return b && { throttled: b.throttled, queued: b.queued };
  }

  /** The gate as a pipeline policy, placed after the SDK's retry policy: every attempt passes it. */
  policy(): PipelinePolicy {
    return {
      name: "aksvArmThrottleGate",
      sendRequest: (request, next) => this.send(request.method, request.url, () => next(request)),
    };
  }
}

/** The gate of this process: shared by every ARM client it creates. */
export const processThrottleGate = new ThrottleGate();
