// The cluster settings AKS takes by calls of their own after the create (issue 15): the maintenance
// configurations of the auto-upgrade channels, and the pod security initiative assigned at the
// cluster's scope. Both are PUTs of fixed names, so a retry or a replay writes the same thing again.
import {
  maintenanceConfigurationModels,
  podSecurityAssignmentModel,
  POLICY_API_VERSION,
} from "../../shared/azure/models.js";
import { ids } from "../../shared/azure/names.js";
import type {
  ClusterSettingsInput,
  MaintenanceOutput,
  PolicyAssignmentOutput,
} from "../../shared/provision/activity-io.js";
import type { ActivityResult } from "../../shared/provision/types.js";
import { defaultArmDeps, guarded, type ArmDeps } from "./arm.js";

/** aksManagedAutoUpgradeSchedule and aksManagedNodeOSUpgradeSchedule in the request's window. */
export async function ensureMaintenanceConfigurations(
  input: ClusterSettingsInput,
  deps: ArmDeps = defaultArmDeps(),
): Promise<ActivityResult<MaintenanceOutput>> {
  return guarded(async () => {
    const { containerService } = deps.clients(input.target.subscriptionId);
    const { resourceGroup, name } = input.target;
    const names: string[] = [];
    for (const config of maintenanceConfigurationModels(input.spec)) {
      await containerService.maintenanceConfigurations.createOrUpdate(
        resourceGroup,
        name,
        config.name,
        config.body,
      );
      names.push(config.name);
    }
    return { names };
  });
}

/**
 * The pod security initiative at the cluster's scope, through the generic resources API (a policy
 * client would be one more dependency for one PUT). The cluster must exist: this runs after it.
 */
export async function assignPodSecurityPolicy(
  input: ClusterSettingsInput,
  deps: ArmDeps = defaultArmDeps(),
): Promise<ActivityResult<PolicyAssignmentOutput>> {
  return guarded(async () => {
    const model = podSecurityAssignmentModel(input.spec, ids.cluster(input.target));
    if (!model) throw new Error("no pod security initiative requested: the step should not have run");
    const { resources } = deps.clients(input.target.subscriptionId);
    const assigned = await resources.resources.beginCreateOrUpdateByIdAndWait(model.id, POLICY_API_VERSION, {
      properties: model.properties,
    });
    return { policyAssignmentId: assigned.id ?? model.id };
  });
}
