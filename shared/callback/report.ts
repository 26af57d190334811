// Completing a pipeline's server task: for each stored callback of an instance, read the task's
// timeline record (already completed → nothing to send: this is what keeps the report exactly-once
// when a crash came between sending and deleting the row), POST TaskCompleted to the plan's events,
// then delete the row. Transient failures throw, for the orchestration's retry policy.
import { TransientError } from "../azure/errors.js";
import {
  devopsAuthorization,
  planEventsUrl,
  taskCompletedEvent,
  timelineRecordsUrl,
  type CallbackResult,
  type PipelineCallback,
} from "./headers.js";
import type { StoredCallback } from "./store.js";

export interface CallbackRows {
  list(instanceId: string): Promise<StoredCallback[]>;
  remove(instanceId: string, taskInstanceId: string): Promise<void>;
}

export interface ReportInput {
  /** The provisioning instance whose callbacks are completed. */
  instanceId: string;
  result: CallbackResult;
}

export interface ReportOutput {
  /** TaskCompleted events sent. */
  sent: number;
  /** Tasks found already completed (sent before a crash, or completed by someone else). */
  alreadyCompleted: number;
  /** Tasks Azure DevOps refused for good (token expired, plan gone): row dropped, nothing to retry. */
  abandoned: string[];
}

export interface ReportDeps {
  rows: CallbackRows;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/** 4xx other than 408/429 will not change on a retry: the token is invalid or the plan is gone. */
function permanent(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

async function call(
  deps: ReportDeps,
  cb: PipelineCallback,
  url: string,
  init: { method: string; body?: unknown },
): Promise<Response> {
  const doFetch = deps.fetch ?? fetch;
  try {
    return await doFetch(url, {
      method: init.method,
      headers: {
        Authorization: devopsAuthorization(cb),
        Accept: "application/json",
        ...(init.body !== undefined ? { "Content-Type": "application/json" } : {}),
      },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      signal: AbortSignal.timeout(deps.timeoutMs ?? 30_000),
    });
  } catch (e) {
    // Never the URL's query or the token: only what failed.
    throw new TransientError({ code: "DevOpsUnreachable", message: (e as Error).message });
  }
}

/**
 * Whether the task's timeline record says it is completed already. A record we may not read (a
 * token scoped to events only) counts as not completed: the POST then decides.
 */
async function alreadyCompleted(deps: ReportDeps, cb: PipelineCallback): Promise<boolean> {
  const r = await call(deps, cb, timelineRecordsUrl(cb), { method: "GET" });
  if (permanent(r.status)) return false;
  if (!r.ok)
    throw new TransientError({ code: "DevOpsUnavailable", message: `timeline records: HTTP ${r.status}` });
  const body = (await r.json()) as { value?: { id?: string; state?: string }[] };
  const record = body.value?.find((x) => x.id?.toLowerCase() === cb.TaskInstanceId.toLowerCase());
  return record?.state?.toLowerCase() === "completed";
}

export async function reportToPipelines(input: ReportInput, deps: ReportDeps): Promise<ReportOutput> {
  const out: ReportOutput = { sent: 0, alreadyCompleted: 0, abandoned: [] };
  for (const { callback: cb } of await deps.rows.list(input.instanceId)) {
    if (await alreadyCompleted(deps, cb)) out.alreadyCompleted++;
    else {
      const r = await call(deps, cb, planEventsUrl(cb), {
        method: "POST",
        body: taskCompletedEvent(cb, input.result),
      });
      if (permanent(r.status)) out.abandoned.push(cb.TaskInstanceId);
      else if (!r.ok)
        throw new TransientError({ code: "DevOpsUnavailable", message: `plan events: HTTP ${r.status}` });
      else out.sent++;
    }
    await deps.rows.remove(input.instanceId, cb.TaskInstanceId);
  }
  return out;
}
