// The activity that completes Azure DevOps server tasks waiting on a cluster (see
// shared/callback/report.ts). Its input is only the instance id and the result: the callbacks and
// their tokens are read from Table storage inside the activity, never from durable history.
import { armCredential } from "../../shared/azure/clients.js";
import { reportToPipelines, type ReportInput, type ReportOutput } from "../../shared/callback/report.js";
import { CallbackStore } from "../../shared/callback/store.js";
import { appConfig, type AppConfig } from "../../shared/config/index.js";

let store: { key: string; value: CallbackStore } | undefined;

/** The callback table of this deployment (one client per process), or undefined when not configured. */
export function callbackStore(config: AppConfig = appConfig()): CallbackStore | undefined {
  const c = config.callback;
  if (!c) return undefined;
  const key = `${c.tableUrl}|${c.table}`;
  if (store?.key !== key) store = { key, value: new CallbackStore(c, armCredential(config)) };
  return store.value;
}

export async function reportToPipelinesActivity(input: ReportInput): Promise<ReportOutput> {
  const rows = callbackStore();
  if (!rows) return { sent: 0, alreadyCompleted: 0, abandoned: [] };
  return reportToPipelines(input, { rows });
}
