// Who may call a cluster's API: its admin token (listClusterAdminCredential) unless the cluster's
// local accounts are disabled, or a JWT from the Azure emulator's issuer for the AKS server
// application (audience 6dae42f8-…, as Entra ID issues for kubelogin); else 401. A token's `oid` is
// the user and its `groups` claim the user's groups, as AKS's Entra ID authentication reads them.
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet, type JWTPayload } from "jose";
import { VerifiedTokens } from "../common/verified-tokens.js";

/** What authentication reads of a cluster's registration (narrow, so this module needs no cluster.ts). */
export interface TokenValidated {
  tokenValidation?: { issuer: string; audience: string; jwks: { keys: object[] } };
  aad?: { disableLocalAccounts?: boolean };
}

export type Caller = { kind: "admin" } | { kind: "user"; subject: string; groups?: string[] };

/** Per cluster registration's token validation (its issuer, audience and keys): the tokens it verified. */
const VERIFIED = new WeakMap<object, VerifiedTokens<JWTPayload>>();

export async function authenticate(
  authorization: string | undefined,
  registration: TokenValidated,
  adminToken: string,
): Promise<Caller | undefined> {
  const m = /^Bearer\s+(.+)$/i.exec(authorization ?? "");
  if (!m) return undefined;
  const token = m[1]!.trim();
  // With local accounts disabled AKS issues no static credential and the API server accepts none.
  if (token === adminToken) return registration.aad?.disableLocalAccounts ? undefined : { kind: "admin" };
  const validation = registration.tokenValidation;
  if (!validation || token.split(".").length !== 3) return undefined;
  try {
    let verified = VERIFIED.get(validation);
    if (!verified) VERIFIED.set(validation, (verified = new VerifiedTokens(1000)));
    const payload = await verified.verify(token, async () => {
      const jwks = createLocalJWKSet(validation.jwks as JSONWebKeySet);
      const r = await jwtVerify(token, jwks, { issuer: validation.issuer, audience: validation.audience });
      return r.payload;
    });
    const groups = Array.isArray(payload["groups"])
      ? (payload["groups"] as unknown[]).filter((g): g is string => typeof g === "string")
      : [];
    return { kind: "user", subject: String(payload["oid"] ?? payload.sub ?? ""), groups };
  } catch {
    return undefined;
  }
}
