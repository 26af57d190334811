// Which SubjectAccessReviews prove a request's grants (issue 15: verification includes access).
// For each grant, in each of its namespaces (kube-system for a cluster-wide one): the action its
// role is for (reader: get pods, writer: create pods, admin: create rolebindings) and the next one
// up that it must not have (reader: delete pods, writer: create rolebindings); for a grant held in
// namespaces, its own action outside them (kube-system). What is expected is decided by every
// grant of the same principal together, so a principal granted reader here and writer there is
// not expected to be refused what its other grant allows. Pure and deterministic (the orchestrator
// computes it during replay).
import type { AccessGrant, AccessRole } from "../spec/access.js";
import type { AccessCheckSpec } from "./activity-io.js";
import type { AccessCheckResult } from "./types.js";

const RANK: Record<AccessRole, number> = { reader: 1, writer: 2, admin: 3 };

interface Action {
  verb: string;
  resource: string;
  group: string;
  /** The least role that may do it (AKS RBAC Reader < Writer < Admin). */
  needs: AccessRole;
}

const GET_PODS: Action = { verb: "get", resource: "pods", group: "", needs: "reader" };
const CREATE_PODS: Action = { verb: "create", resource: "pods", group: "", needs: "writer" };
const DELETE_PODS: Action = { verb: "delete", resource: "pods", group: "", needs: "writer" };
// Writer's notDataActions leave out Roles and RoleBindings; Admin (in a namespace) has them.
const CREATE_ROLEBINDINGS: Action = {
  verb: "create",
  resource: "rolebindings",
  group: "rbac.authorization.k8s.io",
  needs: "admin",
};

/** What each role is checked for: the action it grants, and the one it must not have (if any). */
const CHECKS: Record<AccessRole, { grants: Action; lacks?: Action }> = {
  reader: { grants: GET_PODS, lacks: DELETE_PODS },
  writer: { grants: CREATE_PODS, lacks: CREATE_ROLEBINDINGS },
  admin: { grants: CREATE_ROLEBINDINGS },
};

/** A namespace no team's grant is for: the checks "outside" and those of cluster-wide grants go there. */
export const OUTSIDE_NAMESPACE = "kube-system";

/** The highest role the principal holds in `namespace` by all of its grants (undefined: none). */
function roleIn(grants: readonly AccessGrant[], principalId: string, namespace: string): number {
  let best = 0;
  for (const g of grants) {
    if (g.principalId.toLowerCase() !== principalId.toLowerCase()) continue;
    if (g.namespaces && !g.namespaces.includes(namespace)) continue;
    best = Math.max(best, RANK[g.role]);
  }
  return best;
}

const describe = (a: Action): string => `${a.verb} ${a.group ? `${a.resource}.${a.group}` : a.resource}`;

/** Every access check of the grants, without repeats. */
export function planAccessChecks(grants: readonly AccessGrant[]): AccessCheckSpec[] {
  const out: AccessCheckSpec[] = [];
  const seen = new Set<string>();
  const add = (g: AccessGrant, namespace: string, action: Action) => {
    const key = `${g.principalId.toLowerCase()}|${namespace}|${describe(action)}`;
    if (seen.has(key)) return;
    seen.add(key);
    const expected = roleIn(grants, g.principalId, namespace) >= RANK[action.needs] ? "allowed" : "denied";
    out.push({
      principalId: g.principalId,
      principalType: g.principalType,
      namespace,
      verb: action.verb,
      resource: action.resource,
      group: action.group,
      result: {
        subject: g.subject,
        principalId: g.principalId,
        action: describe(action),
        namespace,
        expected,
      },
    });
  };
  for (const g of grants) {
    const { grants: allowed, lacks } = CHECKS[g.role];
    for (const ns of g.namespaces ?? [OUTSIDE_NAMESPACE]) {
      add(g, ns, allowed);
      if (lacks) add(g, ns, lacks);
    }
    if (g.namespaces) add(g, OUTSIDE_NAMESPACE, allowed);
  }
  return out;
}

/** The access part of the report, from the last observation of each check (by position). */
export function accessReport(
  plan: readonly AccessCheckSpec[],
  observed: readonly ("allowed" | "denied" | undefined)[],
): AccessCheckResult[] {
  return plan.map((c, i) => ({ ...c.result, observed: observed[i] ?? "unknown" }));
}

/** The SubjectAccessReview spec of a check: a user or service principal is the review's user, a group its group. */
export function reviewSpec(c: AccessCheckSpec): Record<string, unknown> {
  return {
    ...(c.principalType === "Group" ? { groups: [c.principalId] } : { user: c.principalId }),
    resourceAttributes: { namespace: c.namespace, verb: c.verb, group: c.group, resource: c.resource },
  };
}
