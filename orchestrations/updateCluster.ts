// updateCluster: a change of an existing cluster (PUT/PATCH), or a drift repair (`reconcile`),
// top-down. What differs between the spec the cluster reached and the one asked for
// (shared/provision/changes.ts) decides the steps: the cluster PUT (settings, pools' scale) →
// maintenance window / pod security assignment → user pools removed → Kubernetes upgrade (control
// plane one minor at a time, then each pool) → user pools added → grants assigned and revoked →
// namespaces seeded → objects the spec dropped pruned → verification again. Every ARM write is
// busy-guarded and monitored with durable timers to its deadline, as the create's. A failure stops
// the flow and leaves the cluster as it is (no rollback, never a delete): it stays at its
// observedGeneration.
import type { OrchestrationContext } from "durable-functions";
import type { StepError } from "../shared/azure/errors.js";
import { ids } from "../shared/azure/names.js";
import type { LroStep, PolledResource } from "../shared/provision/activity-io.js";
import { planUpdate, seededObjects, type UpdatePlan } from "../shared/provision/changes.js";
import { ACTIVITY, ORCHESTRATION } from "../shared/provision/durable.js";
import { STEP } from "../shared/provision/steps.js";
import type { ProvisionOutput, UpdateInput } from "../shared/provision/types.js";
import {
  activity,
  activityTask,
  orchestrator,
  retryOptions,
  subOrchestrationTask,
  type Flow,
} from "./durable.js";
import { addSeconds, untilSucceeded } from "./monitor.js";
import { reportCompletion } from "./notifyPipelines.js";
import { clusterOutputs, succeeded } from "./provisionCluster.js";
import { failureOf, StepRunner } from "./step-runner.js";
import { verify } from "./verification.js";

/** The steps an update lists before it starts (an upgrade's hops are added once planned). */
export function updateSteps(plan: UpdatePlan): string[] {
  return [
    ...(plan.clusterSettings ? [STEP.clusterSettings] : []),
    ...(plan.maintenance ? [STEP.maintenance] : []),
    ...(plan.policyAssignment ? [STEP.policyAssignment] : []),
    ...plan.poolsRemoved.map(STEP.deleteNodePool),
    ...(plan.kubernetesVersion !== undefined ? [STEP.upgradePlan] : []),
    ...plan.poolsAdded.map((p) => STEP.nodePool(p.name)),
    ...(plan.grantAccess ? [STEP.clusterAccess] : []),
    ...(plan.revokeAccess.length > 0 ? [STEP.revokeAccess] : []),
    ...plan.seed.map(STEP.seed),
    ...(plan.prune ? [STEP.prune] : []),
    STEP.verification,
  ];
}

export const updateCluster = orchestrator(
  ORCHESTRATION.updateCluster,
  function* (ctx, input): Flow<ProvisionOutput> {
    const plan = planUpdate(input, ids.cluster(input.target));
    const run = new StepRunner(ctx, updateSteps(plan), "Provisioning", input.warnings);
    // The cluster's id is known from its target: an update that writes nothing to ARM still names it.
    run.outputs({ clusterId: ids.cluster(input.target) });
    const failed = yield* failureOf(apply(ctx, input, plan, run));
    if (!failed) return { ...(yield* succeeded(ctx, run, input)), generation: input.generation };
    // Nothing is undone: what was applied stays, the rest is not tried (the cluster is not deleted).
    run.skipRemaining();
    run.phase("Failed");
    yield* reportCompletion(ctx, ctx.df.instanceId, "failed", input.timing);
    return { phase: "Failed", outputs: run.status.outputs, error: failed.failure };
  },
);

function* apply(
  ctx: OrchestrationContext,
  input: UpdateInput,
  plan: UpdatePlan,
  run: StepRunner,
): Flow<void> {
  const { target, spec, timing } = input;
  const retry = retryOptions(timing.activityRetry);
  const owner = {
    instanceId: input.baseInstanceId,
    ...(input.clusterUid ? { clusterUid: input.clusterUid } : {}),
  };
  const clusterId = ids.cluster(target);
  const subnetId = ids.subnet(target, spec.network.vnetName, spec.network.subnetName);

  /**
   * One ARM write to its end: submitted through its GET-first activity (which writes only what
   * differs and never while the cluster is busy), polled on durable timers, submitted again after a
   * busy cluster or a transient failure, up to the cluster's deadline. Without a poller the same
   * activity is asked again: it reads before it writes, so an applied change is not written twice.
   */
  const monitored = <T>(name: string, submit: () => Flow<LroStep<T>>): Flow<LroStep<T | PolledResource>> =>
    untilSucceeded(ctx, {
      subscriptionId: target.subscriptionId,
      timing,
      retry,
      deadline: addSeconds(ctx.df.currentUtcDateTime, timing.clusterDeadlineSeconds),
      maxResubmits: timing.activityRetry.maxAttempts,
      submit,
      again: submit,
      onPoll: () => run.poll(name, { publish: true }),
      onResubmit: () => run.retried(name),
      onWait: (reason: StepError | undefined) => run.waiting(name, reason),
    });
  const clusterPut = (name: string, kubernetesVersion?: string) =>
    run.step(
      name,
      () =>
        monitored(name, () =>
          activity(
            ctx,
            ACTIVITY.submitClusterUpdate,
            { target, spec, owner, ...(kubernetesVersion ? { kubernetesVersion } : {}) },
            retry,
          ),
        ),
      { outputs: (v) => clusterOutputs(v, clusterId) },
    );

  // 1. The cluster's settings: one PUT of the spec on the cluster as it runs (its version kept).
  if (plan.clusterSettings) yield* clusterPut(STEP.clusterSettings);

  // 2. What AKS takes by calls of its own: maintenance window, pod security assignment (at once).
  const settings = [
    ...(plan.maintenance ? [STEP.maintenance] : []),
    ...(plan.policyAssignment ? [STEP.policyAssignment] : []),
  ];
  if (settings.length > 0) {
    const calls = settings.map((step) =>
      step === STEP.maintenance
        ? activityTask(ctx, ACTIVITY.ensureMaintenanceConfigurations, { target, spec }, retry)
        : activityTask(ctx, ACTIVITY.assignPodSecurityPolicy, { target, spec }, retry),
    );
    run.settleAll(settings, yield* run.together(settings, calls));
  }

  // 3. User pools the spec dropped (before an upgrade: no pool is upgraded only to be deleted).
  for (const pool of plan.poolsRemoved) {
    const name = STEP.deleteNodePool(pool);
    yield* run.step(name, () =>
      monitored(name, () => activity(ctx, ACTIVITY.deleteAgentPool, { target, owner, pool }, retry)),
    );
  }

  // 4. Kubernetes: the control plane one minor version at a time along the region's upgrade paths,
  // then each pool to the same version. The hops are known once the cluster and the listing are read.
  if (plan.kubernetesVersion !== undefined) {
    const version = plan.kubernetesVersion;
    const upgrade = yield* run.step(STEP.upgradePlan, () =>
      activity(
        ctx,
        ACTIVITY.planKubernetesUpgrade,
        { target, location: spec.location, kubernetesVersion: version },
        retry,
      ),
    );
    const pools = [spec.nodePool, ...spec.nodePools].filter((p) => upgrade.pools.includes(p.name));
    run.insertAfter(STEP.upgradePlan, [
      ...upgrade.controlPlane.map(STEP.upgradeControlPlane),
      ...pools.map((p) => STEP.upgradePool(p.name)),
    ]);
    for (const hop of upgrade.controlPlane) yield* clusterPut(STEP.upgradeControlPlane(hop), hop);
    for (const pool of pools) {
      const name = STEP.upgradePool(pool.name);
      const poolInput = { target, owner, pool, subnetId, orchestratorVersion: version };
      yield* run.step(name, () =>
        monitored(name, () => activity(ctx, ACTIVITY.ensureAgentPool, poolInput, retry)),
      );
    }
  }

  // 5. User pools the spec added (at the control plane's version, now the spec's).
  for (const pool of plan.poolsAdded) {
    const name = STEP.nodePool(pool.name);
    const poolInput = {
      target,
      owner,
      pool,
      subnetId,
      ...(spec.kubernetesVersion ? { orchestratorVersion: spec.kubernetesVersion } : {}),
    };
    yield* run.step(name, () =>
      monitored(name, () => activity(ctx, ACTIVITY.ensureAgentPool, poolInput, retry)),
    );
  }

  // 6. Access: the grants assigned (the app's Cluster Admin with them), then what was dropped revoked.
  if (plan.grantAccess) {
    const access = {
      subscriptionId: target.subscriptionId,
      clusterId,
      ...(input.access ? { grants: input.access } : {}),
    };
    yield* run.step(STEP.clusterAccess, () =>
      activity(ctx, ACTIVITY.grantClusterAccess, access, retryOptions(timing.principalRetry)),
    );
  }
  if (plan.revokeAccess.length > 0) {
    const revoke = { subscriptionId: target.subscriptionId, assignments: plan.revokeAccess };
    yield* run.step(STEP.revokeAccess, () => activity(ctx, ACTIVITY.revokeClusterAccess, revoke, retry));
  }

  // 7. Kubernetes objects: added or changed namespaces seeded again (policies before workloads),
  // then what the spec no longer has pruned (only objects carrying the managed-by mark).
  if (plan.seed.length > 0 || plan.prune) run.phase("Seeding");
  const seeding = spec.namespaces.filter((ns) => plan.seed.includes(ns.name));
  if (seeding.length > 0) {
    const names = seeding.map((ns) => STEP.seed(ns.name));
    const seeded = yield* run.together(
      names,
      seeding.map((namespace) =>
        subOrchestrationTask(ctx, ORCHESTRATION.seedNamespace, { target, namespace, timing }),
      ),
    );
    run.settleAll(names, seeded);
  }
  if (plan.prune) {
    const prune = { target, keep: seededObjects(spec) };
    yield* run.step(STEP.prune, () => activity(ctx, ACTIVITY.pruneKubernetesObjects, prune, retry));
  }

  // 8. Verification again, as the create's.
  yield* verify(ctx, input, run, plan.verify);
}
