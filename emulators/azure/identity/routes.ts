// The token issuer on the wire: OpenID metadata and JWKS as MSAL expects from Entra ID, the
// client-credentials token endpoint, the App Service-style managed-identity endpoint (IDENTITY_ENDPOINT +
// IDENTITY_HEADER) as @azure/identity's ManagedIdentityCredential expects, and the emulator's dev-token
// endpoint. Their errors are OAuth's and App Service's bodies, not ARM's.
import type { ArmRequest, ArmResponse, Route } from "../core/router.js";
import { guidFrom, type TokenIssuer } from "./issuer.js";

function form(body: unknown): URLSearchParams {
  return typeof body === "string" ? new URLSearchParams(body) : new URLSearchParams();
}

/**
 * POST /_emulator/tokens — the local stack's stand-in for signing in to Entra ID: a token for any
 * audience with the roles and groups asked for (`aks-vending dev-token`, tests). Body:
 * `{ audience, subject?, roles?, groups?, name?, expiresInSeconds?, claims? }`.
 */
export async function devToken(issuer: TokenIssuer, body: unknown): Promise<ArmResponse> {
  const b = (body ?? {}) as Record<string, unknown>;
  const bad = (message: string) => ({ status: 400, body: { error: { code: "InvalidRequest", message } } });
  if (typeof b["audience"] !== "string" || !b["audience"]) return bad("audience (string) is required");
  const list = (k: string) => {
    const v = b[k];
    return v === undefined || (Array.isArray(v) && v.every((x) => typeof x === "string"));
  };
  if (!list("roles") || !list("groups")) return bad("roles and groups must be arrays of strings");
  if (b["expiresInSeconds"] !== undefined && typeof b["expiresInSeconds"] !== "number")
    return bad("expiresInSeconds must be a number");
  const subject = typeof b["subject"] === "string" && b["subject"] ? b["subject"] : "dev-user";
  const name = typeof b["name"] === "string" ? b["name"] : subject;
  const objectId = guidFrom(`user:${subject}`);
  const claims: Record<string, unknown> = {
    name,
    preferred_username: `${subject}@aks-vending.local`,
    ...(b["roles"] ? { roles: b["roles"] } : {}),
    ...(b["groups"] ? { groups: b["groups"] } : {}),
    ...((b["claims"] as Record<string, unknown> | undefined) ?? {}),
  };
  const { token, expiresOn } = await issuer.issue({
    audience: b["audience"],
    subject: objectId,
    objectId,
    claims,
    ...(typeof b["expiresInSeconds"] === "number" ? { expiresInSeconds: b["expiresInSeconds"] } : {}),
  });
  return {
    status: 200,
    body: { token_type: "Bearer", access_token: token, expires_on: expiresOn },
  };
}

function metadata(issuer: TokenIssuer, tenant: string) {
  const base = issuer.baseUrl();
  return {
    /** Not in Entra ID's metadata: tells `aks-vending dev-token` that this is the local issuer. */
    aks_vending_dev_token_endpoint: `${base}/_emulator/tokens`,
    issuer: issuer.issuer,
    authorization_endpoint: `${base}/${tenant}/oauth2/v2.0/authorize`,
    token_endpoint: `${base}/${tenant}/oauth2/v2.0/token`,
    jwks_uri: `${base}/${tenant}/discovery/v2.0/keys`,
    response_types_supported: ["code", "id_token", "token"],
    subject_types_supported: ["pairwise"],
    id_token_signing_alg_values_supported: ["RS256"],
    token_endpoint_auth_methods_supported: ["client_secret_post", "client_secret_basic"],
    grant_types_supported: ["client_credentials"],
    tenant_region_scope: "EU",
  };
}

/** Audience of a token requested with OAuth scopes ("X/.default" → "X"). */
function audienceOf(scope: string): string {
  const first = scope.split(/\s+/).find((s) => s.endsWith("/.default")) ?? scope.split(/\s+/)[0] ?? "";
  return first.replace(/\/\.default$/, "");
}

async function clientCredentials(issuer: TokenIssuer, req: ArmRequest): Promise<ArmResponse> {
  const f = form(req.body);
  const oauthError = (status: number, error: string, description: string) => ({
    status,
    body: { error, error_description: description, error_codes: [status === 401 ? 7000215 : 900144] },
  });
  if (f.get("grant_type") !== "client_credentials")
    return oauthError(400, "unsupported_grant_type", "AADSTS70003: only client_credentials is supported.");
  const clientId = f.get("client_id");
  if (!clientId)
    return oauthError(400, "invalid_request", "AADSTS900144: The request body must contain 'client_id'.");
  if (!f.get("client_secret") && !f.get("client_assertion"))
    return oauthError(401, "invalid_client", "AADSTS7000215: Invalid client secret provided.");
  const principal = issuer.principalForClient(clientId);
  const { token } = await issuer.issue({
    audience: audienceOf(f.get("scope") ?? ""),
    subject: principal.id,
    objectId: principal.id,
    appId: clientId,
  });
  return {
    status: 200,
    body: { token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599, access_token: token },
  };
}

async function managedIdentityToken(issuer: TokenIssuer, req: ArmRequest): Promise<ArmResponse> {
  const header = req.headers["x-identity-header"];
  if (header !== issuer.identityHeader)
    return {
      status: 401,
      body: { statusCode: 401, message: "Unauthorized: the X-IDENTITY-HEADER is missing or wrong." },
    };
  const resource = req.query.get("resource");
  if (!resource) return { status: 400, body: { statusCode: 400, message: "resource is required" } };
  const clientId = req.query.get("client_id") ?? req.query.get("mi_res_id") ?? "system-assigned";
  const principal = issuer.principalForIdentity(clientId);
  const { token, expiresOn } = await issuer.issue({
    audience: audienceOf(resource),
    subject: principal.id,
    objectId: principal.id,
    appId: principal.appId ?? clientId,
  });
  return {
    status: 200,
    body: {
      access_token: token,
      expires_on: String(expiresOn),
      resource,
      token_type: "Bearer",
      client_id: principal.appId ?? clientId,
    },
  };
}

/** OpenID metadata, JWKS, the client-credentials token endpoint and the managed-identity endpoint. */
export function identityRoutes(issuer: TokenIssuer): Route[] {
  const meta = (_req: ArmRequest, p: Record<string, string>) => ({
    status: 200,
    body: metadata(issuer, p["tenant"] ?? issuer.tenantId),
  });
  const keys = () => ({ status: 200, body: issuer.jwks() });
  return [
    {
      method: "GET",
      anonymous: true,
      pattern: "/{tenant}/v2.0/.well-known/openid-configuration",
      handler: meta,
    },
    {
      method: "GET",
      anonymous: true,
      pattern: "/{tenant}/.well-known/openid-configuration",
      handler: meta,
    },
    { method: "GET", anonymous: true, pattern: "/.well-known/openid-configuration", handler: meta },
    { method: "GET", anonymous: true, pattern: "/{tenant}/discovery/v2.0/keys", handler: keys },
    { method: "GET", anonymous: true, pattern: "/discovery/v2.0/keys", handler: keys },
    {
      method: "POST",
      anonymous: true,
      pattern: "/{tenant}/oauth2/v2.0/token",
      handler: (r) => clientCredentials(issuer, r),
    },
    {
      method: "GET",
      anonymous: true,
      pattern: "/msi/token",
      handler: (r) => managedIdentityToken(issuer, r),
    },
  ];
}
