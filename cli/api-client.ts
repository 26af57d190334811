// A small client of the cluster API (functions/clusters-api.ts) over fetch. It sends the bearer
// token when one is given and turns ARM-style error bodies into ApiError.
import type { ClusterList, ClusterSummary } from "../shared/api/schemas.js";
import type { ClusterStatusDocument, DriftItem, OperationKind } from "../shared/provision/types.js";
import { fetchFailureReason, isUntrustedCertificate, TRUST_LOCAL_CA_HINT } from "./errors.js";

export interface ApiClientOptions {
  /** Base URL of the API, e.g. http://127.0.0.1:7071/api (no trailing slash needed). */
  api: string;
  /**
   * Sent as `Authorization: Bearer <token>` when given; never printed. A function is asked before
   * every request (a long wait renews its token).
   */
  token?: string | (() => Promise<string>);
}

export interface ArmErrorDetail {
  path?: string;
  code?: string;
  message?: string;
}

export interface ArmErrorBody {
  error: { code: string; message: string; details?: ArmErrorDetail[] };
}

export type { ClusterSummary } from "../shared/api/schemas.js";

/**
 * The status document with the fields desired-state updates add (issue 16's contract): every accepted
 * change raises `generation`, `observedGeneration` is the one the cluster has reached, `operation` the
 * latest one, `drift` what the periodic check found. Optional: an API from before updates has none.
 */
export interface StatusDocument extends ClusterStatusDocument {
  generation?: number;
  observedGeneration?: number;
  operation?: OperationKind;
  drift?: DriftItem[];
}

/** A status document with the server's polling hint and its version. */
export interface StatusReply {
  status: number;
  doc: StatusDocument;
  /** Seconds, from the Retry-After header (undefined when absent or not a number). */
  retryAfter?: number;
  /** The ETag header as sent (`"<generation>"`), for If-Match. */
  etag?: string;
}

/** The methods that take `?dryRun=true`. */
export type PlanMethod = "POST" | "PUT" | "PATCH" | "DELETE";

/** A JSON Merge Patch (RFC 7396) body, as PATCH /clusters/{name} takes it. */
export const MERGE_PATCH = "application/merge-patch+json";

/** The API answered with an error status; `body` is what it sent (ARM-style when it could parse it). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(ApiError.summary(status, body));
  }

  get arm(): ArmErrorBody["error"] | undefined {
    return isArmError(this.body) ? this.body.error : undefined;
  }

  get code(): string {
    return this.arm?.code ?? `HTTP${this.status}`;
  }

  private static summary(status: number, body: unknown): string {
    if (isArmError(body)) return `${body.error.code}: ${body.error.message}`;
    return `the API answered ${status}${typeof body === "string" && body ? `: ${body.slice(0, 200)}` : ""}`;
  }
}

export function isArmError(body: unknown): body is ArmErrorBody {
  if (!body || typeof body !== "object" || !("error" in body)) return false;
  const e = (body as { error: unknown }).error;
  return !!e && typeof e === "object" && typeof (e as { code?: unknown }).code === "string";
}

/** Could not reach the API at all (connection refused, DNS, …). */
export class ApiUnreachableError extends Error {}

function parseRetryAfter(value: string | null): number | undefined {
  if (value === null) return undefined;
  const n = Number(value);
  if (Number.isFinite(n) && n >= 0) return n;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - Date.now()) / 1000);
}

export class ApiClient {
  private readonly base: string;

  constructor(private readonly options: ApiClientOptions) {
    this.base = options.api.replace(/\/+$/, "");
  }

  private async request(
    method: string,
    path: string,
    body?: string,
    extra: Record<string, string> = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    Object.assign(headers, extra);
    const token = this.options.token;
    const bearer = typeof token === "function" ? await token() : token;
    if (bearer) headers["authorization"] = `Bearer ${bearer}`;
    const url = `${this.base}${path}`;
    try {
      return await fetch(url, { method, headers, ...(body !== undefined ? { body } : {}) });
    } catch (e) {
      throw new ApiUnreachableError(
        `cannot reach the API at ${this.base} (${fetchFailureReason(e)}); ${isUntrustedCertificate(e) ? TRUST_LOCAL_CA_HINT : "set --api or AKSV_API_URL"}`,
      );
    }
  }

  private static async body(r: Response): Promise<unknown> {
    const text = await r.text();
    if (!text) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }

  private async expect(r: Response, ok: number[]): Promise<unknown> {
    const body = await ApiClient.body(r);
    if (!ok.includes(r.status)) throw new ApiError(r.status, body);
    return body;
  }

  private async status(r: Response, ok: number[]): Promise<StatusReply> {
    const doc = (await this.expect(r, ok)) as StatusDocument;
    const retryAfter = parseRetryAfter(r.headers.get("retry-after"));
    const etag = r.headers.get("etag") ?? undefined;
    return {
      status: r.status,
      doc,
      ...(retryAfter !== undefined ? { retryAfter } : {}),
      ...(etag ? { etag } : {}),
    };
  }

  private static clusterPath(name: string): string {
    return `/clusters/${encodeURIComponent(name)}`;
  }

  /** POST /clusters with the request document as given (the server validates it). */
  async create(specText: string): Promise<StatusReply> {
    return this.status(await this.request("POST", "/clusters", specText), [200, 201, 202]);
  }

  /**
   * PUT /clusters/{name} with a whole ClusterSpec: creates it when absent, updates it when present
   * (202), or 200 when the spec is the current one. `ifMatch` guards against a concurrent change (412).
   */
  async apply(name: string, specText: string, ifMatch?: string): Promise<StatusReply> {
    const headers: Record<string, string> = ifMatch ? { "if-match": ifMatch } : {};
    return this.status(
      await this.request("PUT", ApiClient.clusterPath(name), specText, headers),
      [200, 201, 202],
    );
  }

  /** PATCH /clusters/{name} with a JSON Merge Patch of its spec. */
  async patch(name: string, patchText: string, ifMatch?: string): Promise<StatusReply> {
    const headers = { "content-type": MERGE_PATCH, ...(ifMatch ? { "if-match": ifMatch } : {}) };
    return this.status(
      await this.request("PATCH", ApiClient.clusterPath(name), patchText, headers),
      [200, 201, 202],
    );
  }

  /**
   * What a request would do (`?dryRun=true`, 200 with `{ plan }`): nothing is changed. Returns the
   * body as sent (plan.ts reads it).
   */
  async plan(method: PlanMethod, name: string, body?: string, ifMatch?: string): Promise<unknown> {
    const path = method === "POST" ? "/clusters" : ApiClient.clusterPath(name);
    const headers = {
      ...(method === "PATCH" ? { "content-type": MERGE_PATCH } : {}),
      ...(ifMatch ? { "if-match": ifMatch } : {}),
    };
    return this.expect(await this.request(method, `${path}?dryRun=true`, body, headers), [200]);
  }

  async get(name: string): Promise<StatusReply> {
    return this.status(await this.request("GET", ApiClient.clusterPath(name)), [200, 202]);
  }

  /** Every page of GET /clusters, following nextLink; Deleted clusters only with `all`. */
  async list(filter: { phase?: string; team?: string; all?: boolean } = {}): Promise<ClusterSummary[]> {
    const query = new URLSearchParams();
    if (filter.phase) query.set("phase", filter.phase);
    if (filter.team) query.set("team", filter.team);
    if (filter.all) query.set("all", "true");
    const out: ClusterSummary[] = [];
    let path: string | undefined = `/clusters${query.toString() ? `?${query.toString()}` : ""}`;
    while (path) {
      const page = (await this.expect(await this.request("GET", path), [200])) as ClusterList;
      out.push(...page.value);
      // nextLink is server-relative (/api/clusters?…): keep only what follows /clusters.
      const i = page.nextLink?.indexOf("/clusters") ?? -1;
      path = i >= 0 ? page.nextLink!.slice(i) : undefined;
    }
    return out;
  }

  /** DELETE /clusters/{name}: undefined when there was nothing to delete (204). */
  async delete(name: string): Promise<StatusReply | undefined> {
    const r = await this.request("DELETE", ApiClient.clusterPath(name));
    if (r.status === 204) return undefined;
    return this.status(r, [200, 202]);
  }

  async kubeconfig(name: string, plugin?: string): Promise<string> {
    const query = plugin ? `?plugin=${encodeURIComponent(plugin)}` : "";
    const r = await this.request("GET", `${ApiClient.clusterPath(name)}/kubeconfig${query}`);
    if (r.status !== 200) throw new ApiError(r.status, await ApiClient.body(r));
    return r.text();
  }
}
