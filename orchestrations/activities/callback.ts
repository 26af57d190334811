// The activity that completes Azure DevOps server tasks waiting on a cluster (see
// shared/callback/report.ts). Its input is only the instance id and the result: the callbacks and
// their tokens are read from Table storage inside the activity, never from durable history.
import { reportToPipelines, type ReportInput, type ReportOutput } from "../../shared/callback/report.js";
import { callbackStore } from "../../shared/callback/store.js";

export async function reportToPipelinesActivity(input: ReportInput): Promise<ReportOutput> {
  const rows = callbackStore();
  if (!rows) return { sent: 0, alreadyCompleted: 0, abandoned: [] };
  return reportToPipelines(input, { rows });
}
