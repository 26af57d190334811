// The cluster API from the browser: same origin, bearer token from the session, ARM-style errors.
import type { ClusterStatusDocument } from "../../shared/provision/types.js";
import type { Problem } from "../../shared/validation/problems.js";

export interface ApiErrorBody {
  error: { code: string; message: string; details?: Problem[] };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody | undefined,
  ) {
    super(body?.error.message ?? `the API answered ${status}`);
  }
  get details(): Problem[] {
    return this.body?.error.details ?? [];
  }
}

export interface ClusterSummary {
  name: string;
  team: string;
  phase: ClusterStatusDocument["phase"];
  createdAt?: string;
  lastUpdatedAt?: string;
}

export class Api {
  constructor(private readonly token: () => Promise<string>) {}

  private async call(method: string, path: string, body?: unknown): Promise<Response> {
    const res = await fetch(`/api${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${await this.token()}`,
        ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    if (!res.ok) throw new ApiError(res.status, (await res.json().catch(() => undefined)) as ApiErrorBody);
    return res;
  }

  /** Every page of the caller's clusters (following nextLink); Deleted ones too when `all`. */
  async list(all = false): Promise<ClusterSummary[]> {
    const clusters: ClusterSummary[] = [];
    let path: string | undefined = `/clusters${all ? "?all=true" : ""}`;
    while (path) {
      const page = (await (await this.call("GET", path)).json()) as {
        value: ClusterSummary[];
        nextLink?: string;
      };
      clusters.push(...page.value);
      // nextLink is the API's own path (/api/clusters?…), this client's paths start after /api.
      path = page.nextLink?.replace(/^\/api(?=\/)/, "");
    }
    return clusters;
  }

  async get(name: string): Promise<ClusterStatusDocument> {
    return (await (
      await this.call("GET", `/clusters/${encodeURIComponent(name)}`)
    ).json()) as ClusterStatusDocument;
  }

  async create(spec: unknown): Promise<ClusterStatusDocument> {
    return (await (await this.call("POST", "/clusters", spec)).json()) as ClusterStatusDocument;
  }

  async delete(name: string): Promise<void> {
    await this.call("DELETE", `/clusters/${encodeURIComponent(name)}`);
  }

  async kubeconfig(name: string): Promise<string> {
    return (await this.call("GET", `/clusters/${encodeURIComponent(name)}/kubeconfig`)).text();
  }
}
