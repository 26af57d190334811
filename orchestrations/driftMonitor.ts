// driftMonitor: one per cluster (instance `<base>-drift`), eternal. Each round waits one period on a
// durable timer, racing the "desired" event that brings a new generation's spec; then one activity
// reads ARM and Kubernetes for this cluster and the differences are published as custom status
// ({ drift, checkedAt, generation }); under driftPolicy "repair" they are repaired; then
// continueAsNew, so the history holds one round only. It ends when the cluster is gone.
import type { OrchestrationContext, Task, TimerTask } from "durable-functions";
import { ACTIVITY, ORCHESTRATION } from "../shared/provision/durable.js";
import {
  DRIFT_DESIRED_EVENT,
  hasUnseedableDrift,
  namespacesWithDrift,
  stampDrift,
  type DriftFinding,
  type DriftMonitorInput,
  type DriftStatus,
} from "../shared/provision/drift.js";
import type { UpdateInput } from "../shared/provision/types.js";
import { activity, orchestrator, retryOptions, subOrchestration, type Flow } from "./durable.js";
import { addSeconds } from "./monitor.js";

export const driftMonitor = orchestrator(ORCHESTRATION.driftMonitor, function* (ctx, input): Flow<void> {
  // A round's report is carried over continueAsNew; a new generation starts from nothing measured.
  let status: DriftStatus =
    input.last && input.last.generation === input.generation
      ? input.last
      : { drift: [], generation: input.generation };
  const publish = (next: DriftStatus) => {
    status = next;
    ctx.df.setCustomStatus(status);
  };
  publish(status);

  const next = yield* desiredWithin(ctx, input.intervalSeconds);
  if (next) {
    // A new desired state: the period starts again from it.
    ctx.df.continueAsNew({
      ...newest(input, next),
      last: status,
      ...(input.seen ? { seen: true } : {}),
    } satisfies DriftMonitorInput);
    return;
  }

  const { target, spec, clusterUid, timing } = input.desired;
  const retry = retryOptions(timing.activityRetry);
  // The check's time is when its reads begin: a change made before it is in what it reads.
  const now = ctx.df.currentUtcDateTime.toISOString();
  const checked = yield* activity(
    ctx,
    ACTIVITY.checkDrift,
    { target, spec, baseInstanceId: input.baseInstanceId, ...(clusterUid ? { clusterUid } : {}) },
    retry,
  );
  const base = { generation: input.generation, checkedAt: now };
  if (!checked.ok) {
    // The check could not read the cluster this time: keep the last report, say why, try next period.
    publish({ ...status, skipped: `${checked.error.code}: ${checked.error.message}` });
  } else if (checked.value.cluster === "absent") {
    if (input.seen) {
      publish({ ...base, drift: [], skipped: "the cluster is gone" });
      return;
    }
    publish({ ...base, drift: [], skipped: "the cluster does not exist yet" });
  } else if (checked.value.cluster === "busy") {
    publish({
      ...base,
      drift: [],
      skipped: `an operation is running on the cluster (${checked.value.provisioningState})`,
    });
  } else {
    const found = checked.value.found;
    publish({ ...base, drift: stampDrift(found, status.drift, now) });
    if (spec.driftPolicy === "repair" && found.length > 0)
      publish({ ...status, repair: yield* repair(ctx, input, found) });
  }
  // A desired state that came during the round is taken now: continueAsNew may drop an event
  // nothing waited for (durable-functions' JavaScript continueAsNew cannot preserve them).
  const during = yield* desiredWithin(ctx, 0);
  const seen = input.seen === true || (checked.ok && checked.value.cluster !== "absent");
  ctx.df.continueAsNew({
    ...newest(input, during),
    last: status,
    ...(seen ? { seen } : {}),
  } satisfies DriftMonitorInput);
});

/** Waits up to `seconds` for the "desired" event; answers its state, or undefined when none came. */
function* desiredWithin(ctx: OrchestrationContext, seconds: number): Flow<DriftMonitorInput | undefined> {
  const timer: TimerTask = ctx.df.createTimer(addSeconds(ctx.df.currentUtcDateTime, seconds));
  const desired: Task = ctx.df.waitForExternalEvent(DRIFT_DESIRED_EVENT);
  const winner = (yield ctx.df.Task.any([timer, desired])) as Task;
  if (winner !== desired) return undefined;
  timer.cancel();
  return desired.result as DriftMonitorInput;
}

/** The input to go on with: a newer desired state's, never an older one (calls that crossed). */
function newest(current: DriftMonitorInput, next: DriftMonitorInput | undefined): DriftMonitorInput {
  return next && next.generation >= current.generation ? next : current;
}

/**
 * Repairs what was found: Kubernetes objects missing or edited by seeding their namespaces again
 * (the same idempotent server-side apply as the create's); anything else (ARM settings, objects to
 * prune) by updateCluster with `reconcile: true`, which applies the whole spec.
 */
function* repair(
  ctx: OrchestrationContext,
  input: DriftMonitorInput,
  found: DriftFinding[],
): Flow<NonNullable<DriftStatus["repair"]>> {
  const { target, spec, timing } = input.desired;
  const at = ctx.df.currentUtcDateTime.toISOString();
  const failed = (error: string) => ({ at, outcome: "Failed" as const, error });
  try {
    for (const namespace of namespacesWithDrift(spec, found)) {
      const seeded = yield* subOrchestration(ctx, ORCHESTRATION.seedNamespace, { target, namespace, timing });
      if (!seeded.ok) return failed(`seed ${namespace.name}: ${seeded.error.code}: ${seeded.error.message}`);
    }
    if (hasUnseedableDrift(found)) {
      const update: UpdateInput = {
        ...input.desired,
        generation: input.generation,
        observedGeneration: input.generation,
        previousSpec: spec,
        ...(input.desired.access ? { previousAccess: input.desired.access } : {}),
        baseInstanceId: input.baseInstanceId,
        reconcile: true,
      };
      const out = yield* subOrchestration(ctx, ORCHESTRATION.updateCluster, update);
      if (out.phase !== "Succeeded")
        return failed(`update: ${out.error ? `${out.error.code}: ${out.error.message}` : out.phase}`);
    }
    return { at, outcome: "Succeeded" };
  } catch (e) {
    return failed(e instanceof Error ? e.message : String(e));
  }
}
