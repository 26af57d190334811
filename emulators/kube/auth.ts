// Who may call a cluster's API: its admin token (listClusterAdminCredential), or a JWT from the
// Azure emulator's issuer for the AKS server application (listClusterUserCredential); else 401.
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from "jose";

/** What authentication reads of a cluster's registration (narrow, so this module needs no cluster.ts). */
export interface TokenValidated {
  tokenValidation?: { issuer: string; audience: string; jwks: { keys: object[] } };
}

export type Caller = { kind: "admin" } | { kind: "user"; subject: string };

export async function authenticate(
  authorization: string | undefined,
  registration: TokenValidated,
  adminToken: string,
): Promise<Caller | undefined> {
  const m = /^Bearer\s+(.+)$/i.exec(authorization ?? "");
  if (!m) return undefined;
  const token = m[1]!.trim();
  if (token === adminToken) return { kind: "admin" };
  const validation = registration.tokenValidation;
  if (!validation || token.split(".").length !== 3) return undefined;
  try {
    const jwks = createLocalJWKSet(validation.jwks as JSONWebKeySet);
    const { payload } = await jwtVerify(token, jwks, {
      issuer: validation.issuer,
      audience: validation.audience,
    });
    return { kind: "user", subject: String(payload["oid"] ?? payload.sub ?? "") };
  } catch {
    return undefined;
  }
}
