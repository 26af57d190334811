// Validation of callers' bearer tokens (Entra ID in Azure, the Azure emulator's issuer locally):
// OIDC discovery, JWKS (cached; refetched on an unknown kid), issuer, audience, expiry and
// not-before with a small clock skew (exp is required), and an algorithm allow-list. Built on jose.
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from "jose";

export interface TokenValidationOptions {
  /** The issuer (`iss`), e.g. https://login.microsoftonline.com/<tenant>/v2.0. */
  issuer: string;
  /** Accepted audiences (`aud`): the API's application id URI and/or client id. */
  audience: string | string[];
  /** Where the OIDC metadata lives; defaults to `<issuer>/.well-known/openid-configuration`. */
  metadataUrl?: string;
  /** Accepted signing algorithms. Default RS256 and ES256; "none" is never accepted. */
  algorithms?: string[];
  /** Clock skew tolerated on exp/nbf/iat, in seconds. Default 60. */
  clockToleranceSeconds?: number;
  /** Minimum time between two JWKS fetches triggered by unknown kids, in ms. Default 30 s. */
  jwksCooldownMs?: number;
  /** Injectable clock for tests (ms since epoch). */
  now?: () => number;
}

/** Why a token was refused. The reason is for logs; callers only ever see a generic 401. */
export class TokenRejected extends Error {
  constructor(
    readonly reason:
      | "missing"
      | "malformed"
      | "expired"
      | "no-expiry"
      | "not-yet-valid"
      | "bad-signature"
      | "wrong-issuer"
      | "wrong-audience"
      | "algorithm"
      | "unavailable",
    message: string,
  ) {
    super(message);
    this.name = "TokenRejected";
  }
}

export type TokenVerifier = (authorizationHeader: string | null | undefined) => Promise<JWTPayload>;

const DEFAULT_ALGORITHMS = ["RS256", "ES256"];

/** Reads `jwks_uri` from the issuer's OIDC metadata once, then verifies tokens against it. */
export function createTokenVerifier(options: TokenValidationOptions): TokenVerifier {
  const algorithms = (options.algorithms ?? DEFAULT_ALGORITHMS).filter((a) => a.toLowerCase() !== "none");
  const metadataUrl =
    options.metadataUrl ?? `${options.issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
  let jwks: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;

  const keySet = () => {
    jwks ??= (async () => {
      const res = await fetch(metadataUrl);
      if (!res.ok)
        throw new TokenRejected("unavailable", `OIDC metadata ${metadataUrl} answered ${res.status}`);
      const meta = (await res.json()) as { jwks_uri?: string; issuer?: string };
      if (!meta.jwks_uri)
        throw new TokenRejected("unavailable", `OIDC metadata ${metadataUrl} has no jwks_uri`);
      return createRemoteJWKSet(new URL(meta.jwks_uri), {
        cooldownDuration: options.jwksCooldownMs ?? 30_000,
      });
    })().catch((e: unknown) => {
      jwks = undefined; // retry discovery on the next request
      throw e instanceof TokenRejected
        ? e
        : new TokenRejected("unavailable", `OIDC metadata ${metadataUrl}: ${(e as Error).message}`);
    });
    return jwks;
  };

  return async (header) => {
    if (!header) throw new TokenRejected("missing", "no Authorization header");
    const match = /^Bearer\s+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)\s*$/i.exec(header);
    if (!match) throw new TokenRejected("malformed", "Authorization is not 'Bearer <JWT>'");
    const token = match[1]!;
    const keys = await keySet();
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms,
        clockTolerance: options.clockToleranceSeconds ?? 60,
        // jose checks exp only when present: a token without one would be valid forever.
        requiredClaims: ["exp"],
        ...(options.now ? { currentDate: new Date(options.now()) } : {}),
      });
      return payload;
    } catch (e) {
      throw classify(e);
    }
  };
}

function classify(e: unknown): TokenRejected {
  if (e instanceof TokenRejected) return e;
  const message = (e as Error).message;
  if (e instanceof joseErrors.JWTExpired) return new TokenRejected("expired", message);
  if (e instanceof joseErrors.JWTClaimValidationFailed) {
    if (e.claim === "iss") return new TokenRejected("wrong-issuer", message);
    if (e.claim === "aud") return new TokenRejected("wrong-audience", message);
    if (e.claim === "nbf") return new TokenRejected("not-yet-valid", message);
    if (e.claim === "exp" && e.reason === "missing") return new TokenRejected("no-expiry", message);
    return new TokenRejected("malformed", message);
  }
  if (e instanceof joseErrors.JOSEAlgNotAllowed || e instanceof joseErrors.JOSENotSupported)
    return new TokenRejected("algorithm", message);
  if (e instanceof joseErrors.JWSSignatureVerificationFailed || e instanceof joseErrors.JWKSNoMatchingKey)
    return new TokenRejected("bad-signature", message);
  if (e instanceof joseErrors.JWKSTimeout) return new TokenRejected("unavailable", message);
  return new TokenRejected("malformed", message);
}

/** The WWW-Authenticate value for a 401 (RFC 6750): says what to send, never why a token failed. */
export function wwwAuthenticate(realm: string, tokenWasSent: boolean): string {
  return tokenWasSent ? `Bearer realm="${realm}", error="invalid_token"` : `Bearer realm="${realm}"`;
}
