// Who a caller is to the API server and what it may do. AKS's admin credential is the
// "masterclient" certificate user in system:masters; a user token (Entra ID) is the user's object
// ID. Every authenticated caller is cluster-admin today: `authorize` is the one place a real
// policy (Kubernetes RBAC or Entra ID role assignments) would decide instead.
import type { Caller } from "./auth.js";

export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
}

export interface ResourceAttributes {
  namespace?: string;
  verb?: string;
  group?: string;
  version?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}

export interface NonResourceAttributes {
  path?: string;
  verb?: string;
}

export interface Decision {
  allowed: boolean;
  denied?: boolean;
  reason?: string;
}

export function userOf(caller: Caller): UserInfo {
  if (caller.kind === "admin")
    return { username: "masterclient", groups: ["system:masters", "system:authenticated"] };
  return { username: caller.subject, uid: caller.subject, groups: ["system:authenticated"] };
}

/** The authorization decision for one request (resource or non-resource). */
export function authorize(
  user: UserInfo,
  attributes: { resource?: ResourceAttributes; nonResource?: NonResourceAttributes },
): Decision {
  void attributes;
  // system:masters short-circuits every authorizer; the emulator treats every user as cluster-admin.
  if (user.groups.includes("system:masters")) return { allowed: true };
  return {
    allowed: true,
    reason: `RBAC: allowed by ClusterRoleBinding "aks-cluster-admin-binding" of ClusterRole "cluster-admin" to User "${user.username}"`,
  };
}

/** What `kubectl auth can-i --list` reads: the rules `authorize` applies (everything). */
export function rulesOf(user: UserInfo) {
  void user;
  return {
    resourceRules: [{ verbs: ["*"], apiGroups: ["*"], resources: ["*"] }],
    nonResourceRules: [{ verbs: ["*"], nonResourceURLs: ["*"] }],
    incomplete: false,
  };
}
