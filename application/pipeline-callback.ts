// POST /api/clusters from an Azure DevOps server job (AzureFunction@1 / InvokeRESTAPI@1 with
// waitForCompletion: true): the request is the ordinary create; in addition its callback headers
// (AuthToken included) are stored in Table storage under the provisioning instance, and the
// orchestration completes the pipeline's task when the cluster is done. Nothing of the callback goes
// into the orchestration's input, output or status, nor into logs.
//
// Answers 200 rather than 202 when the callback headers are present: the task's default success
// criterion is a 200 OK, and in callback mode the task waits for the TaskCompleted event anyway.
import { provisionInstanceId } from "../shared/azure/names.js";
import type { Caller } from "../shared/auth/caller.js";
import { parseCallbackHeaders, type PipelineCallback } from "../shared/callback/headers.js";
import type { AppConfig } from "../shared/config/index.js";
import { ORCHESTRATION } from "../shared/provision/durable.js";
import type { ClusterStatusDocument } from "../shared/provision/types.js";
import type { ClusterApi } from "./cluster-api.js";
import type { Orchestrations } from "./ports.js";
import { armError, type ApiRequest, type ApiResponse } from "./responses.js";

export interface PipelineCallbackDeps {
  config: AppConfig;
  orchestrations: Pick<Orchestrations, "start">;
  /** The callback table (undefined when this deployment has none configured). */
  callbacks: { save(instanceId: string, callback: PipelineCallback): Promise<void> } | undefined;
}

const TERMINAL = { Succeeded: "succeeded", Failed: "failed" } as const;

export async function createCluster(
  api: ClusterApi,
  request: ApiRequest,
  caller: Caller,
  deps: PipelineCallbackDeps,
): Promise<ApiResponse> {
  const parsed = parseCallbackHeaders(
    (name) => request.headers.get(name),
    deps.config.callback?.allowedHosts ?? [],
  );
  if (parsed.kind === "none") return api.create(request, caller);
  if (!deps.config.callback || !deps.callbacks)
    return armError(
      501,
      "CallbackNotConfigured",
      "this deployment does not accept Azure DevOps callbacks (AKSV_CALLBACK_TABLE_URL is not set); call without the callback headers, or use the CLI with --wait",
    );
  if (parsed.kind === "invalid")
    return armError(
      400,
      "InvalidCallbackHeaders",
      `the Azure DevOps callback headers are incomplete or invalid: ${parsed.problems.map((p) => p.path.replace("headers.", "")).join(", ")}`,
      parsed.problems,
    );

  const response = await api.create(request, caller);
  if (response.status !== 200 && response.status !== 202) return response;
  const doc = response.jsonBody as ClusterStatusDocument;
  const instanceId = provisionInstanceId({
    subscriptionId: doc.subscriptionId,
    resourceGroup: doc.resourceGroup,
    name: doc.name,
  });
  await deps.callbacks.save(instanceId, parsed.callback);
  // The provisioning reports after publishing its terminal phase: if the phase read now is not
  // terminal, the row was stored before it reports and it will be found; if it is terminal (an
  // idempotent repeat of a finished request), report from a small orchestration of its own.
  const now = await api.find(doc.name);
  const phase = now ? api.document(now).phase : doc.phase;
  const result = phase === "Succeeded" || phase === "Failed" ? TERMINAL[phase] : undefined;
  if (result) {
    try {
      await deps.orchestrations.start(ORCHESTRATION.notifyPipelines, {
        instanceId: `${instanceId}-notify-${parsed.callback.TaskInstanceId}`.slice(0, 256),
        input: { provisionInstanceId: instanceId, result, timing: deps.config.timing },
      });
    } catch {
      // Already running for this task (a repeated request): that one reports.
    }
  }
  return { ...response, status: 200 };
}
