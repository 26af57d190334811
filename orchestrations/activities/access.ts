// Access to a cluster with Azure RBAC for Kubernetes authorization: the app's own identity gets
// "Azure Kubernetes Service RBAC Cluster Admin" on that one cluster (it seeds and verifies the
// cluster with it, never with the static admin credential). The role assignment's name is the
// deterministic guid(scope, principal, role), so a retry or a replay finds it instead of adding one.
import { appPrincipalId } from "../../shared/azure/app-identity.js";
import { classifyArmError, scrub, TransientError } from "../../shared/azure/errors.js";
import { ROLE_DEFINITIONS } from "../../shared/azure/names.js";
import type { ClusterAccessInput, RoleAssignmentOutput } from "../../shared/provision/activity-io.js";
import type { ActivityResult } from "../../shared/provision/types.js";
import { assignSubnetRole, defaultArmDeps, type ArmDeps } from "./arm.js";

export async function grantAppClusterAdmin(
  input: ClusterAccessInput,
  deps: ArmDeps = defaultArmDeps(),
): Promise<ActivityResult<RoleAssignmentOutput & { principalId: string }>> {
  let principalId: string;
  try {
    principalId = await appPrincipalId(deps.config);
  } catch (e) {
    const c = classifyArmError(e);
    // A credential that cannot answer now (the identity endpoint starting) is worth another try.
    throw new TransientError({ code: "AppIdentityUnavailable", message: scrub(c.message) });
  }
  const r = await assignSubnetRole(
    {
      subscriptionId: input.subscriptionId,
      scope: input.clusterId,
      principalId,
      roleGuid: ROLE_DEFINITIONS.aksRbacClusterAdmin,
    },
    deps,
  );
  return r.ok ? { ok: true, value: { ...r.value, principalId } } : r;
}
