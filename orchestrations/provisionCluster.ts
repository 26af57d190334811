// provisionCluster: the flow of docs/architecture.md, top-down. Resource group → (VNet + subnet ∥
// identity) → Network Contributor on the subnet → cluster create (monitored with durable timers) →
// seeding per namespace → verification → outputs. On failure: rollback (deprovision what we
// created) or keep.
import type { OrchestrationContext } from "durable-functions";
import { maintenanceConfigurationModels, ownedTags } from "../shared/azure/models.js";
import { identityName, ids, ROLE_DEFINITIONS } from "../shared/azure/names.js";
import type {
  ClusterInfo,
  MaintenanceOutput,
  PolicyAssignmentOutput,
  PolledResource,
} from "../shared/provision/activity-io.js";
import { ACTIVITY, ORCHESTRATION } from "../shared/provision/durable.js";
import { STEP } from "../shared/provision/steps.js";
import type { StepError } from "../shared/azure/errors.js";
import type {
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
} from "./durable.js";
import { addSeconds, untilDone, untilSucceeded } from "./monitor.js";
import { reportCompletion } from "./notifyPipelines.js";
import type { StepFailed } from "./step-runner.js";
import { failureOf, StepRunner } from "./step-runner.js";
import { verify } from "./verification.js";

export function provisionSteps(input: ProvisionInput): string[] {
  return [
    STEP.resourceGroup,
    STEP.virtualNetwork,
    STEP.identity,
    STEP.roleAssignment,
    STEP.cluster,
    ...(input.spec.aadProfile ? [STEP.clusterAccess] : []),
    ...clusterSettingSteps(input),
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
  // A busy cluster (OperationNotAllowed) and transient failures, of the submit, the polls or the
  // operation itself, are waited for up to the deadline and the create submitted again; the
  // submit reads the cluster first, so one that succeeded meanwhile is never written again.
  yield* run.step(
    STEP.cluster,
    () =>
      untilSucceeded(ctx, {
        ...monitor,
        deadline: addSeconds(now(), timing.clusterDeadlineSeconds),
        firstWaitSeconds: timing.clusterCreateFirstPollSeconds,
        maxResubmits: timing.activityRetry.maxAttempts,
        submit: () => activity(ctx, ACTIVITY.submitClusterCreate, create, retry),
        // Without a poller (someone else's operation, or a lost answer), read the state by GET only:
        // never a second PUT while the cluster is busy.
        again: () => activity(ctx, ACTIVITY.getClusterState, { target }, retry),
        // The create takes minutes: each poll shows in the status (as a poll, not an attempt).
        onPoll: () => run.poll(STEP.cluster, { publish: true }),
        onResubmit: () => run.retried(STEP.cluster),
        onWait: (reason) => run.waiting(STEP.cluster, reason),
      }),
    { outputs: (v) => clusterOutputs(v, ids.cluster(target)) },
  );

  // 4b. Entra ID (every cluster but those requested while it was opt-in): the app's identity gets
  // Cluster Admin on this cluster only (it seeds with it), and the request's grants their AKS RBAC
  // roles, in one step.
  if (spec.aadProfile) {
    const access = {
      subscriptionId: target.subscriptionId,
      clusterId: ids.cluster(target),
      ...(input.access ? { grants: input.access } : {}),
    };
    yield* run.step(STEP.clusterAccess, () =>
      activity(ctx, ACTIVITY.grantClusterAccess, access, retryOptions(timing.principalRetry)),
    );
  }

  // 4c. What AKS takes by calls of its own, both at once: the maintenance window of the upgrade
  // channels and the pod security initiative at the cluster's scope.
  const settings = clusterSettingSteps(input);
  if (settings.length > 0) {
    const settingsInput = { target, spec };
    const calls = settings.map((step) =>
      step === STEP.maintenance
        ? activityTask(ctx, ACTIVITY.ensureMaintenanceConfigurations, settingsInput, retry)
        : activityTask(ctx, ACTIVITY.assignPodSecurityPolicy, settingsInput, retry),
    );
    const done = yield* run.together(settings, calls);
    const outputs = (v: MaintenanceOutput | PolicyAssignmentOutput) =>
      "policyAssignmentId" in v ? { policyAssignmentId: v.policyAssignmentId } : {};
    run.settleAll(
      settings,
      done,
      settings.map(() => ({ outputs })),
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

/** The setting steps this request needs (none when the channels are off and the add-on is). */
function clusterSettingSteps(input: ProvisionInput): string[] {
  return [
    ...(maintenanceConfigurationModels(input.spec).length > 0 ? [STEP.maintenance] : []),
    ...(input.spec.podSecurityStandard ? [STEP.policyAssignment] : []),
  ];
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
