// The API's side of the drift monitor (orchestrations/driftMonitor.ts): started with a cluster's
// create, handed each new generation's desired state, stopped by its deletion; its report is the
// status document's `drift`. One instance per cluster, by its deterministic id: point operations
// only, whatever number of clusters exists.
import { driftInstanceId } from "../shared/azure/names.js";
import type { AppConfig } from "../shared/config/index.js";
import { ORCHESTRATION } from "../shared/provision/durable.js";
import { DRIFT_DESIRED_EVENT, type DriftMonitorInput } from "../shared/provision/drift.js";
import { isRunning } from "../shared/provision/status.js";
import type { ProvisionInput } from "../shared/provision/types.js";
import type { Orchestrations } from "./ports.js";

export type { DriftMonitorInput } from "../shared/provision/drift.js";

/** The monitor's input for generation `generation` of the cluster created as `baseInstanceId`. */
export function driftMonitorInput(
  config: Pick<AppConfig, "drift">,
  baseInstanceId: string,
  generation: number,
  desired: ProvisionInput,
): DriftMonitorInput {
  return { baseInstanceId, generation, desired, intervalSeconds: config.drift.intervalSeconds };
}

/**
 * Starts the cluster's monitor, or hands the running one the new desired state (the "desired"
 * event: it starts its period again from that generation). Safe to call again with the same input.
 */
export async function ensureDriftMonitor(
  orchestrations: Orchestrations,
  input: DriftMonitorInput,
): Promise<void> {
  const instanceId = driftInstanceId(input.baseInstanceId);
  // A create's monitor (generation 1) is new, or stopped with the cluster's previous life: start it
  // without a read first (one task hub request on the POST's path). Later generations find it
  // running and hand it the new state.
  if (input.generation > 1) {
    const current = await orchestrations.getStatus(instanceId);
    if (current && isRunning(current)) {
      await orchestrations.raiseEvent(instanceId, DRIFT_DESIRED_EVENT, input);
      return;
    }
  }
  try {
    await orchestrations.start(ORCHESTRATION.driftMonitor, { instanceId, input });
  } catch (e) {
    // Started by a concurrent request meanwhile: hand it this state instead.
    const now = await orchestrations.getStatus(instanceId);
    if (!now || !isRunning(now)) throw e;
    await orchestrations.raiseEvent(instanceId, DRIFT_DESIRED_EVENT, input);
  }
}

/** Stops the cluster's monitor (the cluster is being deleted); nothing to do when none runs. */
export async function stopDriftMonitor(
  orchestrations: Orchestrations,
  baseInstanceId: string,
): Promise<void> {
  const instanceId = driftInstanceId(baseInstanceId);
  const current = await orchestrations.getStatus(instanceId);
  if (current && isRunning(current))
    await orchestrations.terminate(instanceId, "the cluster is being deleted");
}
