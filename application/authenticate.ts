// Who is calling: every /api/clusters* request carries `Authorization: Bearer <JWT>` from the
// configured issuer (Entra ID in Azure, the Azure emulator locally). One verifier per process, so
// the issuer's metadata and JWKS are fetched once and cached. The app checks tokens itself, so it
// behaves the same behind Easy Auth, API Management or nothing.
import type { Caller } from "../shared/auth/caller.js";
import { callerOf, pipelineAudiences } from "../shared/auth/pipeline-callers.js";
import {
  createTokenVerifier,
  TokenRejected,
  wwwAuthenticate,
  type TokenVerifier,
} from "../shared/auth/token.js";
import type { AuthConfig } from "../shared/config/index.js";
import { armError, type ApiResponse } from "./responses.js";

export const REALM = "aks-vending";

export interface AuthLog {
  warn(message: string): void;
  error(message: string): void;
}

let verifier: { for: AuthConfig; verify: TokenVerifier } | undefined;

function verifierFor(auth: AuthConfig): TokenVerifier {
  if (verifier?.for !== auth)
    verifier = {
      for: auth,
      verify: createTokenVerifier({
        issuer: auth.issuer,
        audience: [...auth.audiences, ...pipelineAudiences(auth.pipelineCallers)],
        metadataUrl: auth.metadataUrl,
        clockToleranceSeconds: auth.clockSkewSeconds,
      }),
    };
  return verifier.verify;
}

/** The caller, or the response that refuses the request (401/503); the reason goes to the log only. */
export async function authenticate(
  auth: AuthConfig | undefined,
  authorization: string | null,
  log: AuthLog,
): Promise<Caller | ApiResponse> {
  if (!auth) {
    // Fail closed: an API without an issuer and audience would be open to anyone.
    log.error(
      "authentication is not configured (AKSV_AUTH_ISSUER, AKSV_AUTH_AUDIENCE): refusing the request",
    );
    return armError(
      503,
      "AuthenticationNotConfigured",
      "this deployment has no token issuer configured; ask the platform team",
    );
  }
  try {
    return callerOf(await verifierFor(auth)(authorization), auth);
  } catch (e) {
    if (!(e instanceof TokenRejected)) throw e;
    if (e.reason === "unavailable") {
      log.error(`token issuer unavailable: ${e.message}`);
      return {
        ...armError(
          503,
          "AuthenticationUnavailable",
          "the token issuer cannot be reached; try again shortly",
        ),
        headers: { "Retry-After": "5" },
      };
    }
    log.warn(`token rejected (${e.reason}): ${e.message}`);
    const response = armError(
      401,
      "AuthenticationFailed",
      authorization
        ? "the bearer token is not valid for this API"
        : "this API needs an Authorization: Bearer token",
    );
    return { ...response, headers: { "WWW-Authenticate": wwwAuthenticate(REALM, Boolean(authorization)) } };
  }
}

export function isCaller(v: Caller | ApiResponse): v is Caller {
  return "roles" in v && "teams" in v;
}
