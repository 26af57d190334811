// The Azure DevOps server-job callback: the headers AzureFunction@1/@2 and InvokeRESTAPI@1 send with
// `waitForCompletion: true` (their default `headers` input), and where the completion is reported.
// Pure: no I/O, no Functions types.
import type { Problem } from "../validation/problems.js";

/** Header names as the tasks' default `headers` input spells them (HTTP matches them case-insensitively). */
export const CALLBACK_HEADERS = [
  "PlanUrl",
  "ProjectId",
  "HubName",
  "PlanId",
  "JobId",
  "TimelineId",
  "TaskInstanceId",
  "AuthToken",
] as const;

export type CallbackHeader = (typeof CALLBACK_HEADERS)[number];

/** Everything needed to complete one pipeline task. AuthToken is a secret: never logged or put in history. */
export type PipelineCallback = Record<CallbackHeader, string>;

export type CallbackResult = "succeeded" | "failed";

export type ParsedCallback =
  | { kind: "none" }
  | { kind: "callback"; callback: PipelineCallback }
  | { kind: "invalid"; problems: Problem[] };

const GUIDISH = /^[0-9A-Za-z-]{1,64}$/;
const HUB = /^[A-Za-z]{1,32}$/;

/**
 * Reads the callback headers: none of them → an ordinary request; all → a callback; some → the
 * missing ones (a pipeline whose `headers` input dropped one would otherwise wait forever).
 * `allowedHosts` bounds where we will later send the caller's token (exact names or "*.suffix").
 */
export function parseCallbackHeaders(
  get: (name: string) => string | null | undefined,
  allowedHosts: string[],
): ParsedCallback {
  const values: Partial<PipelineCallback> = {};
  const missing: CallbackHeader[] = [];
  for (const name of CALLBACK_HEADERS) {
    const v = get(name)?.trim();
    if (v) values[name] = v;
    else missing.push(name);
  }
  if (missing.length === CALLBACK_HEADERS.length) return { kind: "none" };
  const problems: Problem[] = missing.map((name) => ({
    path: `headers.${name}`,
    code: "MissingCallbackHeader",
    message: `the Azure DevOps callback needs the ${name} header too`,
  }));
  if (missing.length === 0) {
    const cb = values as PipelineCallback;
    for (const name of ["ProjectId", "PlanId", "JobId", "TimelineId", "TaskInstanceId"] as const)
      if (!GUIDISH.test(cb[name]))
        problems.push({ path: `headers.${name}`, code: "InvalidCallbackHeader", message: "must be an id" });
    if (!HUB.test(cb.HubName))
      problems.push({
        path: "headers.HubName",
        code: "InvalidCallbackHeader",
        message: "must be a hub name, e.g. build",
      });
    let url: URL | undefined;
    try {
      url = new URL(cb.PlanUrl);
    } catch {
      url = undefined;
    }
    if (!url || url.protocol !== "https:")
      problems.push({
        path: "headers.PlanUrl",
        code: "InvalidCallbackHeader",
        message: "must be an https URL",
      });
    else if (!hostAllowed(url.hostname, allowedHosts))
      problems.push({
        path: "headers.PlanUrl",
        code: "CallbackHostNotAllowed",
        message: `${url.hostname} is not an Azure DevOps host this deployment reports to (AKSV_CALLBACK_ALLOWED_HOSTS)`,
      });
  }
  if (problems.length > 0) return { kind: "invalid", problems };
  return { kind: "callback", callback: values as PipelineCallback };
}

export function hostAllowed(host: string, allowed: string[]): boolean {
  const h = host.toLowerCase();
  return allowed.some((a) => {
    const p = a.trim().toLowerCase();
    return p.startsWith("*.") ? h.endsWith(p.slice(1)) : h === p;
  });
}

/** `{PlanUrl}{ProjectId}/_apis/distributedtask/hubs/{HubName}/plans/{PlanId}` (PlanUrl ends with "/"). */
function planBase(cb: PipelineCallback): string {
  const root = cb.PlanUrl.endsWith("/") ? cb.PlanUrl : `${cb.PlanUrl}/`;
  const e = encodeURIComponent;
  return `${root}${e(cb.ProjectId)}/_apis/distributedtask/hubs/${e(cb.HubName)}/plans/${e(cb.PlanId)}`;
}

/** The plan events endpoint a server task's completion is posted to. */
export function planEventsUrl(cb: PipelineCallback): string {
  return `${planBase(cb)}/events?api-version=2.0-preview.1`;
}

/** The job's timeline records (the task's record has id = TaskInstanceId). */
export function timelineRecordsUrl(cb: PipelineCallback): string {
  return `${planBase(cb)}/timelines/${encodeURIComponent(cb.TimelineId)}/records?api-version=6.0`;
}

/** The TaskCompleted event body. */
export function taskCompletedEvent(cb: PipelineCallback, result: CallbackResult) {
  return { name: "TaskCompleted", taskId: cb.TaskInstanceId, jobId: cb.JobId, result };
}

/** System.AccessToken as the pipelines REST API takes it: Basic with an empty user name. */
export function devopsAuthorization(cb: PipelineCallback): string {
  return `Basic ${Buffer.from(`:${cb.AuthToken}`).toString("base64")}`;
}
