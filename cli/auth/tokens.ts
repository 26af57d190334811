// Getting a token for the API's audience: a dev token from the local issuer, or one from
// @azure/identity's DefaultAzureCredential (environment / workload identity for pipelines, managed
// identity, Azure CLI, azd…). Tokens never reach stdout or stderr here.
import type { TokenCredential } from "@azure/identity";
import { decodeJwt } from "jose";
import { requestDevToken } from "../../shared/auth/dev-token.js";
import { CliError, fetchFailureReason, isUntrustedCertificate, TRUST_LOCAL_CA_HINT } from "../errors.js";
import type { DevTokenGrant } from "./profile.js";

export interface AccessToken {
  accessToken: string;
  /** Unix seconds. */
  expiresOn: number;
}

/** A token this close to its expiry is renewed before it is sent. */
export const RENEW_BEFORE_SECONDS = 60;

export function expiresSoon(t: AccessToken, now = Date.now()): boolean {
  return t.expiresOn - RENEW_BEFORE_SECONDS <= now / 1000;
}

function tlsHint(e: unknown): string {
  return isUntrustedCertificate(e) ? `; ${TRUST_LOCAL_CA_HINT}` : "";
}

/** A dev token from the local issuer (POST aks_vending_dev_token_endpoint). */
export async function devToken(grant: DevTokenGrant, audience: string): Promise<AccessToken> {
  let accessToken: string;
  try {
    accessToken = await requestDevToken(grant.endpoint, {
      audience,
      teams: grant.teams,
      roles: [grant.role],
      ...(grant.user ? { user: grant.user } : {}),
      ...(grant.expiresInSeconds !== undefined ? { expiresInSeconds: grant.expiresInSeconds } : {}),
    });
  } catch (e) {
    const reason = (e as { cause?: unknown }).cause
      ? `cannot reach ${grant.endpoint} (${fetchFailureReason(e)})`
      : (e as Error).message;
    throw new CliError(`no dev token: ${reason}${tlsHint(e)}`, 1, "NotSignedIn");
  }
  return { accessToken, expiresOn: decodeJwt(accessToken).exp ?? 0 };
}

/** The OAuth scope that asks for a token for the API's audience. */
export function scopeOf(audience: string): string {
  return audience.endsWith("/.default") ? audience : `${audience.replace(/\/+$/, "")}/.default`;
}

/** Loaded on first use: @azure/identity adds most of a second to every command's start. */
export async function azureCredential(): Promise<TokenCredential> {
  const { DefaultAzureCredential } = await import("@azure/identity");
  return new DefaultAzureCredential();
}

/** A token for the audience from an @azure/identity credential. */
export async function azureToken(credential: TokenCredential, audience: string): Promise<AccessToken> {
  let token: Awaited<ReturnType<TokenCredential["getToken"]>>;
  try {
    token = await credential.getToken(scopeOf(audience));
  } catch (e) {
    throw new CliError(
      `@azure/identity could not get a token for ${scopeOf(audience)}: ${(e as Error).message}${tlsHint(e)}`,
      1,
      "NotSignedIn",
    );
  }
  if (!token)
    throw new CliError(`@azure/identity returned no token for ${scopeOf(audience)}`, 1, "NotSignedIn");
  return { accessToken: token.token, expiresOn: Math.floor(token.expiresOnTimestamp / 1000) };
}

/** Who a token speaks for, for messages: name/upn, app id or object id, and its app roles. */
export function describeToken(accessToken: string): { who: string; roles: string[] } {
  const c = decodeJwt(accessToken);
  const pick = (k: string) => (typeof c[k] === "string" ? (c[k] as string) : undefined);
  const who =
    pick("preferred_username") ??
    pick("upn") ??
    (pick("appid") ? `app ${pick("appid")}` : undefined) ??
    pick("oid") ??
    c.sub ??
    "unknown";
  const roles = Array.isArray(c["roles"]) ? c["roles"].filter((r): r is string => typeof r === "string") : [];
  return { who, roles };
}
