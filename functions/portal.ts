// The self-service portal and the API reference, served by the app itself (same origin as the API,
// no CDN): GET /api/portal/… and GET /api/docs/… answer with the files `npm run build` bundled into
// dist/portal (scripts/build-portal.ts). The files are read once, at load; a request can only name
// one of them, never a path on disk.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, extname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { app, type HttpRequest, type HttpResponseInit } from "@azure/functions";
import { appConfig, type AuthConfig } from "../shared/config/index.js";

/** dist/functions/portal.js → dist/portal */
const PORTAL_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "portal");

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".map": "application/json; charset=utf-8",
};

interface Asset {
  bytes: Buffer;
  type: string;
}

function readTree(dir: string): Map<string, Asset> {
  const files = new Map<string, Asset>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      // Source maps point at sources that are not deployed.
      else if (name.endsWith(".map")) continue;
      else
        files.set(relative(dir, full).split(sep).join("/"), {
          bytes: readFileSync(full),
          type: TYPES[extname(name)] ?? "application/octet-stream",
        });
    }
  };
  try {
    walk(dir);
  } catch {
    // Not built (a unit test loading the app from source): every request answers 404.
  }
  return files;
}

const assets = readTree(PORTAL_DIR);

/** The OpenID authority of an issuer ("https://login.microsoftonline.com/<tenant>/v2.0" → without /v2.0). */
export function authorityOf(issuer: string): string {
  return issuer.replace(/\/v2\.0\/?$/, "");
}

/**
 * What the portal's MSAL.js needs to sign in: the SPA's client id (its own Entra app registration,
 * AKSV_PORTAL_CLIENT_ID, with the portal URL as a single-page-application redirect URI), the
 * authority and the API scope. Null when either the API's auth or the client id is not configured.
 */
export function portalConfig(auth: AuthConfig | undefined, clientId: string | undefined) {
  if (!auth || !clientId) return { signIn: null };
  const authority = authorityOf(auth.issuer);
  return {
    signIn: {
      clientId,
      authority,
      // MSAL.js only trusts Microsoft's clouds without this; any other host is the issuer's own.
      knownAuthorities: [new URL(authority).host],
      scopes: [`${auth.audiences[0]}/.default`],
    },
  };
}

/**
 * The portal's scripts come from this origin only; MSAL.js reads the issuer's metadata and
 * exchanges the code there (connect-src) and renews silently in a hidden frame (frame-src).
 */
export function contentSecurityPolicy(kind: "portal" | "docs", auth: AuthConfig | undefined): string {
  const issuer = auth ? new URL(auth.issuer).origin : "";
  return [
    "default-src 'self'",
    "script-src 'self'",
    // Swagger UI sets style attributes from script; the portal needs none.
    kind === "docs" ? "style-src 'self' 'unsafe-inline'" : "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self'${issuer ? ` ${issuer}` : ""}`,
    `frame-src${issuer ? ` ${issuer}` : " 'none'"}`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join("; ");
}

function serve(kind: "portal" | "docs", request: HttpRequest): HttpResponseInit {
  const path = request.params["path"] ?? "";
  const key = `${kind === "docs" ? "docs/" : ""}${path === "" || path.endsWith("/") ? `${path}index.html` : path}`;
  const auth = appConfig().auth;
  if (kind === "portal" && path === "config.json")
    return {
      status: 200,
      headers: { "Cache-Control": "no-store" },
      jsonBody: portalConfig(auth, process.env["AKSV_PORTAL_CLIENT_ID"] || undefined),
    };
  const asset = assets.get(key);
  if (!asset || (kind === "portal" && key.startsWith("docs/")))
    return { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8" }, body: "not found" };
  return {
    status: 200,
    headers: {
      "Content-Type": asset.type,
      // Small files, and a deployment must show its own version at once: revalidate every time.
      "Cache-Control": "no-cache",
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "no-referrer",
      ...(asset.type.startsWith("text/html")
        ? { "Content-Security-Policy": contentSecurityPolicy(kind, auth) }
        : {}),
    },
    body: asset.bytes,
  };
}

for (const kind of ["portal", "docs"] as const)
  app.http(kind, {
    route: `${kind}/{*path}`,
    methods: ["GET"],
    authLevel: "anonymous",
    handler: async (request) => serve(kind, request),
  });
