// Actions an orchestrator returns in its OrchestratorState (durable-functions actions/*.js, schema V2/V3).
import type { RetryOptions } from "./retry.js";

export const ActionType = {
  CallActivity: 0,
  CallActivityWithRetry: 1,
  CallSubOrchestrator: 2,
  CallSubOrchestratorWithRetry: 3,
  ContinueAsNew: 4,
  CreateTimer: 5,
  WaitForExternalEvent: 6,
  CallEntity: 7,
  CallHttp: 8,
  SignalEntity: 9,
  ScheduledSignalEntity: 10,
  WhenAny: 11,
  WhenAll: 12,
  LockEntities: 13,
  ReleaseEntities: 14,
} as const;

export interface Action {
  actionType: number;
  functionName?: string;
  input?: unknown;
  retryOptions?: RetryOptions;
  instanceId?: string;
  version?: string;
  fireAt?: string;
  isCanceled?: boolean;
  externalEventName?: string;
  compoundActions?: Action[];
}

export interface OrchestratorState {
  isDone: boolean;
  actions: Action[][];
  output?: unknown;
  error?: string;
  customStatus?: unknown;
  schemaVersion?: number;
}

/** Atomic actions in the order the engine numbered them: compound actions' children depth-first. */
export function flattenActions(actions: readonly Action[]): Action[] {
  const out: Action[] = [];
  const visit = (a: Action): void => {
    if (a.actionType === ActionType.WhenAll || a.actionType === ActionType.WhenAny) {
      for (const child of a.compoundActions ?? []) visit(child);
    } else {
      out.push(a);
    }
  };
  actions.forEach(visit);
  return out;
}

/** What must be identical when the orchestrator replays an action (names and shapes, not values). */
export function actionSignature(a: Action): string {
  switch (a.actionType) {
    case ActionType.WhenAll:
    case ActionType.WhenAny:
      return `${a.actionType === ActionType.WhenAll ? "WhenAll" : "WhenAny"}(${(a.compoundActions ?? []).map(actionSignature).join(",")})`;
    case ActionType.CreateTimer:
      return "CreateTimer";
    case ActionType.WaitForExternalEvent:
      return `WaitForExternalEvent:${a.externalEventName ?? ""}`;
    case ActionType.ContinueAsNew:
      return "ContinueAsNew";
    default:
      return `${ACTION_NAMES[a.actionType] ?? `Action${a.actionType}`}:${a.functionName ?? a.instanceId ?? ""}`;
  }
}

const ACTION_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(ActionType).map(([name, n]) => [n, name]),
);

/** Decodes an input that durable-functions' Utils.processInput JSON-stringified (strings only). */
export function decodeActionInput(input: unknown): unknown {
  if (typeof input !== "string") return input;
  try {
    return JSON.parse(input);
  } catch {
    return input;
  }
}
