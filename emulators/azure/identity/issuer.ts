// The token issuer: an OpenID issuer (metadata, JWKS, client-credentials token endpoint) as MSAL
// expects from Entra ID, an App Service-style managed-identity endpoint (IDENTITY_ENDPOINT +
// IDENTITY_HEADER) as @azure/identity's ManagedIdentityCredential expects, and the bearer-token check
// ARM applies to every request. Tokens are RS256 JWTs signed with a key kept in the emulator state.
import { createHash, randomBytes } from "node:crypto";
import {
  SignJWT,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  errors as joseErrors,
  type JWK,
  type JWTPayload,
  type CryptoKey,
} from "jose";
import { ArmError } from "../core/errors.js";
import type { ArmRequest, Route } from "../core/router.js";
import type { Principal, Store } from "../core/store.js";
import { DEFAULT_TEAM_ROLE_PREFIX } from "../../../shared/auth/dev-token.js";
import { AuthorizationCodes, corsHeaders, preflight, type SignedInUser } from "./authorize.js";

/** Entra ID's well-known application id of the AKS AAD server (kubectl token audience). */
export const AKS_AAD_SERVER_APP_ID = "6dae42f8-4368-4678-94ff-3960e28e3630";
export const DEFAULT_TENANT_ID = "72f988bf-0000-4000-8000-00000000e7e7";

/** Audiences ARM accepts (plus the emulator's own URL, which classic SDK clients ask for). */
const ARM_AUDIENCES = [
  "https://management.azure.com",
  "https://management.azure.com/",
  "https://management.core.windows.net",
  "https://management.core.windows.net/",
];

export interface TokenOptions {
  audience: string;
  subject: string;
  /** Object id of the principal (oid claim). */
  objectId: string;
  appId?: string;
  /** Lifetime in seconds (negative gives an already expired token, for tests). */
  expiresInSeconds?: number;
  /** Further claims (roles, groups, name, preferred_username…); registered claims cannot be set here. */
  claims?: Record<string, unknown>;
}

/** Claims a caller of the dev-token endpoint may not set: the issuer owns them. */
const RESERVED_CLAIMS = ["iss", "aud", "sub", "exp", "nbf", "iat", "oid", "tid", "ver"];

/** A stable GUID derived from text (for principals of client ids we have not seen before). */
export function guidFrom(text: string): string {
  const h = createHash("sha256").update(text).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function form(body: unknown): URLSearchParams {
  return typeof body === "string" ? new URLSearchParams(body) : new URLSearchParams();
}

export class TokenIssuer {
  private privateKey!: CryptoKey;
  private publicKey!: CryptoKey;
  private publicJwk!: JWK;
  private kid!: string;
  /** Secret the managed-identity endpoint requires in X-IDENTITY-HEADER. */
  identityHeader!: string;
  /** Interactive sign-in of browser apps (authorization code + PKCE). */
  private readonly codes = new AuthorizationCodes();

  constructor(
    private readonly store: Store,
    readonly tenantId: string,
    private readonly baseUrl: () => string,
  ) {}

  async init(): Promise<void> {
    const st = this.store.state;
    if (!st.signingKey) {
      const { privateKey } = await generateKeyPair("RS256", { extractable: true });
      st.signingKey = await exportJWK(privateKey);
      this.store.save();
    }
    st.identityHeader ??= randomBytes(16).toString("hex");
    this.identityHeader = st.identityHeader;
    this.privateKey = (await importJWK(st.signingKey, "RS256")) as CryptoKey;
    const { kty, n, e } = st.signingKey;
    this.kid = await calculateJwkThumbprint({ kty, n, e } as JWK);
    this.publicJwk = { kty, n, e, kid: this.kid, use: "sig", alg: "RS256" } as JWK;
    this.publicKey = (await importJWK(this.publicJwk, "RS256")) as CryptoKey;
  }

  /** The issuer URL (`iss` of every token). */
  get issuer(): string {
    return `${this.baseUrl()}/${this.tenantId}/v2.0`;
  }

  jwks(): { keys: JWK[] } {
    return { keys: [this.publicJwk] };
  }

  async issue(options: TokenOptions): Promise<{ token: string; expiresOn: number }> {
    const now = Math.floor(Date.now() / 1000);
    const exp = now + (options.expiresInSeconds ?? 3600);
    const extra = Object.fromEntries(
      Object.entries(options.claims ?? {}).filter(([k]) => !RESERVED_CLAIMS.includes(k)),
    );
    const token = await new SignJWT({
      ...extra,
      oid: options.objectId,
      tid: this.tenantId,
      ...(options.appId ? { appid: options.appId, azp: options.appId } : {}),
      ver: "2.0",
    })
      .setProtectedHeader({ alg: "RS256", kid: this.kid, typ: "JWT" })
      .setIssuer(this.issuer)
      .setAudience(options.audience)
      .setSubject(options.subject)
      .setIssuedAt(Math.min(now, exp - 1))
      .setNotBefore(Math.min(now, exp - 1))
      .setExpirationTime(exp)
      .sign(this.privateKey);
    return { token, expiresOn: exp };
  }

  /** The principal a client id stands for, registered on first sight (an app that already exists). */
  principalForClient(clientId: string): Principal {
    const principals = this.store.state.principals;
    const known = Object.values(principals).find((p) => p.appId === clientId);
    if (known) return known;
    const p: Principal = {
      id: guidFrom(`app:${clientId}`),
      kind: "ServicePrincipal",
      appId: clientId,
      displayName: clientId,
      createdAt: 0,
    };
    principals[p.id] = p;
    this.store.save();
    return p;
  }

  /** Verifies a token this issuer signed (signature, issuer, expiry); other services check the audience. */
  async verify(token: string): Promise<JWTPayload> {
    return (await jwtVerify(token, this.publicKey, { issuer: this.issuer, clockTolerance: 0 })).payload;
  }

  /** Checks ARM's bearer token; throws ARM's 401 answers. */
  async authenticate(authorization: string | undefined): Promise<Principal> {
    const challenge = {
      "WWW-Authenticate": `Bearer authorization_uri="${this.baseUrl()}/${this.tenantId}", error="invalid_token", error_description="The authentication failed because of missing 'Authorization' header."`,
    };
    const m = authorization ? /^Bearer\s+(\S+)$/i.exec(authorization) : null;
    if (!m)
      throw new ArmError(
        401,
        "AuthenticationFailed",
        "Authentication failed. The 'Authorization' header is missing.",
        undefined,
        undefined,
        challenge,
      );
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(m[1]!, this.publicKey, { issuer: this.issuer, clockTolerance: 0 }));
    } catch (e) {
      if (e instanceof joseErrors.JWTExpired) {
        const exp = (e.payload.exp ?? 0) * 1000;
        throw new ArmError(
          401,
          "ExpiredAuthenticationToken",
          `The access token expiry UTC time '${new Date(exp).toUTCString()}' is earlier than current UTC time '${new Date().toUTCString()}'.`,
          undefined,
          undefined,
          challenge,
        );
      }
      throw new ArmError(
        401,
        "InvalidAuthenticationToken",
        "The access token is invalid.",
        undefined,
        undefined,
        challenge,
      );
    }
    const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud ?? ""];
    // Classic SDK clients ask for "<endpoint>/.default": the emulator's own URL, by IP or by name.
    const self = [this.baseUrl(), this.baseUrl().replace("://127.0.0.1:", "://localhost:")];
    const own = self.flatMap((u) => [u, `${u}/`]);
    if (!aud.some((a) => ARM_AUDIENCES.includes(a) || own.includes(a)))
      throw new ArmError(
        401,
        "InvalidAuthenticationTokenAudience",
        `The access token has been obtained for wrong audience or resource '${aud.join(",")}'. It should exactly match with one of the allowed audiences '${ARM_AUDIENCES.join("','")}'.`,
        undefined,
        undefined,
        challenge,
      );
    const oid = String(payload["oid"] ?? payload.sub ?? "");
    const appid = typeof payload["appid"] === "string" ? payload["appid"] : undefined;
    return (
      this.store.state.principals[oid] ?? {
        id: oid,
        kind: appid ? "ServicePrincipal" : "User",
        ...(appid ? { appId: appid } : {}),
        displayName: oid,
        createdAt: 0,
      }
    );
  }

  /**
   * POST /_emulator/tokens — the local stack's stand-in for signing in to Entra ID: a token for any
   * audience with the roles and groups asked for (`aks-vending dev-token`, tests). Body:
   * `{ audience, subject?, roles?, groups?, name?, expiresInSeconds?, claims? }`.
   */
  async devToken(body: unknown): Promise<{ status: number; body: unknown }> {
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
    const { token, expiresOn } = await this.issue({
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

  private metadata(tenant: string) {
    const base = this.baseUrl();
    return {
      /** Not in Entra ID's metadata: tells `aks-vending dev-token` that this is the local issuer. */
      aks_vending_dev_token_endpoint: `${base}/_emulator/tokens`,
      issuer: this.issuer,
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
  private static audienceOf(scope: string): string {
    const first = scope.split(/\s+/).find((s) => s.endsWith("/.default")) ?? scope.split(/\s+/)[0] ?? "";
    return first.replace(/\/\.default$/, "");
  }

  /**
   * Audience of a delegated token: the API scope among the OIDC ones ("api://x/.default" or
   * "api://x/Some.Scope" → "api://x").
   */
  private static delegatedAudience(scope: string): string {
    const oidc = ["openid", "profile", "email", "offline_access"];
    const api = scope.split(/\s+/).find((s) => s && !oidc.includes(s)) ?? "";
    return /^[a-z][a-z0-9+.-]*:\/\/.+\/[^/]+$/i.test(api) ? api.replace(/\/[^/]+$/, "") : api;
  }

  /** Tokens for a user signed in on the sign-in page: an access token for the API, an id token for the app. */
  private async userTokens(u: SignedInUser) {
    const objectId = guidFrom(`user:${u.user}`);
    const profile = { name: u.user, preferred_username: `${u.user}@aks-vending.local` };
    const audience = TokenIssuer.delegatedAudience(u.scope);
    const access = await this.issue({
      audience,
      subject: objectId,
      objectId,
      claims: { ...profile, roles: [u.role, `${DEFAULT_TEAM_ROLE_PREFIX}${u.team}`], scp: "access_as_user" },
    });
    const id = await this.issue({
      audience: u.clientId,
      subject: objectId,
      objectId,
      claims: { ...profile, ...(u.nonce !== undefined ? { nonce: u.nonce } : {}) },
    });
    return {
      token_type: "Bearer",
      scope: u.scope,
      expires_in: 3599,
      ext_expires_in: 3599,
      access_token: access.token,
      id_token: id.token,
      // What MSAL.js keys its account cache on (Entra ID returns it when asked with client_info=1).
      client_info: Buffer.from(JSON.stringify({ uid: objectId, utid: this.tenantId })).toString("base64url"),
    };
  }

  private async token(req: ArmRequest) {
    const f = form(req.body);
    if (f.get("grant_type") !== "authorization_code") return this.clientCredentials(f);
    const cors = corsHeaders(req);
    const redeemed = this.codes.redeem(f);
    if (!redeemed.ok)
      return {
        status: redeemed.status,
        headers: cors,
        body: { error: redeemed.error, error_description: redeemed.description },
      };
    return {
      status: 200,
      headers: { ...cors, "Cache-Control": "no-store" },
      body: await this.userTokens(redeemed.user),
    };
  }

  private async clientCredentials(f: URLSearchParams) {
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
    const principal = this.principalForClient(clientId);
    const { token } = await this.issue({
      audience: TokenIssuer.audienceOf(f.get("scope") ?? ""),
      subject: principal.id,
      objectId: principal.id,
      appId: clientId,
    });
    return {
      status: 200,
      body: { token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599, access_token: token },
    };
  }

  private async managedIdentityToken(req: ArmRequest) {
    const header = req.headers["x-identity-header"];
    if (header !== this.identityHeader)
      return {
        status: 401,
        body: { statusCode: 401, message: "Unauthorized: the X-IDENTITY-HEADER is missing or wrong." },
      };
    const resource = req.query.get("resource");
    if (!resource) return { status: 400, body: { statusCode: 400, message: "resource is required" } };
    const clientId = req.query.get("client_id") ?? req.query.get("mi_res_id") ?? "system-assigned";
    const identity = Object.values(this.store.state.resources).find(
      (r) =>
        r.type.toLowerCase() === "microsoft.managedidentity/userassignedidentities" &&
        ((r.body["properties"] as { clientId?: string } | undefined)?.clientId === clientId ||
          r.id.toLowerCase() === clientId.toLowerCase()),
    );
    const props = identity?.body["properties"] as { clientId: string; principalId: string } | undefined;
    const principal = props
      ? { id: props.principalId, appId: props.clientId }
      : this.principalForClient(clientId);
    const { token, expiresOn } = await this.issue({
      audience: TokenIssuer.audienceOf(resource),
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

  routes(): Route[] {
    // Browser apps read the metadata and keys too, so they carry CORS headers as Entra ID's do.
    const meta = (req: ArmRequest, p: Record<string, string>) => ({
      status: 200,
      headers: corsHeaders(req),
      body: this.metadata(p["tenant"] ?? this.tenantId),
    });
    const keys = (req: ArmRequest) => ({ status: 200, headers: corsHeaders(req), body: this.jwks() });
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
        handler: (r) => this.token(r),
      },
      { method: "OPTIONS", anonymous: true, pattern: "/{tenant}/oauth2/v2.0/token", handler: preflight },
      {
        method: "GET",
        anonymous: true,
        pattern: "/{tenant}/oauth2/v2.0/authorize",
        handler: (r) => this.codes.authorize(r),
      },
      {
        method: "POST",
        anonymous: true,
        pattern: "/{tenant}/oauth2/v2.0/authorize",
        handler: (r) => this.codes.signIn(r),
      },
      { method: "GET", anonymous: true, pattern: "/msi/token", handler: (r) => this.managedIdentityToken(r) },
    ];
  }
}
