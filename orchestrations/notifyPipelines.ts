// Completing the Azure DevOps server tasks that wait on a cluster: the last step of provisionCluster
// (succeeded / failed), the first of a DELETE's deprovisionCluster (a provisioning it stopped has
// failed), and on its own (notifyPipelines) when a task calls for a cluster that is already done.
import type { OrchestrationContext } from "durable-functions";
import type { CallbackResult } from "../shared/callback/headers.js";
import type { ProvisionTiming } from "../shared/config/index.js";
import { ACTIVITY, retryOptions, type Flow } from "./flow.js";

export interface NotifyPipelinesInput {
  provisionInstanceId: string;
  result: CallbackResult;
  timing: ProvisionTiming;
}

/** Reports with the retry policy; a report that still fails never changes the cluster's outcome. */
export function* reportCompletion(
  ctx: OrchestrationContext,
  provisionInstanceId: string,
  result: CallbackResult,
  timing: ProvisionTiming,
): Flow<boolean> {
  try {
    yield ctx.df.callActivityWithRetry(ACTIVITY.reportToPipelines, retryOptions(timing.activityRetry), {
      instanceId: provisionInstanceId,
      result,
    });
    return true;
  } catch {
    return false;
  }
}

export function* notifyPipelines(ctx: OrchestrationContext): Flow<{ reported: boolean }> {
  const input = ctx.df.getInput<NotifyPipelinesInput>();
  return { reported: yield* reportCompletion(ctx, input.provisionInstanceId, input.result, input.timing) };
}
