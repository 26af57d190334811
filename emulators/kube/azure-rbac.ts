// Where a cluster with Azure RBAC for Kubernetes authorization learns its role assignments: the
// Azure emulator holds them (as Azure does) and answers them, with the role definitions they name,
// at the access URL the cluster was registered with. Kept for a short while (AKS's webhook caches
// too); a refusal is decided again on a fresh read, so a grant just made is honoured at once while a
// revocation takes effect within the cache time.
import { request } from "node:https";
import type { AzureRbacPolicy } from "./authz.js";

export interface AccessEndpoint {
  url: string;
  /** PEM of the CA that signs the Azure emulator's certificate. */
  ca: string;
}

const CACHE_MS = 2_000;

function fetchJson(url: string, ca: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "GET", ca, timeout: 10_000 }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => {
        if (res.statusCode !== 200)
          return reject(new Error(`HTTP ${res.statusCode} from ${url}: ${text.slice(0, 200)}`));
        try {
          resolve(JSON.parse(text));
        } catch (e) {
          reject(e as Error);
        }
      });
    });
    req.on("timeout", () => req.destroy(new Error(`timeout reading ${url}`)));
    req.on("error", reject);
    req.end();
  });
}

export class AzureRbacSource {
  private cached?: { policy: AzureRbacPolicy; at: number };
  private inflight?: Promise<AzureRbacPolicy>;

  constructor(private readonly endpoint: AccessEndpoint) {}

  /**
   * The policy, from the cache unless it is older than the cache time or `fresh` is asked. Reads
   * already under way are shared, except by a fresh read (one begun earlier may miss a new grant).
   */
  async policy(fresh = false): Promise<AzureRbacPolicy> {
    const now = Date.now();
    if (!fresh && this.cached && now - this.cached.at < CACHE_MS) return this.cached.policy;
    if (!fresh && this.inflight) return this.inflight;
    const read = fetchJson(this.endpoint.url, this.endpoint.ca).then((body) => {
      const policy = body as AzureRbacPolicy;
      if (!this.cached || this.cached.at <= now) this.cached = { policy, at: now };
      return policy;
    });
    this.inflight = read;
    void read
      .finally(() => {
        if (this.inflight === read) this.inflight = undefined;
      })
      .catch(() => undefined);
    return read;
  }

  /** True when the cached policy was read from Azure after `since` (a fresh read would tell nothing new). */
  readSince(since: number): boolean {
    return this.cached !== undefined && this.cached.at >= since;
  }
}
