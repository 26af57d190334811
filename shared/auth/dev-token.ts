// Tokens for the local stack: what `aks-vending dev-token` and the tests ask the Azure emulator's
// issuer for (POST /_emulator/tokens, advertised in its OIDC metadata). Entra ID has no such
// endpoint; in Azure a caller signs in with `aks-vending login` instead.
import type { Role } from "./caller.js";

/** The app-role prefix that names a team ("Team.platform"), as AKSV_TEAM_ROLE_PREFIX defaults it. */
export const DEFAULT_TEAM_ROLE_PREFIX = "Team.";

export interface DevTokenRequest {
  audience: string;
  /** Team memberships, given as app roles "<prefix><team>". */
  teams?: string[];
  /** App roles; default Clusters.Write. */
  roles?: Role[];
  /** Who the token is for (its sub/oid derive from it); default dev-<first team>. */
  user?: string;
  expiresInSeconds?: number;
  /** Group ids for the `groups` claim (AKSV_TEAM_MAP maps them to teams). */
  groups?: string[];
  teamRolePrefix?: string;
}

/** The body POST /_emulator/tokens takes for a dev token. */
export function devTokenBody(r: DevTokenRequest): Record<string, unknown> {
  const prefix = r.teamRolePrefix ?? DEFAULT_TEAM_ROLE_PREFIX;
  const teams = r.teams ?? [];
  return {
    audience: r.audience,
    subject: r.user ?? `dev-${teams[0] ?? "user"}`,
    roles: [...(r.roles ?? ["Clusters.Write"]), ...teams.map((t) => `${prefix}${t}`)],
    ...(r.groups ? { groups: r.groups } : {}),
    ...(r.expiresInSeconds !== undefined ? { expiresInSeconds: r.expiresInSeconds } : {}),
  };
}

/** Asks a dev-token endpoint for a token; throws with the endpoint's message on refusal. */
export async function requestDevToken(endpoint: string, r: DevTokenRequest): Promise<string> {
  const res = await fetch(endpoint, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(devTokenBody(r)),
  });
  const body = (await res.json().catch(() => ({}))) as {
    access_token?: string;
    error?: { message?: string };
  };
  if (!res.ok || !body.access_token)
    throw new Error(
      `dev-token endpoint ${endpoint} answered ${res.status}: ${body.error?.message ?? "no token"}`,
    );
  return body.access_token;
}
