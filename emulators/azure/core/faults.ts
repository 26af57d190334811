// Fault injection, deterministic under a seed: request faults (429 + Retry-After, 5xx, dropped
// connections), provisioning faults (an LRO that ends Failed with a chosen code, slower creates),
// and ARM's token-bucket throttling with its documented limits (per subscription and principal), in
// emulated time like every other duration the emulator simulates.
import type { OperationKind } from "./router.js";
import { releaseHeld, stillHeld, type Held } from "../../common/held-requests.js";

export type FaultKind = "throttle" | "error" | "drop" | "provisioningFailure" | "slow" | "hold";

export interface FaultRule {
  kind: FaultKind;
  /** HTTP method to match (any when absent). */
  method?: string;
  /** Regular expression matched case-insensitively against the request path. */
  path?: string;
  /** read | write | delete | action. */
  operation?: OperationKind;
  /** Resource type, e.g. "Microsoft.ContainerService/managedClusters" (case-insensitive). */
  resourceType?: string;
  /**
   * Regular expression matched case-insensitively against the id of the resource whose long-running
   * operation a status or result poll reads: a rule with it matches only those polls, so a fault
   * can target one resource's polls although operation URLs name no resource.
   */
  operationOf?: string;
  /** Let this many matching requests through before the rule fires. */
  skip?: number;
  /** Fire at most this many times (unlimited when absent). */
  times?: number;
  /** Fire with this probability (seeded), 1 when absent. */
  probability?: number;
  /** throttle and error: HTTP status (throttle 429; error 500 by default). */
  status?: number;
  /** ARM error code in the body (throttle: TooManyRequests; error: InternalServerError/ServiceUnavailable). */
  code?: string;
  message?: string;
  /** Retry-After header in seconds (throttle: 1 by default; error: none by default). */
  retryAfterSeconds?: number;
  /** slow: latency multiplier. */
  factor?: number;
  /** hold: wall seconds the request waits before it is served (kill tests aim at a request in flight). */
  seconds?: number;
  /**
   * hold: wait until `release` instead of `seconds`, so that a kill test fires while the request is
   * surely in flight, however loaded the machine.
   */
  untilReleased?: boolean;
}

export interface ThrottlingConfig {
  enabled: boolean;
  /** Also apply the AKS resource provider's own buckets (per cluster PUT/GET, operation status). */
  aks?: boolean;
  /** Bucket size and refill per second for each operation class (ARM's documented defaults). */
  reads?: { burst: number; perSecond: number };
  writes?: { burst: number; perSecond: number };
  deletes?: { burst: number; perSecond: number };
}

export interface FaultConfig {
  seed?: number;
  rules?: FaultRule[];
  throttling?: ThrottlingConfig;
}

export interface RequestFacts {
  method: string;
  path: string;
  operation: OperationKind;
  resourceType?: string;
  subscriptionId?: string;
  /** For an operation status or result poll: the id of the resource the operation is for. */
  operationOf?: string;
  /** The authenticated caller's object id: ARM's buckets are per subscription and principal. */
  principal?: string;
}

/** What the fault injector decided for one write: a failure for its operation, a slow-down. */
export interface ProvisioningFault {
  failWith?: { code: string; message: string };
  factor: number;
}

/**
 * Asks the fault injector, once, when a write has passed validation (a rejected request does not use
 * up a rule's `times`).
 */
export type FaultCheck = () => ProvisioningFault;

/** ARM's throttling from the environment: AKSV_ARM_THROTTLING=on (ARM's buckets), aks (and the AKS RP's), off. */
export function throttlingFromEnv(env: NodeJS.ProcessEnv = process.env): ThrottlingConfig | undefined {
  const v = (env["AKSV_ARM_THROTTLING"] ?? "").trim().toLowerCase();
  if (v === "" || v === "off" || v === "false" || v === "0") return undefined;
  if (v === "on" || v === "true" || v === "1") return { enabled: true };
  if (v === "aks") return { enabled: true, aks: true };
  throw new Error(`AKSV_ARM_THROTTLING must be on, aks or off, got "${v}"`);
}

export const NO_FAULT: FaultCheck = () => ({ factor: 1 });

export type RequestFault =
  | {
      kind: "respond";
      status: number;
      code: string;
      message: string;
      retryAfterSeconds?: number;
      /** The exact wall wait, when it is shorter than Retry-After's whole seconds (scaled time). */
      retryAfterMs?: number;
    }
  | { kind: "drop" };

const ARM_LIMITS = {
  reads: { burst: 250, perSecond: 25 },
  writes: { burst: 200, perSecond: 10 },
  deletes: { burst: 200, perSecond: 10 },
};

// AKS RP buckets (docs/arm-and-aks.md, throttling): key = the path prefix they count per.
const AKS_LIMITS: { method: string; path: RegExp; burst: number; perSecond: number; what: string }[] = [
  {
    method: "PUT",
    path: /^(.*\/managedclusters\/[^/]+)$/i,
    burst: 20,
    perSecond: 1 / 60,
    what: "PUT ManagedCluster",
  },
  {
    method: "GET",
    path: /^(.*\/managedclusters\/[^/]+)$/i,
    burst: 60,
    perSecond: 1,
    what: "GET ManagedCluster",
  },
  {
    method: "GET",
    path: /^(\/subscriptions\/[^/]+)\/providers\/microsoft\.containerservice\/locations\/[^/]+\/operations\/[^/]+$/i,
    burst: 200,
    perSecond: 2,
    what: "GET operation status",
  },
];

/** mulberry32: small, fast, seedable. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface ActiveRule extends FaultRule {
  seen: number;
  fired: number;
  held: Held[];
}

interface Bucket {
  tokens: number;
  at: number;
}

export class FaultInjector {
  private rules: ActiveRule[] = [];
  private random: () => number = prng(1);
  private seed = 1;
  private throttling: ThrottlingConfig = { enabled: false };
  private readonly buckets = new Map<string, Bucket>();

  /**
   * `now` is wall time; `scale` the time scale (wall seconds per emulated second): buckets refill at
   * their rate per emulated second, and a 429's wait is emulated time turned into wall time.
   */
  constructor(
    config: FaultConfig = {},
    private readonly now: () => number = Date.now,
    private readonly scale: number = 1,
  ) {
    this.configure(config);
  }

  configure(config: FaultConfig): void {
    this.seed = config.seed ?? this.seed;
    this.random = prng(this.seed);
    this.rules.forEach((_, i) => this.release(i)); // no request stays held by a rule that is gone
    this.rules = (config.rules ?? []).map((r) => ({ ...r, seen: 0, fired: 0, held: [] }));
    this.throttling = config.throttling ?? { enabled: false };
    this.buckets.clear();
  }

  /** Appends rules without resetting the others; returns their indexes. */
  add(rules: FaultRule[]): number[] {
    const first = this.rules.length;
    this.rules.push(...rules.map((r) => ({ ...r, seen: 0, fired: 0, held: [] })));
    return rules.map((_, i) => first + i);
  }

  describe(): FaultConfig & { fired: { index: number; kind: FaultKind; seen: number; fired: number }[] } {
    return {
      seed: this.seed,
      rules: this.rules.map(({ seen: _s, fired: _f, held: _h, ...r }) => r),
      throttling: this.throttling,
      fired: this.rules.map((r, index) => ({ index, kind: r.kind, seen: r.seen, fired: r.fired })),
    };
  }

  /**
   * The requests an `untilReleased` hold rule holds now whose clients are still connected: each
   * tells, later, whether its client still is (a kill test waits for them to go).
   */
  holding(index: number): { open: () => boolean }[] {
    return stillHeld(this.rules[index]);
  }

  /** Serves every request a hold rule holds and retires the rule: it holds nothing more. */
  release(index: number): void {
    releaseHeld(this.rules[index]);
  }

  private matches(rule: ActiveRule, facts: RequestFacts): boolean {
    if (rule.method && rule.method.toUpperCase() !== facts.method) return false;
    if (rule.operation && rule.operation !== facts.operation) return false;
    if (rule.resourceType && rule.resourceType.toLowerCase() !== facts.resourceType?.toLowerCase())
      return false;
    if (rule.path && !new RegExp(rule.path, "i").test(facts.path)) return false;
    if (rule.operationOf !== undefined)
      return facts.operationOf !== undefined && new RegExp(rule.operationOf, "i").test(facts.operationOf);
    return true;
  }

  /** Decides whether a rule of one of `kinds` fires for this request (and counts it). */
  private fire(kinds: FaultKind[], facts: RequestFacts): ActiveRule | undefined {
    for (const rule of this.rules) {
      if (!kinds.includes(rule.kind) || !this.matches(rule, facts)) continue;
      rule.seen++;
      if (rule.seen <= (rule.skip ?? 0)) continue;
      if (rule.times !== undefined && rule.fired >= rule.times) continue;
      if (rule.probability !== undefined && this.random() >= rule.probability) continue;
      rule.fired++;
      return rule;
    }
    return undefined;
  }

  /**
   * Holds this request when a `hold` rule fires: resolves after its `seconds`, or on `release` for
   * an `untilReleased` rule. `open` tells whether the request's client is still connected.
   */
  hold(facts: RequestFacts, open: () => boolean): Promise<void> | undefined {
    const rule = this.fire(["hold"], facts);
    if (!rule) return undefined;
    if (rule.untilReleased) return new Promise((serve) => rule.held.push({ open, serve }));
    return new Promise((r) => setTimeout(r, (rule.seconds ?? 5) * 1000));
  }

  /** A fault to answer this request with instead of serving it, if any. */
  requestFault(facts: RequestFacts): RequestFault | undefined {
    const throttled = this.takeToken(facts);
    if (throttled) return throttled;
    const rule = this.fire(["throttle", "error", "drop"], facts);
    if (!rule) return undefined;
    if (rule.kind === "drop") return { kind: "drop" };
    if (rule.kind === "throttle")
      return {
        kind: "respond",
        status: rule.status ?? 429,
        code: rule.code ?? "TooManyRequests",
        message:
          rule.message ?? "The request is being throttled as the limit has been reached for operation type.",
        retryAfterSeconds: rule.retryAfterSeconds ?? 1,
      };
    const status = rule.status ?? 500;
    return {
      kind: "respond",
      status,
      code: rule.code ?? (status === 503 ? "ServiceUnavailable" : "InternalServerError"),
      message: rule.message ?? "Encountered internal server error. Diagnostic information: emulated fault.",
      ...(rule.retryAfterSeconds !== undefined ? { retryAfterSeconds: rule.retryAfterSeconds } : {}),
    };
  }

  /** Provisioning faults for a write that starts a long-running operation. */
  provisioning(facts: RequestFacts): ProvisioningFault {
    const failure = this.fire(["provisioningFailure"], facts);
    const slow = this.fire(["slow"], facts);
    return {
      ...(failure
        ? {
            failWith: {
              code: failure.code ?? "QuotaExceeded",
              message:
                failure.message ??
                "Operation could not be completed as it results in exceeding approved Total Regional Cores quota.",
            },
          }
        : {}),
      factor: slow?.factor ?? 1,
    };
  }

  private bucketLimits(op: OperationKind) {
    const cls = op === "read" ? "reads" : op === "delete" ? "deletes" : "writes";
    return { cls, limits: this.throttling[cls] ?? ARM_LIMITS[cls] };
  }

  private refill(key: string, limits: { burst: number; perSecond: number }): Bucket {
    const now = this.now();
    const b = this.buckets.get(key) ?? { tokens: limits.burst, at: now };
    // Elapsed emulated seconds: at time scale 0.01 a bucket refills 100 times as fast in wall time.
    b.tokens = Math.min(limits.burst, b.tokens + ((now - b.at) / 1000 / this.scale) * limits.perSecond);
    b.at = now;
    this.buckets.set(key, b);
    return b;
  }

  /** x-ms-ratelimit-remaining-subscription-{reads,writes,deletes} for this request's class. */
  remaining(facts: RequestFacts): { header: string; value: number } {
    const { cls, limits } = this.bucketLimits(facts.operation);
    const b = this.refill(armBucket(facts, cls), limits);
    return {
      header: `x-ms-ratelimit-remaining-subscription-${cls}`,
      value: Math.max(0, Math.floor(b.tokens)),
    };
  }

  private takeToken(facts: RequestFacts): RequestFault | undefined {
    return this.takeArmToken(facts) ?? (this.throttling.aks ? this.takeAksToken(facts) : undefined);
  }

  private takeAksToken(facts: RequestFacts): RequestFault | undefined {
    for (const limit of AKS_LIMITS) {
      const m = limit.method === facts.method ? limit.path.exec(facts.path) : null;
      if (!m) continue;
      const rate =
        limit.perSecond < 1 ? `1 per ${Math.round(1 / limit.perSecond)} s` : `${limit.perSecond} per s`;
      return this.spend(
        `aks:${limit.what}:${m[1]!.toLowerCase()}`,
        limit,
        "Throttled",
        `The request was throttled by the AKS resource provider (${limit.what}: ${limit.burst} burst, ${rate}).`,
      );
    }
    return undefined;
  }

  private takeArmToken(facts: RequestFacts): RequestFault | undefined {
    if (!this.throttling.enabled) return undefined;
    const { cls, limits } = this.bucketLimits(facts.operation);
    return this.spend(
      armBucket(facts, cls),
      limits,
      "SubscriptionRequestsThrottled",
      `Number of '${cls}' requests for subscription '${facts.subscriptionId ?? ""}' exceeded the limit.`,
    );
  }

  /** Takes a token from a bucket, or answers 429 with the time until the next one. */
  private spend(
    key: string,
    limits: { burst: number; perSecond: number },
    code: string,
    message: string,
  ): RequestFault | undefined {
    const b = this.refill(key, limits);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return undefined;
    }
    // The wait for the next token, in emulated seconds, then wall time. Retry-After is whole seconds
    // (delta-seconds), at least 1; when scaled time makes the wait shorter than that, the exact wall
    // wait also goes in x-ms-retry-after-ms (an Azure header the SDKs' throttling policy prefers),
    // so a scaled run waits as long as ARM would make a real one wait, scaled.
    const wallMs = ((1 - b.tokens) / limits.perSecond) * this.scale * 1000;
    const retryAfterSeconds = Math.max(1, Math.ceil(wallMs / 1000));
    return {
      kind: "respond",
      status: 429,
      code,
      message,
      retryAfterSeconds,
      ...(wallMs < retryAfterSeconds * 1000 && this.scale < 1 ? { retryAfterMs: Math.ceil(wallMs) } : {}),
    };
  }
}

/** ARM's bucket of a request: per subscription, principal and operation class. */
function armBucket(facts: RequestFacts, cls: string): string {
  return `${facts.subscriptionId ?? "-"}/${facts.principal ?? "-"}/${cls}`;
}
