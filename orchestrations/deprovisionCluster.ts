// deprovisionCluster: the reverse of provisionCluster — cluster, role assignment, identity, VNet,
// resource group — deleting only what carries our tag for the provisioning instance, and waiting
// (durable timers) for each long delete before the next. Also the rollback of a failed provisioning.
import type { OrchestrationContext } from "durable-functions";
import { identityName, ids } from "../shared/azure/names.js";
import type { DeleteInput, DeleteOutcome, OwnedResourceKind } from "../shared/provision/activity-io.js";
import { OWNED_RESOURCE_KINDS } from "../shared/provision/activity-io.js";
import { STEP, StepTracker } from "../shared/provision/steps.js";
import type { DeprovisionInput, DeprovisionOutput } from "../shared/provision/types.js";
import { ACTIVITY, addSeconds, callLro, retryOptions, untilDone, type Flow } from "./flow.js";
import { reportCompletion } from "./notifyPipelines.js";

const STEP_OF: Record<OwnedResourceKind, string> = {
  cluster: STEP.deleteCluster,
  roleAssignment: STEP.deleteRoleAssignment,
  identity: STEP.deleteIdentity,
  virtualNetwork: STEP.deleteVirtualNetwork,
  resourceGroup: STEP.deleteResourceGroup,
};

export function* deprovisionCluster(ctx: OrchestrationContext): Flow<DeprovisionOutput> {
  const input = ctx.df.getInput<DeprovisionInput>();
  const { target, spec, timing } = input;
  const retry = retryOptions(timing.activityRetry);
  const now = () => ctx.df.currentUtcDateTime;
  const t = new StepTracker(
    OWNED_RESOURCE_KINDS.map((k) => STEP_OF[k]),
    "Deleting",
  );
  const publish = () => ctx.df.setCustomStatus(t.snapshot());
  const out: DeprovisionOutput = { deleted: [], kept: [] };
  // A DELETE may have stopped a provisioning that pipelines still wait on: it has failed for them.
  // (None left when the provisioning ended by itself: it reported and removed its callbacks.)
  if (!input.rollback) yield* reportCompletion(ctx, input.provisionInstanceId, "failed", timing);

  for (const kind of OWNED_RESOURCE_KINDS) {
    const step = STEP_OF[kind];
    t.start(step, now());
    publish();
    const del: DeleteInput = { kind, target, instanceId: input.provisionInstanceId, spec };
    const first = yield* callLro<DeleteOutcome>(ctx, ACTIVITY.deleteOwnedResource, del, retry);
    const resourceId = first.status === "succeeded" ? first.value.resourceId : expectedId(kind, input);
    const result = yield* untilDone(ctx, first, {
      subscriptionId: target.subscriptionId,
      timing,
      retry,
      deadline: addSeconds(
        now(),
        kind === "cluster" ? timing.clusterDeadlineSeconds : timing.armOperationDeadlineSeconds,
      ),
      ...(kind === "cluster" ? { firstWaitSeconds: timing.clusterDeleteFirstPollSeconds } : {}),
      again: () => callLro<DeleteOutcome>(ctx, ACTIVITY.deleteOwnedResource, del, retry),
      onPoll: () => t.attempt(step),
    });
    if (result.status === "failed") {
      t.fail(step, now(), result.error).skipRemaining().phase("Failed");
      publish();
      out.error = { ...result.error, step };
      return out;
    }
    const value = result.status === "succeeded" ? result.value : undefined;
    const outcome = value && "outcome" in value ? value : { outcome: "deleted" as const, resourceId };
    if (outcome.outcome === "notOwned") {
      out.kept.push(outcome.resourceId);
      t.warn(`kept ${outcome.resourceId}: it was not created by this system`);
    } else if (outcome.outcome === "deleted") out.deleted.push(outcome.resourceId);
    t.succeed(step, now());
  }
  t.phase("Deleted");
  publish();
  return out;
}

/** The id of a resource whose delete is still running (long deletes: cluster, VNet, group). */
function expectedId(kind: OwnedResourceKind, input: DeprovisionInput): string {
  const { target, spec } = input;
  switch (kind) {
    case "cluster":
      return ids.cluster(target);
    case "virtualNetwork":
      return ids.vnet(target, spec.network.vnetName);
    case "resourceGroup":
      return ids.resourceGroup(target);
    case "identity":
      return ids.identity(target, identityName(spec.name));
    case "roleAssignment":
      return `${ids.subnet(target, spec.network.vnetName, spec.network.subnetName)}/providers/Microsoft.Authorization/roleAssignments`;
  }
}
