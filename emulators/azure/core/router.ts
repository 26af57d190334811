// Routes ARM paths the way ARM does: case-insensitive segments, any api-version, and one catch-all
// `{scope*}` for extension resources (role assignments live under any scope).
import type { Principal } from "./store.js";

export type OperationKind = "read" | "write" | "delete" | "action";

export interface ArmRequest {
  method: string;
  /** Path with repeated slashes collapsed, original casing, no query. */
  path: string;
  query: URLSearchParams;
  apiVersion: string;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
  /** Scheme + host the client used: absolute URLs we hand out start with it. */
  baseUrl: string;
  principal?: Principal;
}

export interface ArmResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Params = Record<string, string>;

export interface Route {
  method: string;
  pattern: string;
  /** ARM's throttling bucket and the recorder's classification. */
  kind?: OperationKind;
  /** e.g. "Microsoft.ContainerService/managedClusters", used by faults and the recorder. */
  resourceType?: string;
  /** Served without a bearer token (token issuer, metadata). */
  anonymous?: boolean;
  handler: (req: ArmRequest, params: Params) => Promise<ArmResponse> | ArmResponse;
}

function matchSegments(pattern: string[], path: string[], params: Params): boolean {
  if (pattern.length === 0) return path.length === 0;
  const [head, ...rest] = pattern as [string, ...string[]];
  const star = /^\{(\w+)\*\}$/.exec(head);
  if (star) {
    // Greedy catch-all of at least one segment; try the longest first.
    for (let n = path.length - rest.length; n >= 1; n--) {
      if (matchSegments(rest, path.slice(n), params)) {
        params[star[1]!] = `/${path.slice(0, n).join("/")}`;
        return true;
      }
    }
    return false;
  }
  if (path.length === 0) return false;
  const seg = path[0]!;
  const param = /^\{(\w+)\}$/.exec(head);
  if (param) {
    params[param[1]!] = decodeURIComponent(seg);
  } else if (head.toLowerCase() !== seg.toLowerCase()) return false;
  return matchSegments(rest, path.slice(1), params);
}

export function splitPath(path: string): string[] {
  return path.split("/").filter((s) => s.length > 0);
}

export class Router {
  private readonly routes: Route[] = [];

  add(...routes: Route[]): void {
    this.routes.push(...routes);
  }

  /** The route for a method and path, or the list of methods the path allows (for 405). */
  match(method: string, path: string): { route: Route; params: Params } | { allowed: string[] } {
    const segs = splitPath(path);
    const allowed: string[] = [];
    for (const route of this.routes) {
      const params: Params = {};
      if (!matchSegments(splitPath(route.pattern), segs, params)) continue;
      if (route.method === method) return { route, params };
      allowed.push(route.method);
    }
    return { allowed };
  }
}

/** ARM's classification of a request for throttling: reads, writes, deletes. */
export function kindOf(method: string): OperationKind {
  if (method === "GET" || method === "HEAD") return "read";
  if (method === "DELETE") return "delete";
  if (method === "POST") return "action";
  return "write";
}
