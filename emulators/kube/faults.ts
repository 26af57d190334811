// Fault injection for the API servers, the Kubernetes counterpart of the Azure emulator's
// `/_emulator/faults`: a matching request is answered 429 TooManyRequests with Retry-After, a 5xx
// Status, or its connection is destroyed, before the cluster serves it. Used by the fault × step
// tests (seeding and verification under API-server errors); no rule is configured otherwise.

export interface KubeFaultRule {
  kind: "throttle" | "error" | "drop";
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
}

export class KubeFaults {
  private rules: Active[] = [];

  /** Replaces every rule. */
  configure(rules: KubeFaultRule[]): void {
    this.rules = rules.map((r) => ({ ...r, seen: 0, fired: 0 }));
  }

  /** Appends rules without resetting the others. */
  add(rules: KubeFaultRule[]): void {
    this.rules.push(...rules.map((r) => ({ ...r, seen: 0, fired: 0 })));
  }

  describe(): { rules: KubeFaultRule[]; fired: { index: number; seen: number; fired: number }[] } {
    return {
      rules: this.rules.map(({ seen: _s, fired: _f, ...r }) => r),
      fired: this.rules.map((r, index) => ({ index, seen: r.seen, fired: r.fired })),
    };
  }

  /** The fault to answer this request with instead of serving it, if any (and counts it). */
  check(method: string, path: string, clusterResourceId: string): KubeFault | undefined {
    for (const rule of this.rules) {
      if (rule.method && rule.method.toUpperCase() !== method.toUpperCase()) continue;
      if (rule.path && !new RegExp(rule.path, "i").test(path)) continue;
      if (rule.cluster && !new RegExp(rule.cluster, "i").test(clusterResourceId)) continue;
      rule.seen++;
      if (rule.seen <= (rule.skip ?? 0)) continue;
      if (rule.times !== undefined && rule.fired >= rule.times) continue;
      rule.fired++;
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
    return undefined;
  }
}
