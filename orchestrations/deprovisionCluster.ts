// deprovisionCluster: the reverse of provisionCluster — cluster, role assignment, identity, VNet,
// resource group — deleting only what a fresh read shows was created for this cluster (its unique
// id tag) and holds nothing of anyone else, and waiting (durable timers) for each long delete
// before the next. Also the rollback of a failed provisioning.
import type { OrchestrationContext } from "durable-functions";
import type * as df from "durable-functions";
import { identityName, ids } from "../shared/azure/names.js";
import type { DeleteOutcome, LroStep, OwnedResourceKind } from "../shared/provision/activity-io.js";
import { OWNED_RESOURCE_KINDS } from "../shared/provision/activity-io.js";
import { ACTIVITY, ORCHESTRATION } from "../shared/provision/durable.js";
import { STEP } from "../shared/provision/steps.js";
import type { DeprovisionInput, DeprovisionOutput } from "../shared/provision/types.js";
import { activity, orchestrator, retryOptions, type Flow } from "./durable.js";
import { addSeconds, untilSucceeded } from "./monitor.js";
import { reportCompletion } from "./notifyPipelines.js";
import { StepFailed, StepRunner } from "./step-runner.js";

const STEP_OF: Record<OwnedResourceKind, string> = {
  cluster: STEP.deleteCluster,
  roleAssignment: STEP.deleteRoleAssignment,
  identity: STEP.deleteIdentity,
  virtualNetwork: STEP.deleteVirtualNetwork,
  resourceGroup: STEP.deleteResourceGroup,
};

export const deprovisionCluster = orchestrator(
  ORCHESTRATION.deprovisionCluster,
  function* (ctx, input): Flow<DeprovisionOutput> {
    const retry = retryOptions(input.timing.activityRetry);
    // A DELETE may have stopped a provisioning that pipelines still wait on: it has failed for them.
    // (None left when the provisioning ended by itself: it reported and removed its callbacks.)
    if (!input.rollback) yield* reportCompletion(ctx, input.provisionInstanceId, "failed", input.timing);

    const run = new StepRunner(
      ctx,
      OWNED_RESOURCE_KINDS.map((k) => STEP_OF[k]),
      "Deleting",
    );
    const out: DeprovisionOutput = { deleted: [], kept: [] };
    try {
      for (const kind of OWNED_RESOURCE_KINDS) {
        const step = STEP_OF[kind];
        const deleted = yield* run.step(step, () => deleteOwned(ctx, kind, input, retry, run, step));
        if (deleted.outcome === "deleted") out.deleted.push(deleted.resourceId);
        else if (deleted.outcome !== "absent") {
          const reason = deleted.reason ?? "it was not created for this cluster";
          out.kept.push({ resourceId: deleted.resourceId, reason });
          run.warn(`kept ${deleted.resourceId}: ${reason}`);
          // A kept cluster still uses its identity, role and network: keep them all.
          if (kind === "cluster" && deleted.outcome === "kept") {
            keepDependencies(input, run, out);
            break;
          }
        }
      }
    } catch (e) {
      if (!(e instanceof StepFailed)) throw e;
      run.skipRemaining().phase("Failed");
      return { ...out, error: e.failure };
    }
    run.phase("Deleted");
    return out;
  },
);

/**
 * Deletes one owned resource (only if tagged with the provisioning instance), waiting for a long
 * delete. A resource busy with another operation (AKS OperationNotAllowed, the network RP's
 * AnotherOperationInProgress) is waited for up to the deadline and the delete asked again, as the
 * create is (monitor.ts untilSucceeded); each new attempt reads the resource first.
 */
function* deleteOwned(
  ctx: OrchestrationContext,
  kind: OwnedResourceKind,
  input: DeprovisionInput,
  retry: df.RetryOptions,
  run: StepRunner,
  step: string,
): Flow<LroStep<DeleteOutcome>> {
  const { target, spec, timing } = input;
  const del = {
    kind,
    target,
    instanceId: input.provisionInstanceId,
    ...(input.clusterUid ? { clusterUid: input.clusterUid } : {}),
    spec,
    ...(input.keepSucceededCluster ? { keepSucceededCluster: true } : {}),
  };
  const deleteIt = () => activity(ctx, ACTIVITY.deleteOwnedResource, del, retry);
  const result = yield* untilSucceeded(ctx, {
    subscriptionId: target.subscriptionId,
    timing,
    retry,
    deadline: addSeconds(
      ctx.df.currentUtcDateTime,
      kind === "cluster" ? timing.clusterDeadlineSeconds : timing.armOperationDeadlineSeconds,
    ),
    ...(kind === "cluster" ? { firstWaitSeconds: timing.clusterDeleteFirstPollSeconds } : {}),
    maxResubmits: timing.activityRetry.maxAttempts,
    submit: deleteIt,
    again: deleteIt,
    onPoll: () => run.poll(step),
    onResubmit: () => run.retried(step),
    onWait: (reason) => run.waiting(step, reason),
  });
  if (result.status !== "succeeded") return result;
  // A poll answers the resource (or nothing), not the outcome: the delete went through.
  const v = result.value;
  return {
    status: "succeeded",
    value: "outcome" in v ? v : { outcome: "deleted", resourceId: expectedId(kind, input) },
  };
}

/** After a kept cluster: what it depends on is kept too (its steps Skipped, reported as kept). */
function keepDependencies(input: DeprovisionInput, run: StepRunner, out: DeprovisionOutput): void {
  for (const kind of OWNED_RESOURCE_KINDS.slice(1)) {
    const resourceId = expectedId(kind, input);
    out.kept.push({ resourceId, reason: "the kept cluster depends on it" });
    run.skip(STEP_OF[kind]);
  }
  run.warn("kept what the cluster depends on (role assignment, identity, virtual network, resource group)");
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
