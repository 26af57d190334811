// Who may use a cluster with Azure RBAC for Kubernetes authorization: the ClusterSpec's `access`
// entries (a team, an Entra group or a principal, with a role, at the cluster or in namespaces),
// how a team becomes Entra principals, and the Azure role assignments a grant stands for. The
// grants are resolved once, when the API accepts the request (it knows the caller and the team
// map); the orchestration only assigns what they name.
import { z } from "zod";
import type { Caller, TeamMapping } from "../auth/caller.js";
import { checkDns1123Label, NAME_FORMATS } from "../kube/names.js";
import { addProblem, nameRule, type Problem } from "../validation/problems.js";

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export const ACCESS_ROLES = ["admin", "writer", "reader"] as const;
export type AccessRole = (typeof ACCESS_ROLES)[number];
export const PRINCIPAL_TYPES = ["User", "Group", "ServicePrincipal"] as const;
export type PrincipalType = (typeof PRINCIPAL_TYPES)[number];

/** Most access entries a request may carry (each becomes up to one assignment per namespace). */
export const MAX_ACCESS_ENTRIES = 20;
export const MAX_ACCESS_NAMESPACES = 20;

const guid = (code: string, what: string) =>
  z
    .string()
    .superRefine((value, ctx) => {
      if (!GUID.test(value)) addProblem(ctx, code, `"${value}" is not a valid ${what}: expected a GUID`);
    })
    .meta({ pattern: GUID.source });

export const AccessEntrySchema = z
  .strictObject({
    team: z
      .string()
      .superRefine(nameRule(checkDns1123Label))
      .optional()
      .meta({
        ...NAME_FORMATS.dns1123Label,
        description:
          "A team: its Entra groups (AKSV_TEAM_MAP); the caller themself when the team is the caller's and has no group",
      }),
    group: guid("InvalidGroupId", "group object id")
      .optional()
      .meta({ description: "An Entra group's object id" }),
    principal: guid("InvalidPrincipalId", "principal object id")
      .optional()
      .meta({ description: "A user's or a service principal's object id" }),
    principalType: z.enum(["User", "ServicePrincipal"]).optional().meta({
      description: 'What `principal` is (the role assignment\'s principalType); default "User"',
    }),
    role: z.enum(ACCESS_ROLES).meta({
      description:
        "admin: Azure Kubernetes Service RBAC Admin in the namespaces, RBAC Cluster Admin without them; writer: RBAC Writer; reader: RBAC Reader",
    }),
    namespaces: z
      .array(z.string().superRefine(nameRule(checkDns1123Label)).meta(NAME_FORMATS.dns1123Label))
      .min(1)
      .max(MAX_ACCESS_NAMESPACES)
      .optional()
      .meta({ description: "The namespaces the role holds in; the whole cluster when absent" }),
  })
  .superRefine((entry, ctx) => {
    const named = [entry.team, entry.group, entry.principal].filter((v) => v !== undefined).length;
    if (named !== 1) addProblem(ctx, "InvalidAccessSubject", "give exactly one of team, group or principal");
    if (entry.principalType !== undefined && entry.principal === undefined)
      addProblem(ctx, "InvalidAccessSubject", "principalType goes with principal only", ["principalType"]);
  })
  .meta({
    description: "One grant of Azure RBAC for Kubernetes on the cluster",
    examples: [{ team: "payments", role: "reader", namespaces: ["checkout"] }],
  });

export const AccessSchema = z.array(AccessEntrySchema).max(MAX_ACCESS_ENTRIES).optional().meta({
  description:
    "Who may use the cluster's Kubernetes API (Azure RBAC for Kubernetes, on with Entra ID). Default: the requesting team as writer in the request's namespaces (at the cluster when it has none)",
});

export type AccessEntry = z.output<typeof AccessEntrySchema>;

/** A resolved grant: one Entra principal, one role, at the cluster or in namespaces. */
export interface AccessGrant {
  principalId: string;
  principalType: PrincipalType;
  role: AccessRole;
  namespaces?: string[];
  /** Who the grant stands for, for the status ("team platform", "group <id>", "principal <id>"). */
  subject: string;
}

/** An Azure role assignment a grant stands for. */
export interface AccessAssignment {
  scope: string;
  roleGuid: string;
  principalId: string;
  principalType: PrincipalType;
}

/** The built-in AKS RBAC roles (their ids are the same in every tenant). */
export const AKS_RBAC_ROLES = {
  clusterAdmin: "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b",
  admin: "3498e952-d568-435e-9b2c-8d77e338d7f7",
  writer: "a7ffa36f-339b-4b5c-8bdf-e2c188b2c0eb",
  reader: "7f6c6a51-bcf8-42ba-9220-52d62157d7db",
} as const;

/** The role of a grant at one scope: admin of the whole cluster is Cluster Admin (AKS's own split). */
export function roleGuidOf(role: AccessRole, clusterWide: boolean): string {
  if (role === "admin") return clusterWide ? AKS_RBAC_ROLES.clusterAdmin : AKS_RBAC_ROLES.admin;
  return AKS_RBAC_ROLES[role];
}

/** The role assignments of the grants on a cluster: one per (grant, namespace), or one at the cluster. */
export function accessAssignments(grants: AccessGrant[], clusterId: string): AccessAssignment[] {
  const seen = new Set<string>();
  const out: AccessAssignment[] = [];
  for (const g of grants) {
    const scopes = g.namespaces?.map((ns) => `${clusterId}/namespaces/${ns}`) ?? [clusterId];
    for (const scope of scopes) {
      const a = {
        scope,
        roleGuid: roleGuidOf(g.role, g.namespaces === undefined),
        principalId: g.principalId,
        principalType: g.principalType,
      };
      const key = `${a.scope.toLowerCase()}|${a.roleGuid}|${a.principalId.toLowerCase()}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(a);
    }
  }
  return out;
}

export interface AccessRequester {
  caller: Caller;
  teams: TeamMapping;
}

/**
 * The grants of a request. A team is the Entra groups AKSV_TEAM_MAP maps to it (every one of
 * them, as Group principals); a team with no group there (membership by app role only) is the
 * caller themself, which only the caller's own team can be. Without `access`, the requesting team
 * gets writer in the request's namespaces (at the cluster when there are none).
 */
export function resolveAccess(
  spec: { team: string; namespaces: { name: string }[]; access?: AccessEntry[] },
  who: AccessRequester,
): { ok: true; grants: AccessGrant[] } | { ok: false; errors: Problem[] } {
  const namespaces = spec.namespaces.map((n) => n.name);
  const entries: AccessEntry[] = spec.access ?? [
    { team: spec.team, role: "writer", ...(namespaces.length ? { namespaces } : {}) },
  ];
  const grants: AccessGrant[] = [];
  const errors: Problem[] = [];
  entries.forEach((e, i) => {
    const where = { role: e.role, ...(e.namespaces ? { namespaces: e.namespaces } : {}) };
    if (e.group)
      grants.push({ principalId: e.group, principalType: "Group", subject: `group ${e.group}`, ...where });
    else if (e.principal)
      grants.push({
        principalId: e.principal,
        principalType: e.principalType ?? "User",
        subject: `principal ${e.principal}`,
        ...where,
      });
    else if (e.team) {
      const groups = Object.entries(who.teams.groups)
        .filter(([, team]) => team === e.team)
        .map(([group]) => group)
        .sort();
      for (const group of groups)
        grants.push({ principalId: group, principalType: "Group", subject: `team ${e.team}`, ...where });
      if (groups.length > 0) return;
      if (who.caller.teams.has(e.team) && GUID.test(who.caller.id))
        grants.push({
          principalId: who.caller.id,
          principalType: who.caller.principalType ?? "User",
          subject: `team ${e.team}`,
          ...where,
        });
      else
        errors.push({
          path: spec.access ? `access[${i}].team` : "team",
          code: "TeamHasNoGroup",
          message: `team ${e.team} has no Entra group in AKSV_TEAM_MAP: grant its group or principal instead`,
        });
    }
  });
  return errors.length ? { ok: false, errors } : { ok: true, grants };
}
