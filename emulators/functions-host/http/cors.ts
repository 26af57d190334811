// CORS as the Functions platform applies it in front of HTTP triggers (App Service CORS in Azure;
// `Host.CORS` / `Host.CORSCredentials` of local.settings.json under Core Tools): a preflight from an
// allowed origin is answered by the host without invoking the function; other responses to an allowed
// origin get Access-Control-Allow-Origin. Requests from origins not listed get no CORS headers, so the
// browser refuses them.
import { header, type HostRequest, type HostResponse } from "./types.js";

export interface CorsSettings {
  /** Origins allowed ("*" allows any); empty: CORS is off. */
  allowedOrigins: string[];
  /** Access-Control-Allow-Credentials: true (not allowed together with "*"). */
  supportCredentials: boolean;
}

/** Parses "https://a.example, https://b.example" or "*" (the Host.CORS format). */
export function parseCorsOrigins(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((o) => o.trim().replace(/\/+$/, ""))
    .filter((o) => o.length > 0);
}

export function validateCors(cors: CorsSettings): CorsSettings {
  if (cors.supportCredentials && cors.allowedOrigins.includes("*"))
    throw new Error("CORS: credentials cannot be allowed for the wildcard origin '*'; list the origins");
  for (const o of cors.allowedOrigins)
    if (o !== "*" && !/^https?:\/\/[^/\s]+$/.test(o))
      throw new Error(`CORS: "${o}" is not an origin (scheme://host[:port], or *)`);
  return cors;
}

function allowedOrigin(cors: CorsSettings, origin: string | undefined): string | undefined {
  if (!origin || cors.allowedOrigins.length === 0) return undefined;
  if (cors.allowedOrigins.includes("*") && !cors.supportCredentials) return "*";
  return cors.allowedOrigins.includes(origin.replace(/\/+$/, "")) ? origin : undefined;
}

function originHeaders(cors: CorsSettings, allowed: string): Record<string, string> {
  return {
    "Access-Control-Allow-Origin": allowed,
    ...(cors.supportCredentials ? { "Access-Control-Allow-Credentials": "true" } : {}),
    ...(allowed === "*" ? {} : { Vary: "Origin" }),
  };
}

/** The answer to a CORS preflight from an allowed origin, or undefined when this is none. */
export function preflight(cors: CorsSettings, req: HostRequest): HostResponse | undefined {
  const requestedMethod = header(req, "access-control-request-method");
  if (req.method !== "OPTIONS" || !requestedMethod) return undefined;
  const allowed = allowedOrigin(cors, header(req, "origin"));
  if (!allowed) return undefined;
  const requestedHeaders = header(req, "access-control-request-headers");
  return {
    status: 204,
    headers: {
      ...originHeaders(cors, allowed),
      "Access-Control-Allow-Methods": requestedMethod.toUpperCase(),
      ...(requestedHeaders ? { "Access-Control-Allow-Headers": requestedHeaders } : {}),
      "Access-Control-Max-Age": "3600",
    },
  };
}

/** Adds the CORS headers an allowed origin gets to a response. */
export function withCors(cors: CorsSettings, req: HostRequest, res: HostResponse): HostResponse {
  const allowed = allowedOrigin(cors, header(req, "origin"));
  if (!allowed) return res;
  return { ...res, headers: { ...(res.headers ?? {}), ...originHeaders(cors, allowed) } };
}
