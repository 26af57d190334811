// The token issuer's model: the signing key (kept in the emulator state, so tokens stay valid across
// restarts), RS256 JWTs for clients, managed identities and dev users, the principals they stand for,
// the bearer-token check ARM applies to every request, and the tokens of a user who signed in
// interactively (authorize.ts holds the sign-ins and codes). Its endpoints are in routes.ts.
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
import { IdentityErrors } from "./errors.js";
import { VerifiedTokens } from "../../common/verified-tokens.js";
import type { Principal, Store } from "../core/store.js";
import { DEFAULT_TEAM_ROLE_PREFIX } from "../../../shared/auth/dev-token.js";
import { AuthorizationCodes, type SignedInUser } from "./authorize.js";

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

/** Audiences of Azure Storage's data plane (the local Table service, Azurite, takes them). */
const STORAGE_AUDIENCES = ["https://storage.azure.com", "https://storage.azure.com/"];

/** Claims a caller may not set: the issuer owns them. */
const RESERVED_CLAIMS = ["iss", "aud", "sub", "exp", "nbf", "iat", "oid", "tid", "ver"];

/** A stable GUID derived from text (for principals of client ids we have not seen before). */
export function guidFrom(text: string): string {
  const h = createHash("sha256").update(text).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export class TokenIssuer {
  private privateKey!: CryptoKey;
  private publicKey!: CryptoKey;
  private publicJwk!: JWK;
  private kid!: string;
  /** Secret the managed-identity endpoint requires in X-IDENTITY-HEADER. */
  identityHeader!: string;
  /** Interactive sign-ins of browser apps (authorization code + PKCE). */
  readonly codes = new AuthorizationCodes();
  /** ARM bearer tokens already verified (their payloads), until they expire. */
  private readonly verified = new VerifiedTokens<JWTPayload>();

  constructor(
    private readonly store: Store,
    readonly tenantId: string,
    readonly baseUrl: () => string,
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
    // Entra ID gives Azure Storage v1.0 tokens, issued by https://sts.windows.net/{tenant}/ (the
    // issuer Azurite's OAuth check requires); the other audiences get this issuer's v2.0 tokens.
    const v1 = STORAGE_AUDIENCES.includes(options.audience);
    const token = await new SignJWT({
      ...extra,
      oid: options.objectId,
      tid: this.tenantId,
      ...(options.appId ? { appid: options.appId, azp: options.appId } : {}),
      ver: v1 ? "1.0" : "2.0",
    })
      .setProtectedHeader({ alg: "RS256", kid: this.kid, typ: "JWT" })
      .setIssuer(v1 ? `https://sts.windows.net/${this.tenantId}/` : this.issuer)
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

  /** Checks ARM's bearer token; throws ARM's 401 answers. */
  async authenticate(authorization: string | undefined): Promise<Principal> {
    const challenge = {
      "WWW-Authenticate": `Bearer authorization_uri="${this.baseUrl()}/${this.tenantId}", error="invalid_token", error_description="The authentication failed because of missing 'Authorization' header."`,
    };
    const m = authorization ? /^Bearer\s+(\S+)$/i.exec(authorization) : null;
    if (!m) throw IdentityErrors.AuthenticationFailed(challenge);
    let payload: JWTPayload;
    try {
      payload = await this.verified.verify(m[1]!, async () => {
        const verified = await jwtVerify(m[1]!, this.publicKey, { issuer: this.issuer, clockTolerance: 0 });
        return verified.payload;
      });
    } catch (e) {
      if (e instanceof joseErrors.JWTExpired) {
        const exp = (e.payload.exp ?? 0) * 1000;
        throw IdentityErrors.ExpiredAuthenticationToken(new Date(exp), new Date(), challenge);
      }
      throw IdentityErrors.InvalidAuthenticationToken(challenge);
    }
    const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud ?? ""];
    // Classic SDK clients ask for "<endpoint>/.default": the emulator's own URL, by IP or by name.
    const self = [this.baseUrl(), this.baseUrl().replace("://127.0.0.1:", "://localhost:")];
    const own = self.flatMap((u) => [u, `${u}/`]);
    if (!aud.some((a) => ARM_AUDIENCES.includes(a) || own.includes(a)))
      throw IdentityErrors.InvalidAuthenticationTokenAudience(aud, ARM_AUDIENCES, challenge);
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

  /** The principal a managed-identity token request stands for: a user-assigned identity or an app. */
  principalForIdentity(clientIdOrResourceId: string): { id: string; appId?: string } {
    const identity = this.store
      .ofType("Microsoft.ManagedIdentity/userAssignedIdentities")
      .find(
        (r) =>
          (r.body["properties"] as { clientId?: string } | undefined)?.clientId === clientIdOrResourceId ||
          r.id.toLowerCase() === clientIdOrResourceId.toLowerCase(),
      );
    const props = identity?.body["properties"] as { clientId: string; principalId: string } | undefined;
    return props
      ? { id: props.principalId, appId: props.clientId }
      : this.principalForClient(clientIdOrResourceId);
  }

  /** Tokens for a user signed in on the sign-in page: an access token for the API, an id token for the app. */
  async userTokens(u: SignedInUser) {
    const objectId = guidFrom(`user:${u.user}`);
    const profile = { name: u.user, preferred_username: `${u.user}@aks-vending.local` };
    const access = await this.issue({
      audience: delegatedAudience(u.scope),
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
}

/**
 * Audience of a delegated token: the API scope among the OIDC ones ("api://x/.default" or
 * "api://x/Some.Scope" → "api://x").
 */
function delegatedAudience(scope: string): string {
  const oidc = ["openid", "profile", "email", "offline_access"];
  const api = scope.split(/\s+/).find((s) => s && !oidc.includes(s)) ?? "";
  return /^[a-z][a-z0-9+.-]*:\/\/.+\/[^/]+$/i.test(api) ? api.replace(/\/[^/]+$/, "") : api;
}
