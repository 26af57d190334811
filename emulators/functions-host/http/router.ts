// Maps /{routePrefix}/{route} requests to HTTP-triggered functions: 404 when no route matches the path,
// 405 when a route matches but not with this method.
import type { HostedFunction } from "../functions.js";
import { parseAuthLevel, type AuthLevel } from "../keys.js";
import { comparePrecedence, compileRoute, type CompiledRoute } from "./route-template.js";

export interface HttpRoute {
  fn: HostedFunction;
  route: CompiledRoute;
  methods: Set<string> | undefined;
  authLevel: AuthLevel;
}

export type RouteResult =
  | { kind: "match"; route: HttpRoute; params: Record<string, string> }
  | { kind: "notFound" }
  | { kind: "methodNotAllowed"; allowed: string[] };

export class HttpRouter {
  readonly routes: HttpRoute[];

  constructor(functions: HostedFunction[]) {
    this.routes = functions
      .map((fn) => {
        const methods = fn.trigger["methods"];
        return {
          fn,
          route: compileRoute(
            typeof fn.trigger["route"] === "string" ? (fn.trigger["route"] as string) : fn.name,
          ),
          methods:
            Array.isArray(methods) && methods.length > 0
              ? new Set(methods.map((m) => String(m).toUpperCase()))
              : undefined,
          authLevel: parseAuthLevel(fn.trigger["authLevel"]),
        };
      })
      .sort((a, b) => comparePrecedence(a.route, b.route));
  }

  match(method: string, path: string): RouteResult {
    const upper = method.toUpperCase();
    const allowed: string[] = [];
    for (const route of this.routes) {
      const m = route.route.match(path);
      if (!m) continue;
      if (!route.methods || route.methods.has(upper) || (upper === "HEAD" && route.methods.has("GET"))) {
        return { kind: "match", route, params: m.params };
      }
      allowed.push(...route.methods);
    }
    return allowed.length
      ? { kind: "methodNotAllowed", allowed: [...new Set(allowed)] }
      : { kind: "notFound" };
  }
}
