// Who is calling and what they may do: app roles (Clusters.Admin/Write/Read) and team membership
// from token claims, and the authorization rules the HTTP API applies.
import type { JWTPayload } from "jose";

export const ROLES = ["Clusters.Admin", "Clusters.Write", "Clusters.Read"] as const;
export type Role = (typeof ROLES)[number];

export interface TeamMapping {
  /** Claim holding group ids or names (Entra: "groups"). */
  claim: string;
  /** Group id → team name; a group not listed gives no team. */
  groups: Record<string, string>;
  /** App roles named "<prefix><team>" also give membership (e.g. "Team.platform"). */
  rolePrefix: string;
}

export interface Caller {
  /** Stable id: the token's oid (Entra object id) or sub. */
  id: string;
  /** For logs and status: upn, preferred_username, app id or the id. */
  displayName: string;
  roles: ReadonlySet<Role>;
  teams: ReadonlySet<string>;
  /** What Entra ID calls the caller in a role assignment (principalType); a user when unsure. */
  principalType?: "User" | "ServicePrincipal";
}

export type Action = "read" | "write";

function stringList(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string");
  return typeof value === "string" ? [value] : [];
}

export function callerFromClaims(claims: JWTPayload, mapping: TeamMapping): Caller {
  const roleClaims = stringList(claims["roles"]);
  const roles = new Set(roleClaims.filter((r): r is Role => (ROLES as readonly string[]).includes(r)));
  const teams = new Set<string>();
  for (const group of stringList(claims[mapping.claim])) {
    const team = mapping.groups[group];
    if (team) teams.add(team);
  }
  for (const role of roleClaims)
    if (role.startsWith(mapping.rolePrefix) && role.length > mapping.rolePrefix.length)
      teams.add(role.slice(mapping.rolePrefix.length));
  const id = String(claims["oid"] ?? claims.sub ?? "");
  const displayName = String(
    claims["upn"] ?? claims["preferred_username"] ?? claims["azp"] ?? claims["appid"] ?? id,
  );
  return { id, displayName, roles, teams, principalType: callerPrincipalType(claims) };
}

/**
 * The principal type of a token, as Entra ID tells it: `idtyp: "app"` (or an app id without a
 * delegated scope or a user name) is a service principal; anything else a user.
 */
export function callerPrincipalType(claims: JWTPayload): "User" | "ServicePrincipal" {
  if (claims["idtyp"] === "app") return "ServicePrincipal";
  if (claims["idtyp"] === "user" || claims["scp"] !== undefined) return "User";
  if (claims["upn"] !== undefined || claims["preferred_username"] !== undefined) return "User";
  return claims["appid"] !== undefined || claims["azp"] !== undefined ? "ServicePrincipal" : "User";
}

export const isAdmin = (caller: Caller): boolean => caller.roles.has("Clusters.Admin");

/** May the caller perform `action` at all (regardless of team)? */
export function hasRoleFor(caller: Caller, action: Action): boolean {
  if (isAdmin(caller)) return true;
  return action === "read"
    ? caller.roles.has("Clusters.Read") || caller.roles.has("Clusters.Write")
    : caller.roles.has("Clusters.Write");
}

/**
 * May the caller see a cluster of `team`? Callers who may not see it get 404 (not 403), so that
 * other teams' cluster names do not leak.
 */
export function canSee(caller: Caller, team: string): boolean {
  return hasRoleFor(caller, "read") && (isAdmin(caller) || caller.teams.has(team));
}

export function canChange(caller: Caller, team: string): boolean {
  return hasRoleFor(caller, "write") && (isAdmin(caller) || caller.teams.has(team));
}
