// Completing the Azure DevOps server tasks that wait on a cluster: the last step of provisionCluster
// (succeeded / failed), the first of a DELETE's deprovisionCluster (a provisioning it stopped has
// failed), and on its own (notifyPipelines) when a task calls for a cluster that is already done.
import type { OrchestrationContext } from "durable-functions";
import type { CallbackResult } from "../shared/callback/headers.js";
import type { ProvisionTiming } from "../shared/config/index.js";
import { ACTIVITY, ORCHESTRATION } from "../shared/provision/durable.js";
import { activity, orchestrator, retryOptions, type Flow } from "./durable.js";

/** Reports with the retry policy; a report that still fails never changes the cluster's outcome. */
export function* reportCompletion(
  ctx: OrchestrationContext,
  provisionInstanceId: string,
  result: CallbackResult,
  timing: ProvisionTiming,
): Flow<boolean> {
  try {
    const input = { instanceId: provisionInstanceId, result };
    yield* activity(ctx, ACTIVITY.reportToPipelines, input, retryOptions(timing.activityRetry));
    return true;
  } catch {
    return false;
  }
}

export const notifyPipelines = orchestrator(ORCHESTRATION.notifyPipelines, function* (ctx, input) {
  return { reported: yield* reportCompletion(ctx, input.provisionInstanceId, input.result, input.timing) };
});
