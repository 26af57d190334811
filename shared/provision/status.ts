// Our status document, built from what the durable task hub reports about the provisioning (and,
// after DELETE, the deprovisioning) orchestration. Pure: the HTTP layer feeds it the two statuses.
import type { StepError } from "../azure/errors.js";
import { asDriftStatus } from "./drift.js";
import type {
  ClusterStatusDocument,
  DeprovisionOutput,
  DriftItem,
  OperationKind,
  Phase,
  ProvisionCustomStatus,
  ProvisionInput,
  ProvisionOutput,
  ProvisioningOutcome,
  StepStatus,
  UpdateInput,
} from "./types.js";

/** The part of a durable instance status we read (DurableOrchestrationStatus has these fields). */
export interface InstanceView {
  runtimeStatus: string;
  input: unknown;
  output: unknown;
  customStatus?: unknown;
  createdTime?: Date | string;
  lastUpdatedTime?: Date | string;
}

const TERMINAL: readonly Phase[] = ["Succeeded", "Failed", "Deleted"];

export function isTerminalPhase(phase: Phase): boolean {
  return TERMINAL.includes(phase);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function asCustomStatus(v: unknown): ProvisionCustomStatus | undefined {
  return isRecord(v) && typeof v["phase"] === "string" && Array.isArray(v["steps"])
    ? (v as unknown as ProvisionCustomStatus)
    : undefined;
}

export function asProvisionInput(v: unknown): ProvisionInput | undefined {
  return isRecord(v) && isRecord(v["target"]) && isRecord(v["spec"]) && typeof v["specHash"] === "string"
    ? (v as unknown as ProvisionInput)
    : undefined;
}

/** The input of an updateCluster run (an UpdateInput: a ProvisionInput with a generation and a base). */
export function asUpdateInput(v: unknown): UpdateInput | undefined {
  const input = asProvisionInput(v);
  return input &&
    typeof (input as Partial<UpdateInput>).generation === "number" &&
    typeof (input as Partial<UpdateInput>).baseInstanceId === "string"
    ? (input as UpdateInput)
    : undefined;
}

/** The generation an operation brings the cluster to: its UpdateInput's, or 1 for the create. */
export function generationOf(input: unknown): number {
  return asUpdateInput(input)?.generation ?? 1;
}

/**
 * The drift the cluster's monitor last reported (its custom status), for the status document;
 * undefined when no monitor runs (none started, or stopped with its cluster): a stopped one's
 * report is stale.
 */
export function driftOf(monitor: InstanceView | undefined): DriftItem[] | undefined {
  if (!monitor || !isRunning(monitor)) return undefined;
  return asDriftStatus(monitor.customStatus)?.drift;
}

/** What buildStatusDocument reads besides the latest operation and the deletion. */
export interface StatusContext {
  /** The cluster's create, when the latest operation is an update: its creation time and outputs. */
  base?: InstanceView;
  /** The cluster's drift monitor, when it exists. */
  drift?: InstanceView;
}

/** Durable runtime statuses of an instance that has not ended. */
export const RUNNING_STATUSES = ["Pending", "Running", "ContinuedAsNew", "Suspended"];

export function isRunning(view: Pick<InstanceView, "runtimeStatus">): boolean {
  return RUNNING_STATUSES.includes(view.runtimeStatus);
}

/** A durable timestamp in ms since the epoch (0 when absent). */
export function timeOf(t: Date | string | undefined): number {
  return t === undefined ? 0 : new Date(t).getTime();
}

/**
 * The deletion that belongs to this provisioning run, if any: a deletion older than the run belongs
 * to an earlier life of the cluster.
 */
export function currentDeprovision<T extends InstanceView>(
  provision: InstanceView,
  deprovision: T | undefined,
): T | undefined {
  return deprovision && timeOf(deprovision.createdTime) >= timeOf(provision.createdTime)
    ? deprovision
    : undefined;
}

function iso(t: Date | string | undefined): string | undefined {
  if (t === undefined) return undefined;
  const d = typeof t === "string" ? new Date(t) : t;
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** A failed instance's output is the failure message; keep its first line only. */
function failureOf(view: InstanceView, step: string): StepError & { step: string } {
  const text = typeof view.output === "string" ? view.output : "the orchestration failed";
  const terminated = view.runtimeStatus === "Terminated" || view.runtimeStatus === "Canceled";
  return {
    code: terminated ? "OrchestrationTerminated" : "OrchestrationFailed",
    message: (text.split("\n")[0] ?? text).slice(0, 500),
    step,
  };
}

function provisionPhase(view: InstanceView, custom: ProvisionCustomStatus | undefined): Phase {
  switch (view.runtimeStatus) {
    case "Pending":
      return "Accepted";
    case "Running":
    case "ContinuedAsNew":
    case "Suspended":
      return custom?.phase && !isTerminalPhase(custom.phase) ? custom.phase : (custom?.phase ?? "Accepted");
    case "Completed": {
      const out = view.output as ProvisionOutput | null;
      return out?.phase ?? custom?.phase ?? "Succeeded";
    }
    default:
      return "Failed";
  }
}

/**
 * `provision` is the provisioning instance; `deprovision`, when present, the DELETE (or rollback)
 * that followed it. The caller passes the request's name etc. through `input` of `provision`.
 * Once a DELETE runs, the document is the deletion's: its phase, steps, warnings and error only;
 * how the provisioning had ended (phase, error, warnings) moves to `provisioning`, so a deletion
 * never shows the create's failures as its own.
 */
export function buildStatusDocument(
  provision: InstanceView,
  deprovision?: InstanceView,
  basePath = "/api/clusters",
  context: StatusContext = {},
): ClusterStatusDocument {
  const input = asProvisionInput(provision.input);
  const update = asUpdateInput(provision.input);
  const custom = asCustomStatus(provision.customStatus);
  const output =
    provision.runtimeStatus === "Completed" ? (provision.output as ProvisionOutput | null) : null;
  const name = input?.spec.name ?? "";
  let phase = provisionPhase(provision, custom);
  let error = output?.error ?? custom?.error;
  if (phase === "Failed" && !error) error = failureOf(provision, lastStep(custom?.steps));
  let steps: StepStatus[] = [...(custom?.steps ?? [])];
  let warnings = [...(custom?.warnings ?? input?.warnings ?? [])];
  let verification = output?.verification ?? custom?.verification;
  let provisioning: ProvisioningOutcome | undefined;
  // Generations: the operation's own, and the one the cluster reached (an update that has not
  // Succeeded leaves the cluster where it was; a create that has not Succeeded reached nothing).
  const generation = update?.generation ?? 1;
  const observedGeneration = phase === "Succeeded" ? generation : update ? update.observedGeneration : 0;
  let operation: OperationKind = update ? "update" : "create";

  if (deprovision) {
    const dcustom = asCustomStatus(deprovision.customStatus);
    const rollback = (deprovision.input as { rollback?: boolean } | null)?.rollback === true;
    if (rollback) {
      // The provisioning's own rollback: part of the provisioning's view.
      for (const s of dcustom?.steps ?? []) {
        const i = steps.findIndex((x) => x.name === s.name);
        if (i >= 0) steps[i] = s;
        else steps.push(s);
      }
      warnings.push(...(dcustom?.warnings ?? []).filter((w) => !warnings.includes(w)));
    } else {
      operation = "delete";
      provisioning = { phase, warnings, ...(error ? { error } : {}) };
      steps = [...(dcustom?.steps ?? [])];
      warnings = [...(dcustom?.warnings ?? [])];
      verification = undefined;
      error = undefined;
      if (deprovision.runtimeStatus === "Completed") {
        const dout = deprovision.output as DeprovisionOutput | null;
        phase = dout?.error ? "Failed" : "Deleted";
        error = dout?.error;
      } else if (isRunning(deprovision)) {
        phase = "Deleting";
      } else {
        phase = "Failed";
        error = dcustom?.error ?? failureOf(deprovision, lastStep(dcustom?.steps));
      }
    }
  }

  const doc: ClusterStatusDocument = {
    name,
    resourceGroup: input?.target.resourceGroup ?? "",
    subscriptionId: input?.target.subscriptionId ?? "",
    team: input?.spec.team ?? "",
    phase,
    steps,
    outputs: {
      ...outputsOf(context.base),
      ...(custom?.outputs ?? {}),
      ...(output?.outputs ?? {}),
    },
    warnings,
    links: {
      self: `${basePath}/${encodeURIComponent(name)}`,
      kubeconfig: `${basePath}/${encodeURIComponent(name)}/kubeconfig`,
    },
    generation,
    observedGeneration,
    operation,
  };
  const drift = driftOf(context.drift);
  if (drift) doc.drift = drift;
  const createdAt = iso(context.base?.createdTime ?? provision.createdTime);
  const lastUpdatedAt = iso(deprovision?.lastUpdatedTime ?? provision.lastUpdatedTime);
  if (input?.requestedBy) doc.requestedBy = input.requestedBy;
  if (createdAt) doc.createdAt = createdAt;
  if (lastUpdatedAt) doc.lastUpdatedAt = lastUpdatedAt;
  if (verification) doc.verification = verification;
  if (error) doc.error = error;
  if (provisioning) doc.provisioning = provisioning;
  return doc;
}

/** What an operation created or found (its output once done, else what it published so far). */
function outputsOf(view: InstanceView | undefined) {
  if (!view) return {};
  const out = view.runtimeStatus === "Completed" ? (view.output as ProvisionOutput | null) : null;
  return { ...(asCustomStatus(view.customStatus)?.outputs ?? {}), ...(out?.outputs ?? {}) };
}

function lastStep(steps: StepStatus[] | undefined): string {
  const running = steps?.find((s) => s.status === "Running");
  return running?.name ?? "orchestration";
}

/** Seconds a client should wait before asking again; undefined once the phase is terminal. */
export function retryAfterFor(phase: Phase): number | undefined {
  if (isTerminalPhase(phase)) return undefined;
  return phase === "Accepted" ? 5 : 10;
}
