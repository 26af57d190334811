// The drift check of one cluster: one GET of the managed cluster from ARM, then its seeded
// namespaces from Kubernetes (lists and server-side dry runs: nothing is written). The cost is this
// cluster's size only, whatever number of other clusters exists.
import { isOwnedBy } from "../../shared/azure/models.js";
import { kubeDrift } from "../../shared/kube/drift.js";
import { armDrift, type DriftCheckInput, type DriftObservation } from "../../shared/provision/drift.js";
import type { ActivityResult } from "../../shared/provision/types.js";
import { defaultArmDeps, guarded, isNotFound, type ArmDeps } from "./arm.js";
import { defaultKubeDeps, kubeStep, type KubeDeps } from "./kube.js";

export async function checkDrift(
  input: DriftCheckInput,
  deps: { arm?: ArmDeps; kube?: KubeDeps } = {},
): Promise<ActivityResult<DriftObservation>> {
  const arm = deps.arm ?? defaultArmDeps();
  const { target, spec } = input;
  const read = await guarded(async () => {
    try {
      return await arm
        .clients(target.subscriptionId)
        .containerService.managedClusters.get(target.resourceGroup, target.name);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  });
  if (!read.ok) return read;
  const mc = read.value;
  // Gone, or a cluster of the same name from another life (a create after a delete): not ours to watch.
  if (!mc || !isOwnedBy(mc.tags, { instanceId: input.baseInstanceId, clusterUid: input.clusterUid }))
    return { ok: true, value: { cluster: "absent" } };
  // An operation is changing the cluster (an update, an upgrade, a scale): what it changes is not drift.
  if (mc.provisioningState !== "Succeeded")
    return { ok: true, value: { cluster: "busy", provisioningState: mc.provisioningState ?? "Unknown" } };
  const found = armDrift(spec, mc);
  const kube = await kubeStep(target, deps.kube ?? defaultKubeDeps(), (clients) => kubeDrift(clients, spec));
  if (!kube.ok) return kube;
  return { ok: true, value: { cluster: "present", found: [...found, ...kube.value] } };
}
