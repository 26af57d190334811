// Fault injection for the API servers, the Kubernetes counterpart of the Azure emulator's
// `/_emulator/faults`: a matching request is answered 429 TooManyRequests with Retry-After, a 5xx
// Status, or its connection is destroyed, before the cluster serves it; or it is held until released
// (kill tests fire while a request of seeding or verification is surely in flight). Used by the
// fault × step and kill tests; no rule is configured otherwise.
import { releaseHeld, stillHeld, type Held } from "../common/held-requests.js";

export interface KubeFaultRule {
  kind: "throttle" | "error" | "drop" | "hold";
  /** HTTP method to match (any when absent). */
  method?: string;
  /** Regular expression matched case-insensitively against the path within the cluster (`/api/v1/…`). */
  path?: string;
  /** Regular expression matched case-insensitively against the cluster's ARM resource id. */
  cluster?: string;
  /** Let this many matching requests through before the rule fires. */
  skip?: number;
  /** Fire at most this many times (unlimited when absent). */
  times?: number;
  /** error: 500 (default) or 503; throttle: 429. */
  status?: number;
  /** throttle: Retry-After in seconds (default 1). */
  retryAfterSeconds?: number;
}

export type KubeFault =
  | { kind: "drop" }
  | { kind: "respond"; status: number; reason: string; message: string; retryAfterSeconds?: number };

interface Active extends KubeFaultRule {
  seen: number;
  fired: number;
  /** hold: the requests it holds; `open` tells whether the client is still connected. */
  held: Held[];
}

export class KubeFaults {
  private rules: Active[] = [];

  /** Replaces every rule. */
  configure(rules: KubeFaultRule[]): void {
    this.rules.forEach((_, i) => this.release(i)); // no request stays held by a rule that is gone
    this.rules = rules.map((r) => ({ ...r, seen: 0, fired: 0, held: [] }));
  }

  /** Appends rules without resetting the others; returns their indexes. */
  add(rules: KubeFaultRule[]): number[] {
    const first = this.rules.length;
    this.rules.push(...rules.map((r) => ({ ...r, seen: 0, fired: 0, held: [] })));
    return rules.map((_, i) => first + i);
  }

  describe(): { rules: KubeFaultRule[]; fired: { index: number; seen: number; fired: number }[] } {
    return {
      rules: this.rules.map(({ seen: _s, fired: _f, held: _h, ...r }) => r),
      fired: this.rules.map((r, index) => ({ index, seen: r.seen, fired: r.fired })),
    };
  }

  /** The requests a hold rule holds now whose clients are still connected. */
  holding(index: number): { open: () => boolean }[] {
    return stillHeld(this.rules[index]);
  }

  /** Serves every request a hold rule holds and retires the rule: it holds nothing more. */
  release(index: number): void {
    releaseHeld(this.rules[index]);
  }

  /** Holds this request until released when a hold rule fires (`open`: the client is connected). */
  hold(
    method: string,
    path: string,
    clusterResourceId: string,
    open: () => boolean,
  ): Promise<void> | undefined {
    const rule = this.fire(["hold"], method, path, clusterResourceId);
    return rule && new Promise((serve) => rule.held.push({ open, serve }));
  }

  private fire(kinds: KubeFaultRule["kind"][], method: string, path: string, cluster: string) {
    for (const rule of this.rules) {
      if (!kinds.includes(rule.kind)) continue;
      if (rule.method && rule.method.toUpperCase() !== method.toUpperCase()) continue;
      if (rule.path && !new RegExp(rule.path, "i").test(path)) continue;
      if (rule.cluster && !new RegExp(rule.cluster, "i").test(cluster)) continue;
      rule.seen++;
      if (rule.seen <= (rule.skip ?? 0)) continue;
      if (rule.times !== undefined && rule.fired >= rule.times) continue;
      rule.fired++;
      return rule;
    }
    return undefined;
  }

  /** The fault to answer this request with instead of serving it, if any (and counts it). */
  check(method: string, path: string, clusterResourceId: string): KubeFault | undefined {
    const rule = this.fire(["throttle", "error", "drop"], method, path, clusterResourceId);
    if (!rule) return undefined;
    if (rule.kind === "drop") return { kind: "drop" };
    if (rule.kind === "throttle")
      return {
        kind: "respond",
        status: 429,
        reason: "TooManyRequests",
        message: "the server has received too many requests and has asked us to try again later",
        retryAfterSeconds: rule.retryAfterSeconds ?? 1,
      };
    const status = rule.status ?? 500;
    return {
      kind: "respond",
      status,
      reason: status === 503 ? "ServiceUnavailable" : "InternalError",
      message: "an error on the server (emulated fault) has prevented the request from succeeding",
    };
  }
}
