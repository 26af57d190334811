// provisionCluster: the flow of docs/architecture.md, top-down. Resource group → (VNet + subnet ∥
// identity) → Network Contributor on the subnet → cluster create (monitored with durable timers) →
// seeding per namespace → verification → outputs. On failure: rollback (deprovision what we
// created) or keep.
import type { OrchestrationContext } from "durable-functions";
import { maintenanceConfigurationModels, ownedTags } from "../shared/azure/models.js";
import { identityName, ids, ROLE_DEFINITIONS } from "../shared/azure/names.js";
import type {
  ClusterAccessOutput,
  ClusterInfo,
  MaintenanceOutput,
  PolicyAssignmentOutput,
  PolledResource,
} from "../shared/provision/activity-io.js";
import { ACTIVITY, ORCHESTRATION } from "../shared/provision/durable.js";
import { STEP } from "../shared/provision/steps.js";
import { classify, type StepError } from "../shared/azure/errors.js";
import type {
  ActivityResult,
  ClusterOutputs,
  DeprovisionOutput,
  ProvisionInput,
  ProvisionOutput,
} from "../shared/provision/types.js";
import {
  activity,
  activityTask,
  orchestrator,
  retryOptions,
  subOrchestration,
  subOrchestrationTask,
  type Flow,
  type Pending,
} from "./durable.js";
import { addSeconds, untilDone, untilSucceeded } from "./monitor.js";
import { reportCompletion } from "./notifyPipelines.js";
import type { StepFailed } from "./step-runner.js";
import { failureOf, StepRunner } from "./step-runner.js";
import { verify } from "./verification.js";

/** How many times at most the steps of the create's wait are tried in it. */
const WAIT_ROUNDS = 4;

/** What a step after the create answers. */
type CallOutput = ClusterAccessOutput | MaintenanceOutput | PolicyAssignmentOutput;

export function provisionSteps(input: ProvisionInput): string[] {
  return [
    STEP.resourceGroup,
    STEP.virtualNetwork,
    STEP.identity,
    STEP.roleAssignment,
    STEP.cluster,
    ...afterCreateSteps(input),
    ...input.spec.namespaces.map((ns) => STEP.seed(ns.name)),
    STEP.verification,
  ];
}

export const provisionCluster = orchestrator(
  ORCHESTRATION.provisionCluster,
  function* (ctx, input): Flow<ProvisionOutput> {
    const run = new StepRunner(ctx, provisionSteps(input), "Provisioning", input.warnings);
    const failed = yield* failureOf(build(ctx, input, run));
    if (!failed) return yield* succeeded(ctx, run, input);
    run.skipRemaining();
    if (input.spec.onFailure === "rollback") yield* rollback(ctx, input, run, failed);
    else run.warn(keptResources(run.status.outputs));
    run.phase("Failed");
    yield* reportCompletion(ctx, ctx.df.instanceId, "failed", input.timing);
    return { phase: "Failed", outputs: run.status.outputs, error: failed.failure };
  },
);

/** The end of a flow whose steps all succeeded: phase Succeeded, pipelines told, the outputs. */
export function* succeeded(
  ctx: OrchestrationContext,
  run: StepRunner,
  input: ProvisionInput,
): Flow<ProvisionOutput> {
  run.phase("Succeeded");
  yield* reportCompletion(ctx, ctx.df.instanceId, "succeeded", input.timing);
  const { outputs, verification } = run.status;
  return { phase: "Succeeded", outputs, ...(verification ? { verification } : {}) };
}

function* build(ctx: OrchestrationContext, input: ProvisionInput, run: StepRunner): Flow<void> {
  const { target, spec, timing } = input;
  const now = () => ctx.df.currentUtcDateTime;
  const retry = retryOptions(timing.activityRetry);
  const owner = { instanceId: ctx.df.instanceId, clusterUid: input.clusterUid };
  const tags = ownedTags(spec, owner);
  const monitor = { subscriptionId: target.subscriptionId, timing, retry };

  // 1. Resource group.
  const rg = yield* run.step(
    STEP.resourceGroup,
    () => activity(ctx, ACTIVITY.ensureResourceGroup, { target, location: spec.location, tags }, retry),
    { outputs: (v) => ({ resourceGroupId: v.resourceGroupId }) },
  );
  if (!rg.created) run.warn(`resource group ${target.resourceGroup} existed before; it will not be deleted`);

  // 2. VNet + subnet ∥ identity; the identity is there at once, the VNet is monitored. Both end
  // before the flow goes on or fails: a failed identity still waits for the VNet's operation in
  // flight (no new submit), so a rollback starts from resources that are no longer changing.
  const vnetInput = { target, spec, tags };
  const identityInput = { target, identityName: identityName(spec.name), location: spec.location, tags };
  const [vnetFirst, identity] = yield* run.together(
    [STEP.virtualNetwork, STEP.identity],
    [
      activityTask(ctx, ACTIVITY.ensureVirtualNetwork, vnetInput, retry),
      activityTask(ctx, ACTIVITY.ensureIdentity, identityInput, retry),
    ],
  );
  const subnetId = ids.subnet(target, spec.network.vnetName, spec.network.subnetName);
  const ensureVnet = () => activity(ctx, ACTIVITY.ensureVirtualNetwork, vnetInput, retry);
  const vnetOptions = {
    ...monitor,
    first: vnetFirst,
    deadline: addSeconds(now(), timing.armOperationDeadlineSeconds),
    // Polled when it should be done rather than at the poll interval (15 s for about 8).
    ...(timing.virtualNetworkFirstPollSeconds !== undefined
      ? { firstWaitSeconds: timing.virtualNetworkFirstPollSeconds }
      : {}),
    maxResubmits: timing.activityRetry.maxAttempts,
    submit: ensureVnet,
    again: ensureVnet,
    onPoll: () => run.poll(STEP.virtualNetwork),
    onResubmit: () => run.retried(STEP.virtualNetwork),
    onWait: (reason: StepError | undefined) => run.waiting(STEP.virtualNetwork, reason),
  };
  const vnet = yield* run.counting(
    STEP.virtualNetwork,
    identity.ok ? untilSucceeded(ctx, vnetOptions) : untilDone(ctx, vnetFirst, vnetOptions),
  );
  const [ident] = run.settleAll(
    [STEP.identity, STEP.virtualNetwork],
    [identity, vnet],
    [
      { outputs: (v) => ({ identityId: v.identityId, identityPrincipalId: v.principalId }) },
      { outputs: () => ({ vnetId: ids.vnet(target, spec.network.vnetName), subnetId }) },
    ],
  );

  // 3. Network Contributor on the subnet (PrincipalNotFound retried while Entra ID replicates).
  const role = {
    subscriptionId: target.subscriptionId,
    scope: subnetId,
    principalId: ident.principalId,
    roleGuid: ROLE_DEFINITIONS.networkContributor,
  };
  yield* run.step(STEP.roleAssignment, () =>
    activity(ctx, ACTIVITY.assignSubnetRole, role, retryOptions(timing.principalRetry)),
  );

  // 4. The cluster: submitted once (guarded), then monitored with durable timers up to a deadline.
  const create = {
    target,
    spec,
    instanceId: owner.instanceId,
    ...(owner.clusterUid ? { clusterUid: owner.clusterUid } : {}),
    identityId: ident.identityId,
    subnetId,
  };
  const submit = () => activity(ctx, ACTIVITY.submitClusterCreate, create, retry);
  // A busy cluster (OperationNotAllowed) and transient failures, of the submit, the polls or the
  // operation itself, are waited for up to the deadline and the create submitted again; the
  // submit reads the cluster first, so one that succeeded meanwhile is never written again.
  const clusterMonitor = {
    ...monitor,
    deadline: addSeconds(now(), timing.clusterDeadlineSeconds),
    firstWaitSeconds: timing.clusterCreateFirstPollSeconds,
    maxResubmits: timing.activityRetry.maxAttempts,
    submit,
    // Without a poller (someone else's operation, or a lost answer), read the state by GET only:
    // never a second PUT while the cluster is busy.
    again: () => activity(ctx, ACTIVITY.getClusterState, { target }, retry),
    // The create takes minutes: each poll shows in the status (as a poll, not an attempt).
    onPoll: () => run.poll(STEP.cluster, { publish: true }),
    onResubmit: () => run.retried(STEP.cluster),
    onWait: (reason: StepError | undefined) => run.waiting(STEP.cluster, reason),
  };
  const access = {
    subscriptionId: target.subscriptionId,
    clusterId: ids.cluster(target),
    ...(input.access ? { grants: input.access } : {}),
  };
  const settingsInput = { target, spec };
  const once = retryOptions({ ...timing.activityRetry, maxAttempts: 1 });
  // The steps after the create, each one call. 4b, Entra ID (every cluster but those requested
  // while it was opt-in): the app's identity gets Cluster Admin on this cluster only (it seeds with
  // it), and the request's grants their AKS RBAC roles. 4c, what AKS takes by calls of its own: the
  // maintenance window of the upgrade channels and the pod security initiative at the cluster's scope.
  const call = (step: string, slack = false): Pending<ActivityResult<CallOutput>> =>
    step === STEP.clusterAccess
      ? activityTask(
          ctx,
          ACTIVITY.grantClusterAccess,
          access,
          slack ? once : retryOptions(timing.principalRetry),
          slack,
        )
      : step === STEP.maintenance
        ? activityTask(ctx, ACTIVITY.ensureMaintenanceConfigurations, settingsInput, retry)
        : activityTask(ctx, ACTIVITY.assignPodSecurityPolicy, settingsInput, slack ? once : retry, slack);
  const outputs = (v: CallOutput) =>
    "policyAssignmentId" in v ? { policyAssignmentId: v.policyAssignmentId } : {};

  /**
   * The steps of the create's wait, at once, as calls with slack (never waiting behind a throttled
   * ARM bucket, one attempt each): those deferred by the bucket or failed transiently are tried
   * again on a durable timer every quarter of the create's expected duration (each round adds to
   * the history every later replay reads: a few rounds, not a poll), and those still not done at
   * its expected end are left for after it. Answers the steps that succeeded (settled at once) and
   * those that failed for good.
   */
  function* duringCreate(
    steps: string[],
    until: Date,
  ): Flow<{ done: string[]; failed: [string, ActivityResult<CallOutput>][] }> {
    const done: string[] = [];
    const failed: [string, ActivityResult<CallOutput>][] = [];
    let pending = steps;
    for (let n = 0; pending.length > 0; n++) {
      if (n > 0) for (const step of pending) run.retried(step);
      const results = yield* run.together(
        pending,
        pending.map((step) => call(step, true)),
      );
      const again: string[] = [];
      results.forEach((r, i) => {
        const step = pending[i]!;
        if (r.ok) {
          run.settle(step, r, { outputs });
          done.push(step);
        } else if (classify(r.error) === "transient") {
          run.waiting(step, r.error);
          again.push(step);
        } else failed.push([step, r]);
      });
      pending = again;
      const at = addSeconds(now(), timing.clusterCreateFirstPollSeconds / WAIT_ROUNDS);
      if (pending.length === 0 || at.getTime() >= until.getTime()) break;
      yield ctx.df.createTimer(at);
    }
    return { done, failed };
  }

  run.start(STEP.cluster);
  const first = yield* run.counting(STEP.cluster, submit());
  // The create's clock starts when ARM accepted it: the first poll waits its expected duration from
  // then, whatever the steps in its wait take.
  const submittedAt = now();
  // The steps that need only the cluster's ARM resource, not a running cluster (role and policy
  // assignments at its scope), run in the create's wait once ARM holds the resource: they no longer
  // add to the cluster's time, and ARM's write bucket, busy with other clusters' creates at first,
  // takes them once it is free rather than in a wave as the creates end.
  const inWait = first.status === "failed" ? [] : inTheWaitSteps(input);
  const wait = yield* duringCreate(inWait, addSeconds(submittedAt, timing.clusterCreateFirstPollSeconds));
  // A step that failed for good in the wait ends the flow once the create has ended (nothing of
  // this run still writing), without submitting it again.
  const cluster = yield* run.counting(
    STEP.cluster,
    wait.failed.length === 0
      ? untilSucceeded(ctx, { ...clusterMonitor, first, submittedAt })
      : untilDone(ctx, first, { ...clusterMonitor, submittedAt }),
  );
  run.settleAll(
    [STEP.cluster, ...wait.failed.map(([step]) => step)],
    [cluster, ...wait.failed.map(([, result]) => result)],
    [{ outputs: (v) => clusterOutputs(v, ids.cluster(target)) }],
  );

  // The rest once the cluster runs, at once, with those the wait did not end (the submit failed
  // first, or ARM's write bucket stayed throttled until the create's expected end).
  const after = afterCreateSteps(input).filter((s) => !wait.done.includes(s));
  if (after.length > 0) {
    // One more attempt at those tried in the wait.
    for (const step of after.filter((s) => inWait.includes(s))) run.retried(step);
    const done = yield* run.together(
      after,
      after.map((s) => call(s)),
    );
    run.settleAll(
      after,
      done,
      after.map(() => ({ outputs })),
    );
  }

  // 5. Seeding: one sub-orchestration per namespace, in parallel.
  if (spec.namespaces.length > 0) {
    run.phase("Seeding");
    const seeded = yield* run.together(
      spec.namespaces.map((ns) => STEP.seed(ns.name)),
      spec.namespaces.map((namespace) =>
        subOrchestrationTask(ctx, ORCHESTRATION.seedNamespace, { target, namespace, timing }),
      ),
    );
    run.settleAll(
      spec.namespaces.map((ns) => STEP.seed(ns.name)),
      seeded,
    );
  }

  // 6. Verification with probe pods, and of the grants with SubjectAccessReviews.
  yield* verify(ctx, input, run);
}

/** The steps after the cluster's create this request needs, in the order listed. */
function afterCreateSteps(input: ProvisionInput): string[] {
  return [
    ...(input.spec.aadProfile ? [STEP.clusterAccess] : []),
    ...(maintenanceConfigurationModels(input.spec).length > 0 ? [STEP.maintenance] : []),
    ...(input.spec.podSecurityStandard ? [STEP.policyAssignment] : []),
  ];
}

/**
 * Of those, the ones that need only the cluster's ARM resource (assignments at its scope, which ARM
 * serves): they run in the create's wait. The maintenance configurations are child resources the
 * AKS resource provider serves itself, with the cluster's own operations: after the create.
 */
function inTheWaitSteps(input: ProvisionInput): string[] {
  return afterCreateSteps(input).filter((s) => s !== STEP.maintenance);
}

/**
 * onFailure: rollback — deprovision what this run created, as a sub-orchestration. It starts once
 * every step has ended (nothing of this run is still writing), re-reads each resource before
 * deleting it, and after a failed cluster step keeps a cluster ARM reports Succeeded. The status
 * lists what was deleted and what was kept, and why.
 */
function* rollback(
  ctx: OrchestrationContext,
  input: ProvisionInput,
  run: StepRunner,
  failed: StepFailed,
): Flow<void> {
  run.start(STEP.rollback);
  const { target, spec, timing } = input;
  try {
    const r = yield* subOrchestration(ctx, ORCHESTRATION.deprovisionCluster, {
      provisionInstanceId: ctx.df.instanceId,
      target,
      spec,
      timing,
      rollback: true,
      ...(input.clusterUid ? { clusterUid: input.clusterUid } : {}),
      keepSucceededCluster: failed.step === STEP.cluster,
    });
    if (r.error) {
      run.abandon(STEP.rollback);
      run.warn(
        `rollback stopped at ${r.error.step}: ${r.error.code}; some resources may remain${outcome(r)}`,
      );
    } else {
      run.settle(STEP.rollback, { ok: true, value: r });
      run.warn(`rolled back${outcome(r) || ": nothing to delete"}`);
    }
  } catch {
    run.abandon(STEP.rollback);
    run.warn("rollback failed; some resources may remain");
  }
}

/** "; deleted 2 resource(s): /a, /b; kept /c (why)" — what a rollback did, for the status. */
function outcome(r: DeprovisionOutput): string {
  const deleted = r.deleted.length
    ? `; deleted ${r.deleted.length} resource(s): ${r.deleted.join(", ")}`
    : "";
  const kept = r.kept.length ? `; kept ${r.kept.map((k) => `${k.resourceId} (${k.reason})`).join(", ")}` : "";
  return `${deleted}${kept}`.replace(/^; /, ": ");
}

/** onFailure: keep — what was created stays for inspection. */
function keptResources(outputs: ClusterOutputs): string {
  const created = Object.values(outputs).filter((v) => typeof v === "string" && v.startsWith("/"));
  return `onFailure is "keep": the resources created so far were left for inspection${created.length ? `: ${created.join(", ")}` : ""}`;
}

/** The outputs of a cluster step: the cluster id and its API server FQDN. */
export function clusterOutputs(value: ClusterInfo | PolledResource, fallbackId: string): ClusterOutputs {
  const id = "clusterId" in value ? value.clusterId : (value.id ?? fallbackId);
  return { clusterId: id, ...(value.fqdn ? { fqdn: value.fqdn } : {}) };
}
