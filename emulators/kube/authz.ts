// Who a caller is to the API server and what it may do. AKS's admin credential is the
// "masterclient" certificate user in system:masters; an Entra ID token is the principal's object id
// with its groups. A cluster registered without Azure RBAC lets every authenticated caller be
// cluster-admin (the emulator models no Kubernetes RBAC objects). A cluster with Azure RBAC for
// Kubernetes authorization decides as AKS's authorization webhook does: a request is allowed when a
// role assignment of the caller (its object id or one of its groups) at the cluster, at a scope above
// it, or at the namespace scope `<cluster id>/namespaces/<ns>`, names a role whose dataActions cover
// the request's data action (`Microsoft.ContainerService/managedClusters/<group>/<resource>/<verb>`)
// and whose notDataActions do not.
import { actionMatches } from "../common/action-pattern.js";
import type { Caller } from "./auth.js";
import type { ReviewAuthorizer } from "./machinery/kinds.js";

export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
}

/** What a request is about, as access reviews spell it (declared with the review kinds). */
export type ResourceAttributes = NonNullable<Parameters<ReviewAuthorizer>[1]["resource"]>;

export interface NonResourceAttributes {
  path?: string;
  verb?: string;
}

export interface Attributes {
  resource?: ResourceAttributes;
  nonResource?: NonResourceAttributes;
}

export interface Decision {
  allowed: boolean;
  denied?: boolean;
  reason?: string;
}

/** A role definition as Azure holds it (only what the decision reads). */
export interface AzureRole {
  id: string;
  roleName: string;
  dataActions: string[];
  notDataActions: string[];
}

/** A role assignment as Azure holds it (only what the decision reads). */
export interface AzureAssignment {
  principalId: string;
  roleDefinitionId: string;
  scope: string;
}

/** What Azure holds for one cluster: its id, the assignments that reach it, the roles they name. */
export interface AzureRbacPolicy {
  clusterId: string;
  assignments: AzureAssignment[];
  roles: AzureRole[];
}

const SYSTEM_AUTHENTICATED = "system:authenticated";
const DATA_ACTION_PREFIX = "Microsoft.ContainerService/managedClusters";
/** What AKS's webhook appends to a refusal. */
export const AZURE_DENIED =
  "User does not have access to the resource in Azure. Update role assignment to allow access.";
/** Reviews of oneself and discovery are open to every authenticated user (system:basic-user, system:discovery). */
const SELF_REVIEWS = new Set(["selfsubjectaccessreviews", "selfsubjectrulesreviews", "selfsubjectreviews"]);

export function userOf(caller: Caller): UserInfo {
  if (caller.kind === "admin")
    return { username: "masterclient", groups: ["system:masters", SYSTEM_AUTHENTICATED] };
  return {
    username: caller.subject,
    uid: caller.subject,
    groups: [...(caller.groups ?? []), SYSTEM_AUTHENTICATED],
  };
}

/** The Azure data-action verb of a Kubernetes verb. */
function dataVerb(verb: string): string {
  switch (verb) {
    case "get":
    case "list":
    case "watch":
      return "read";
    case "create":
    case "update":
    case "patch":
      return "write";
    case "delete":
    case "deletecollection":
      return "delete";
    default:
      return "action";
  }
}

/** The data action AKS checks for a resource request. */
export function dataActionOf(r: ResourceAttributes): string {
  const resource = r.resource ?? "";
  const group = r.group ? `${r.group}/` : "";
  // exec, attach and port-forward are actions on the subresource; status, log, finalize follow the resource.
  if (r.subresource && ["exec", "attach", "portforward", "proxy"].includes(r.subresource))
    return `${DATA_ACTION_PREFIX}/${group}${resource}/${r.subresource}/action`;
  return `${DATA_ACTION_PREFIX}/${group}${resource}/${dataVerb(r.verb ?? "")}`;
}

/** Does `role` grant `action` (dataActions minus notDataActions)? */
export function roleGrants(role: AzureRole, action: string): boolean {
  return (
    role.dataActions.some((a) => actionMatches(a, action)) &&
    !role.notDataActions.some((a) => actionMatches(a, action))
  );
}

const norm = (s: string) => s.toLowerCase().replace(/\/+$/, "");

/** Does an assignment at `scope` reach a request in `namespace` (undefined: cluster-scoped)? */
function scopeReaches(scope: string, clusterId: string, r: ResourceAttributes): boolean {
  const s = norm(scope);
  const cluster = norm(clusterId);
  if (cluster === s || cluster.startsWith(`${s}/`)) return true;
  const ns = /^(.*)\/namespaces\/([^/]+)$/.exec(s);
  if (!ns || ns[1] !== cluster) return false;
  const target = r.namespace ?? (r.resource === "namespaces" && !r.group ? r.name : undefined);
  return target !== undefined && target.toLowerCase() === ns[2];
}

function describe(user: UserInfo, r: ResourceAttributes): string {
  const what = r.subresource ? `${r.resource}/${r.subresource}` : r.resource;
  const where = r.namespace ? ` in the namespace "${r.namespace}"` : " at the cluster scope";
  return `User "${user.username}" cannot ${r.verb} resource "${what}" in API group "${r.group ?? ""}"${where}`;
}

/** The Azure RBAC decision for one resource request (pure: the policy is given). */
export function azureRbacDecision(user: UserInfo, r: ResourceAttributes, policy: AzureRbacPolicy): Decision {
  const ids = new Set([user.uid ?? user.username, ...user.groups].map((x) => x.toLowerCase()));
  const action = dataActionOf(r);
  for (const a of policy.assignments) {
    if (!ids.has(a.principalId.toLowerCase())) continue;
    if (!scopeReaches(a.scope, policy.clusterId, r)) continue;
    const roleId = a.roleDefinitionId.split("/").pop()!.toLowerCase();
    const role = policy.roles.find((x) => x.id.toLowerCase() === roleId);
    if (role && roleGrants(role, action))
      return {
        allowed: true,
        reason: `Access allowed by Azure RBAC Role Assignment of role "${role.roleName}" at scope "${a.scope}"`,
      };
  }
  return { allowed: false, denied: true, reason: AZURE_DENIED };
}

/** The authorization decision for one request (resource or non-resource). */
export function authorize(user: UserInfo, attributes: Attributes, policy?: AzureRbacPolicy): Decision {
  // system:masters short-circuits every authorizer.
  if (user.groups.includes("system:masters")) return { allowed: true };
  if (!policy)
    return {
      allowed: true,
      reason: `RBAC: allowed by ClusterRoleBinding "aks-cluster-admin-binding" of ClusterRole "cluster-admin" to User "${user.username}"`,
    };
  const authenticated = user.groups.includes(SYSTEM_AUTHENTICATED);
  if (attributes.nonResource) {
    // Discovery, version and health are read by every authenticated user (system:discovery).
    const verb = attributes.nonResource.verb ?? "get";
    if (authenticated && (verb === "get" || verb === "head"))
      return {
        allowed: true,
        reason:
          'RBAC: allowed by ClusterRoleBinding "system:discovery" of ClusterRole "system:discovery" to Group "system:authenticated"',
      };
    return { allowed: false, denied: true, reason: AZURE_DENIED };
  }
  const r = attributes.resource ?? {};
  if (authenticated && r.verb === "create" && SELF_REVIEWS.has(r.resource ?? ""))
    return {
      allowed: true,
      reason:
        'RBAC: allowed by ClusterRoleBinding "system:basic-user" of ClusterRole "system:basic-user" to Group "system:authenticated"',
    };
  return azureRbacDecision(user, r, policy);
}

/** The 403 message the API server writes for a refused request. */
export function forbiddenMessage(user: UserInfo, r: ResourceAttributes, decision: Decision): string {
  const what = r.subresource ? `${r.resource}/${r.subresource}` : r.resource;
  const qualified = r.group ? `${what}.${r.group}` : what;
  const subject = r.name ? `${qualified} "${r.name}"` : qualified;
  return `${subject} is forbidden: ${describe(user, r)}${decision.reason ? `: ${decision.reason}` : ""}`;
}

/**
 * What `kubectl auth can-i --list` reads: everything for whoever may do anything; otherwise what is
 * open to every authenticated user, marked incomplete (Azure RBAC rules live in Azure, and AKS's
 * webhook cannot list them).
 */
export function rulesOf(user: UserInfo, decide: (user: UserInfo, attributes: Attributes) => Decision) {
  const everything = decide(user, { resource: { verb: "*", group: "*", resource: "*" } });
  if (everything.allowed)
    return {
      resourceRules: [{ verbs: ["*"], apiGroups: ["*"], resources: ["*"] }],
      nonResourceRules: [{ verbs: ["*"], nonResourceURLs: ["*"] }],
      incomplete: false,
    };
  return {
    resourceRules: [
      {
        verbs: ["create"],
        apiGroups: ["authorization.k8s.io", "authentication.k8s.io"],
        resources: [...SELF_REVIEWS],
      },
    ],
    nonResourceRules: [{ verbs: ["get"], nonResourceURLs: ["*"] }],
    incomplete: true,
    evaluationError: "webhook authorizer does not support user rule resolution",
  };
}
