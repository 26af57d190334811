// The token issuer on the wire: OpenID metadata and JWKS as MSAL expects from Entra ID, the
// client-credentials token endpoint, the managed-identity endpoint (App Service's 2019-08-01 and 2017-09-01
// protocols and the MSI extension's POST: @azure/identity and az login --identity), the emulator's dev-token
// endpoint, and the interactive sign-in of browser apps (authorize page, code exchange with PKCE; the
// model is authorize.ts). Their errors are OAuth's and App Service's bodies, not ARM's.
import type { ArmRequest, ArmResponse, Route } from "../core/router.js";
import { signInTarget, type SignInTarget } from "./authorize.js";
import { OAuthError } from "./errors.js";
import { guidFrom, type TokenIssuer } from "./issuer.js";
import { errorPage, signInPage } from "./sign-in-page.js";

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
    token_endpoint_auth_methods_supported: ["client_secret_post", "client_secret_basic", "none"],
    grant_types_supported: ["client_credentials", "authorization_code"],
    code_challenge_methods_supported: ["S256"],
    response_modes_supported: ["query", "fragment"],
    scopes_supported: ["openid", "profile", "email", "offline_access"],
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
    return oauthError(
      400,
      "unsupported_grant_type",
      "AADSTS70003: only client_credentials and authorization_code are supported.",
    );
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

/** Access-Control headers a browser app needs on the issuer's metadata, keys and token answers (Entra ID sends them too). */
function corsHeaders(req: ArmRequest): Record<string, string> {
  const origin = req.headers["origin"];
  return typeof origin === "string"
    ? { "Access-Control-Allow-Origin": origin, Vary: "Origin" }
    : { "Access-Control-Allow-Origin": "*" };
}

/** Answer to a CORS preflight: MSAL.js sends only simple requests, other clients may not. */
function preflight(req: ArmRequest): ArmResponse {
  return {
    status: 204,
    headers: {
      ...corsHeaders(req),
      "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
      "Access-Control-Allow-Headers": "content-type",
      "Access-Control-Max-Age": "600",
    },
  };
}

function redirect(target: SignInTarget, params: Record<string, string>): ArmResponse {
  const u = new URL(target.redirectUri);
  const p = new URLSearchParams({
    ...params,
    ...(target.state !== undefined ? { state: target.state } : {}),
  });
  if (target.responseMode === "fragment") u.hash = p.toString();
  else for (const [k, v] of p) u.searchParams.set(k, v);
  return { status: 302, headers: { Location: u.toString(), "Cache-Control": "no-store" } };
}

/** Runs a step of the sign-in; an OAuthError becomes `onError`'s answer. */
function oauth<T>(step: () => T, onError: (e: OAuthError) => ArmResponse): T | ArmResponse {
  try {
    return step();
  } catch (e) {
    if (e instanceof OAuthError) return onError(e);
    throw e;
  }
}

const isResponse = (x: unknown): x is ArmResponse =>
  typeof x === "object" && x !== null && "status" in x && typeof x.status === "number";

/** GET …/authorize: checks the request and shows the sign-in page. */
function authorize(issuer: TokenIssuer, req: ArmRequest): ArmResponse {
  const q = req.query;
  const target = oauth(
    () => signInTarget(q.get("client_id"), q.get("redirect_uri"), q.get("response_mode"), q.get("state")),
    (e) => errorPage(e.status, e.message),
  );
  if (isResponse(target)) return target;
  // From here on errors go back to the app, as OAuth wants.
  const id = oauth(
    () =>
      issuer.codes.begin(target, {
        responseType: q.get("response_type"),
        scope: q.get("scope"),
        nonce: q.get("nonce"),
        codeChallenge: q.get("code_challenge"),
        codeChallengeMethod: q.get("code_challenge_method"),
      }),
    (e) => redirect(target, { error: e.error, error_description: e.message }),
  );
  return typeof id === "string" ? signInPage(id, target.clientId, target.redirectUri) : id;
}

/** POST …/authorize: the sign-in page's form; issues a code and redirects back to the app. */
function signIn(issuer: TokenIssuer, req: ArmRequest): ArmResponse {
  const f = form(req.body);
  const done = oauth(
    () =>
      issuer.codes.signIn(f.get("request") ?? "", {
        user: f.get("user") ?? "",
        team: f.get("team") ?? "",
        role: f.get("role") ?? "",
      }),
    (e) => errorPage(e.status, e.message),
  );
  return isResponse(done) ? done : redirect(done.target, { code: done.code });
}

/** The token endpoint: authorization codes of browser apps, else client credentials. */
async function token(issuer: TokenIssuer, req: ArmRequest): Promise<ArmResponse> {
  const f = form(req.body);
  if (f.get("grant_type") !== "authorization_code") return clientCredentials(issuer, req);
  const cors = corsHeaders(req);
  const user = oauth(
    () =>
      issuer.codes.redeem({
        code: f.get("code"),
        clientId: f.get("client_id"),
        redirectUri: f.get("redirect_uri"),
        codeVerifier: f.get("code_verifier"),
        scope: f.get("scope"),
      }),
    (e) => ({ status: e.status, headers: cors, body: e.toBody() }),
  );
  if (isResponse(user)) return user;
  return {
    status: 200,
    headers: { ...cors, "Cache-Control": "no-store" },
    body: await issuer.userTokens(user),
  };
}

/** App Service's 2017-09-01 `expires_on`: a UTC date as its Linux workers write it, "06/20/2019 02:57:58 +00:00". */
export function appService2017ExpiresOn(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  const two = (n: number) => String(n).padStart(2, "0");
  return (
    `${two(d.getUTCMonth() + 1)}/${two(d.getUTCDate())}/${d.getUTCFullYear()} ` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +00:00`
  );
}

/**
 * The managed-identity endpoint, in the three protocols clients speak to a local MSI endpoint:
 * - App Service 2019-08-01 (`IDENTITY_ENDPOINT`, `X-IDENTITY-HEADER`; @azure/identity, MSAL);
 * - App Service 2017-09-01 (`MSI_ENDPOINT`, `secret` header, `clientid`, `expires_on` a date string;
 *   az 2.45 when `APPSETTING_WEBSITE_SITE_NAME` says it runs in App Service);
 * - the MSI extension's POST (`MSI_ENDPOINT`, `Metadata: true`, form `resource`; az 2.45 outside App
 *   Service and MSAL's Cloud Shell source), which carries no secret: `Metadata` guards against SSRF.
 * The secret of both App Service versions is `identityHeader` (IDENTITY_HEADER = MSI_SECRET).
 */
async function managedIdentityToken(issuer: TokenIssuer, req: ArmRequest): Promise<ArmResponse> {
  const unauthorized = (message: string) => ({ status: 401, body: { statusCode: 401, message } });
  const badRequest = (message: string) => ({ status: 400, body: { statusCode: 400, message } });
  const post = req.method === "POST";
  const v2017 = !post && req.apiVersion === "2017-09-01";
  const params = post ? form(req.body) : req.query;
  if (post) {
    if (req.headers["metadata"] !== "true") return badRequest("Required metadata header not specified");
  } else if (v2017) {
    if (req.headers["secret"] !== issuer.identityHeader)
      return unauthorized("Unauthorized: the secret header is missing or wrong.");
  } else if (req.headers["x-identity-header"] !== issuer.identityHeader)
    return unauthorized("Unauthorized: the X-IDENTITY-HEADER is missing or wrong.");
  const resource = params.get("resource");
  if (!resource) return badRequest("resource is required");
  const clientId =
    params.get(v2017 ? "clientid" : "client_id") ??
    params.get("mi_res_id") ??
    params.get("msi_res_id") ??
    "system-assigned";
  const principal = issuer.principalForIdentity(clientId);
  const { token, expiresOn } = await issuer.issue({
    audience: audienceOf(resource),
    subject: principal.id,
    objectId: principal.id,
    appId: principal.appId ?? clientId,
  });
  const common = { access_token: token, resource, token_type: "Bearer" };
  if (post) {
    const now = Math.floor(Date.now() / 1000);
    return {
      status: 200,
      body: {
        ...common,
        expires_in: String(expiresOn - now),
        expires_on: String(expiresOn),
        not_before: String(now),
      },
    };
  }
  return {
    status: 200,
    body: {
      ...common,
      expires_on: v2017 ? appService2017ExpiresOn(expiresOn) : String(expiresOn),
      client_id: principal.appId ?? clientId,
    },
  };
}

/**
 * OpenID metadata, JWKS, the token endpoint (client credentials, authorization codes), the sign-in
 * page and the managed-identity endpoint.
 */
export function identityRoutes(issuer: TokenIssuer): Route[] {
  // Browser apps read the metadata and keys too, so they carry CORS headers as Entra ID's do.
  const meta = (req: ArmRequest, p: Record<string, string>) => ({
    status: 200,
    headers: corsHeaders(req),
    body: metadata(issuer, p["tenant"] ?? issuer.tenantId),
  });
  const keys = (req: ArmRequest) => ({ status: 200, headers: corsHeaders(req), body: issuer.jwks() });
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
      handler: (r) => token(issuer, r),
    },
    { method: "OPTIONS", anonymous: true, pattern: "/{tenant}/oauth2/v2.0/token", handler: preflight },
    {
      method: "GET",
      anonymous: true,
      pattern: "/{tenant}/oauth2/v2.0/authorize",
      handler: (r) => authorize(issuer, r),
    },
    {
      method: "POST",
      anonymous: true,
      pattern: "/{tenant}/oauth2/v2.0/authorize",
      handler: (r) => signIn(issuer, r),
    },
    // The same endpoint for every protocol (see managedIdentityToken).
    ...["GET", "POST"].map((method) => ({
      method,
      anonymous: true,
      pattern: "/msi/token",
      handler: (r: ArmRequest) => managedIdentityToken(issuer, r),
    })),
  ];
}
