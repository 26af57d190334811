// Access to a cluster with Azure RBAC for Kubernetes authorization: the app's own identity gets
// "Azure Kubernetes Service RBAC Cluster Admin" on that one cluster (it seeds and verifies the
// cluster with it, never with the static admin credential), and the request's grants their AKS
// RBAC roles at the cluster or in namespaces (shared/spec/access.ts). Every role assignment's name
// is the deterministic guid(scope, principal, role), so a retry or a replay finds it instead of
// adding one; each carries its principalType, so a principal Entra ID has not replicated yet is
// not refused.
import { appPrincipalId } from "../../shared/azure/app-identity.js";
import { classifyArmError, scrub, TransientError } from "../../shared/azure/errors.js";
import { ROLE_DEFINITIONS } from "../../shared/azure/names.js";
import type { ClusterAccessInput, ClusterAccessOutput } from "../../shared/provision/activity-io.js";
import type { ActivityResult } from "../../shared/provision/types.js";
import { accessAssignments } from "../../shared/spec/access.js";
import { assignSubnetRole, defaultArmDeps, type ArmDeps } from "./arm.js";

export async function grantClusterAccess(
  input: ClusterAccessInput,
  deps: ArmDeps = defaultArmDeps(),
): Promise<ActivityResult<ClusterAccessOutput>> {
  let principalId: string;
  try {
    principalId = await appPrincipalId(deps.config);
  } catch (e) {
    const c = classifyArmError(e);
    // A credential that cannot answer now (the identity endpoint starting) is worth another try.
    throw new TransientError({ code: "AppIdentityUnavailable", message: scrub(c.message) });
  }
  const assignments = [
    {
      scope: input.clusterId,
      principalId,
      roleGuid: ROLE_DEFINITIONS.aksRbacClusterAdmin,
      principalType: "ServicePrincipal" as const,
    },
    ...accessAssignments(input.grants ?? [], input.clusterId),
  ];
  const out: ClusterAccessOutput = { principalId, roleAssignmentIds: [], created: 0 };
  // One after the other: a handful of assignments, and the first refusal ends the step with its code.
  for (const a of assignments) {
    const r = await assignSubnetRole({ subscriptionId: input.subscriptionId, ...a }, deps);
    if (!r.ok) return r;
    out.roleAssignmentIds.push(r.value.roleAssignmentId);
    if (r.value.created) out.created++;
  }
  return { ok: true, value: out };
}
