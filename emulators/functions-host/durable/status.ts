// Instance status as the Durable HTTP API returns it (EXT: StatusResponsePayload.cs) and the history
// transformation of GetDurableOrchestrationStatusAsync (docs/durable-functions.md, "Instance status").
import { EVENT_TYPE_NAMES, EventType, type HistoryEvent } from "./history.js";
import type { InstanceRow } from "./store.js";

export interface StatusOptions {
  showInput: boolean;
  showHistory: boolean;
  showHistoryOutput: boolean;
}

/** The extension's "s" format plus Z: no fractions. */
export const statusTime = (ms: number): string => new Date(ms).toISOString().slice(0, 19) + "Z";

const parseJson = (text: string | null | undefined): unknown => {
  if (text === null || text === undefined || text === "") return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
};

export function statusPayload(
  instance: InstanceRow,
  options: StatusOptions,
  history?: HistoryEvent[],
): Record<string, unknown> {
  const payload: Record<string, unknown> = {
    name: instance.name,
    instanceId: instance.instanceId,
    runtimeStatus: instance.runtimeStatus,
    input: options.showInput ? parseJson(instance.input) : null,
    customStatus: parseJson(instance.customStatus),
    output: parseJson(instance.output),
    createdTime: statusTime(instance.createdTime),
    lastUpdatedTime: statusTime(instance.lastUpdatedTime),
  };
  if (options.showHistory && history) payload["historyEvents"] = transformHistory(history, options);
  return payload;
}

const HIDDEN = new Set<number>([EventType.OrchestratorStarted, EventType.OrchestratorCompleted]);

export function transformHistory(history: HistoryEvent[], options: StatusOptions): Record<string, unknown>[] {
  const scheduled = new Map<number, HistoryEvent>();
  const out: Record<string, unknown>[] = [];
  for (const e of history) {
    if (HIDDEN.has(e.EventType)) continue;
    if (
      e.EventType === EventType.TaskScheduled ||
      e.EventType === EventType.SubOrchestrationInstanceCreated
    ) {
      scheduled.set(e.EventId, e);
      continue;
    }
    const {
      EventType: type,
      EventId: _id,
      IsPlayed: _played,
      TaskScheduledId,
      TimerId: _timer,
      Name,
      Input,
      Result,
      ...rest
    } = e;
    const item: Record<string, unknown> = { EventType: EVENT_TYPE_NAMES[type] ?? String(type), ...rest };
    if (TaskScheduledId !== undefined) {
      const origin = scheduled.get(TaskScheduledId);
      if (origin) {
        item["FunctionName"] = origin.Name;
        item["ScheduledTime"] = origin.Timestamp;
        if (options.showInput && origin.Input !== undefined) item["Input"] = parseJson(origin.Input);
        if (origin.InstanceId) item["InstanceId"] = origin.InstanceId;
      }
    } else if (type === EventType.ExecutionStarted) {
      item["FunctionName"] = Name;
      if (options.showInput) item["Input"] = parseJson(Input);
    } else {
      if (Name !== undefined) item["Name"] = Name;
      if (Input !== undefined && options.showInput) item["Input"] = parseJson(Input);
    }
    if (Result !== undefined && options.showHistoryOutput) item["Result"] = parseJson(Result);
    delete item["OrchestrationInstance"];
    delete item["ParentInstance"];
    out.push(item);
  }
  return out;
}
