// provisionCluster: the flow of docs/architecture.md, top-down. Resource group → (VNet + subnet ∥ identity) →
// Network Contributor on the subnet → cluster create (monitored with durable timers) → seeding per
// namespace → verification → outputs. On failure: rollback (deprovision what we created) or keep.
import type { OrchestrationContext } from "durable-functions";
import type { StepError } from "../shared/azure/errors.js";
import { ownedTags } from "../shared/azure/models.js";
import { identityName, ids, ROLE_DEFINITIONS } from "../shared/azure/names.js";
import { stepErrorFromTaskFailure } from "../shared/azure/errors.js";
import type {
  ActivityResult,
  ClusterInfo,
  IdentityOutput,
  LroStep,
  PolledResource,
  ResourceGroupOutput,
  RoleAssignmentOutput,
  VirtualNetworkOutput,
} from "../shared/provision/activity-io.js";
import { STEP, StepTracker } from "../shared/provision/steps.js";
import type {
  DeprovisionInput,
  DeprovisionOutput,
  ProvisionInput,
  ProvisionOutput,
  SeedNamespaceInput,
  SeedNamespaceOutput,
  VerifyInput,
  VerifyOutput,
} from "../shared/provision/types.js";
import { reportCompletion } from "./notifyPipelines.js";
import {
  ACTIVITY,
  addSeconds,
  call,
  callLro,
  ORCHESTRATION,
  retryOptions,
  untilDone,
  type Flow,
} from "./flow.js";

type Outcome = { ok: true } | { ok: false; step: string; error: StepError };

export function provisionSteps(input: ProvisionInput): string[] {
  return [
    STEP.resourceGroup,
    STEP.virtualNetwork,
    STEP.identity,
    STEP.roleAssignment,
    STEP.cluster,
    ...input.spec.namespaces.map((ns) => STEP.seed(ns.name)),
    STEP.verification,
  ];
}

export function* provisionCluster(ctx: OrchestrationContext): Flow<ProvisionOutput> {
  const input = ctx.df.getInput<ProvisionInput>();
  const t = new StepTracker(provisionSteps(input), "Provisioning", input.warnings);
  const publish = () => ctx.df.setCustomStatus(t.snapshot());
  publish();

  const outcome = yield* build(ctx, input, t, publish);
  if (outcome.ok) {
    t.phase("Succeeded");
    publish();
    yield* reportCompletion(ctx, ctx.df.instanceId, "succeeded", input.timing);
    const out: ProvisionOutput = { phase: "Succeeded", outputs: t.status.outputs };
    if (t.status.verification) out.verification = t.status.verification;
    return out;
  }

  const now = () => ctx.df.currentUtcDateTime;
  t.fail(outcome.step, now(), outcome.error).skipRemaining();
  if (input.spec.onFailure === "rollback") {
    t.start(STEP.rollback, now());
    publish();
    const rollback: DeprovisionInput = {
      provisionInstanceId: ctx.df.instanceId,
      target: input.target,
      spec: input.spec,
      timing: input.timing,
      rollback: true,
    };
    try {
      const r = (yield ctx.df.callSubOrchestrator(
        ORCHESTRATION.deprovisionCluster,
        rollback,
      )) as DeprovisionOutput;
      if (r.error) {
        t.status.steps.find((s) => s.name === STEP.rollback)!.status = "Failed";
        t.warn(`rollback stopped at ${r.error.step}: ${r.error.code}; some resources may remain`);
      } else {
        t.succeed(STEP.rollback, now());
        t.warn(
          `rolled back: deleted ${r.deleted.length} resource(s)${r.kept.length ? `, kept ${r.kept.join(", ")}` : ""}`,
        );
      }
    } catch {
      t.status.steps.find((s) => s.name === STEP.rollback)!.status = "Failed";
      t.warn("rollback failed; some resources may remain");
    }
    // The failure that matters to the caller is the provisioning one, not the rollback's.
    t.status.error = { ...outcome.error, step: outcome.step };
  } else {
    const created = Object.values(t.status.outputs).filter((v) => typeof v === "string" && v.startsWith("/"));
    t.warn(
      `onFailure is "keep": the resources created so far were left for inspection${created.length ? `: ${created.join(", ")}` : ""}`,
    );
  }
  t.phase("Failed");
  publish();
  yield* reportCompletion(ctx, ctx.df.instanceId, "failed", input.timing);
  return { phase: "Failed", outputs: t.status.outputs, error: { ...outcome.error, step: outcome.step } };
}

function* build(
  ctx: OrchestrationContext,
  input: ProvisionInput,
  t: StepTracker,
  publish: () => void,
): Flow<Outcome> {
  const { target, spec, timing } = input;
  const now = () => ctx.df.currentUtcDateTime;
  const retry = retryOptions(timing.activityRetry);
  const tags = ownedTags(spec, ctx.df.instanceId);
  const sub = target.subscriptionId;

  // 1. Resource group.
  t.start(STEP.resourceGroup, now());
  publish();
  const rg = yield* call<ResourceGroupOutput>(
    ctx,
    ACTIVITY.ensureResourceGroup,
    { target, location: spec.location, tags },
    retry,
  );
  if (!rg.ok) return { ok: false, step: STEP.resourceGroup, error: rg.error };
  t.succeed(STEP.resourceGroup, now()).outputs({ resourceGroupId: rg.value.resourceGroupId });
  if (!rg.value.created)
    t.warn(`resource group ${target.resourceGroup} existed before; it will not be deleted`);

  // 2. VNet + subnet ∥ identity.
  t.start(STEP.virtualNetwork, now()).start(STEP.identity, now());
  publish();
  const vnetTask = ctx.df.callActivityWithRetry(ACTIVITY.ensureVirtualNetwork, retry, { target, spec, tags });
  const identityTask = ctx.df.callActivityWithRetry(ACTIVITY.ensureIdentity, retry, {
    target,
    identityName: identityName(spec.name),
    location: spec.location,
    tags,
  });
  let vnetFirst: LroStep<VirtualNetworkOutput>;
  let identity: ActivityResult<IdentityOutput>;
  try {
    [vnetFirst, identity] = (yield ctx.df.Task.all([vnetTask, identityTask])) as [
      LroStep<VirtualNetworkOutput>,
      ActivityResult<IdentityOutput>,
    ];
  } catch (e) {
    // Task.all fails fast: the first activity whose retries ran out.
    const step = identityTask.isFaulted ? STEP.identity : STEP.virtualNetwork;
    return { ok: false, step, error: stepErrorFromTaskFailure(e) };
  }
  if (!identity.ok) return { ok: false, step: STEP.identity, error: identity.error };
  const ident = identity.value;
  t.succeed(STEP.identity, now()).outputs({
    identityId: ident.identityId,
    identityPrincipalId: ident.principalId,
  });
  publish();

  const vnet = yield* untilDone(ctx, vnetFirst, {
    subscriptionId: sub,
    timing,
    retry,
    deadline: addSeconds(now(), timing.armOperationDeadlineSeconds),
    again: () =>
      callLro<VirtualNetworkOutput>(ctx, ACTIVITY.ensureVirtualNetwork, { target, spec, tags }, retry),
    onPoll: () => t.attempt(STEP.virtualNetwork),
  });
  if (vnet.status === "failed") return { ok: false, step: STEP.virtualNetwork, error: vnet.error };
  if (vnet.status !== "succeeded") return unreachable(STEP.virtualNetwork);
  const subnetId = ids.subnet(target, spec.network.vnetName, spec.network.subnetName);
  t.succeed(STEP.virtualNetwork, now()).outputs({
    vnetId: ids.vnet(target, spec.network.vnetName),
    subnetId,
  });

  // 3. Network Contributor on the subnet (PrincipalNotFound retried while Entra ID replicates).
  t.start(STEP.roleAssignment, now());
  publish();
  const role = yield* call<RoleAssignmentOutput>(
    ctx,
    ACTIVITY.assignSubnetRole,
    {
      subscriptionId: sub,
      scope: subnetId,
      principalId: ident.principalId,
      roleGuid: ROLE_DEFINITIONS.networkContributor,
    },
    retryOptions(timing.principalRetry),
  );
  if (!role.ok) return { ok: false, step: STEP.roleAssignment, error: role.error };
  t.succeed(STEP.roleAssignment, now());

  // 4. The cluster: submitted once (guarded), then monitored with durable timers up to a deadline.
  t.start(STEP.cluster, now());
  publish();
  const createInput = { target, spec, instanceId: ctx.df.instanceId, identityId: ident.identityId, subnetId };
  const submitted = yield* callLro<ClusterInfo>(ctx, ACTIVITY.submitClusterCreate, createInput, retry);
  const cluster = yield* untilDone(ctx, submitted, {
    subscriptionId: sub,
    timing,
    retry,
    deadline: addSeconds(now(), timing.clusterDeadlineSeconds),
    firstWaitSeconds: timing.clusterCreateFirstPollSeconds,
    // Without a poller (someone else's operation, or a lost answer), read the state by GET only:
    // never a second PUT while the cluster is busy.
    again: () => callLro<ClusterInfo>(ctx, ACTIVITY.getClusterState, { target }, retry),
    onPoll: () => {
      t.attempt(STEP.cluster);
      publish();
    },
  });
  if (cluster.status === "failed") return { ok: false, step: STEP.cluster, error: cluster.error };
  if (cluster.status !== "succeeded") return unreachable(STEP.cluster);
  const info = clusterOutputs(cluster.value, ids.cluster(target));
  t.succeed(STEP.cluster, now()).outputs(info);

  // 5. Seeding: one sub-orchestration per namespace, in parallel.
  if (spec.namespaces.length > 0) {
    t.phase("Seeding");
    for (const ns of spec.namespaces) t.start(STEP.seed(ns.name), now());
    publish();
    const results = (yield ctx.df.Task.all(
      spec.namespaces.map((namespace) =>
        ctx.df.callSubOrchestrator(ORCHESTRATION.seedNamespace, {
          target,
          namespace,
          timing,
        } satisfies SeedNamespaceInput),
      ),
    )) as SeedNamespaceOutput[];
    for (const [i, ns] of spec.namespaces.entries()) {
      const r = results[i]!;
      if (!r.ok) return { ok: false, step: STEP.seed(ns.name), error: r.error };
      t.succeed(STEP.seed(ns.name), now());
    }
  }

  // 6. Verification with probe pods.
  const expectations = spec.namespaces.reduce((n, ns) => n + ns.expectations.length, 0);
  if (expectations === 0) {
    t.skip(STEP.verification).verification({ passed: true, results: [] });
    return { ok: true };
  }
  t.phase("Verifying").start(STEP.verification, now());
  publish();
  const verify: VerifyInput = { target, spec, timing, probe: input.probe };
  const report = (yield ctx.df.callSubOrchestrator(ORCHESTRATION.verifyConnectivity, verify)) as VerifyOutput;
  if (!report.ok) return { ok: false, step: STEP.verification, error: report.error };
  t.verification(report.value.report);
  t.status.steps.find((s) => s.name === STEP.verification)!.attempts = report.value.rounds;
  if (!report.value.report.passed) {
    const failed = report.value.report.results.filter((r) => r.observed !== r.expected);
    return {
      ok: false,
      step: STEP.verification,
      error: {
        code: "VerificationFailed",
        message: `${failed.length} expectation(s) not met: ${failed.map((r) => `${r.from} → ${r.to} expected ${r.expected}, observed ${r.observed}`).join("; ")}`,
      },
    };
  }
  t.succeed(STEP.verification, now());
  return { ok: true };
}

function clusterOutputs(
  value: ClusterInfo | PolledResource,
  fallbackId: string,
): { clusterId: string; fqdn?: string } {
  const id = "clusterId" in value ? value.clusterId : (value.id ?? fallbackId);
  return { clusterId: id, ...(value.fqdn ? { fqdn: value.fqdn } : {}) };
}

function unreachable(step: string): Outcome {
  return {
    ok: false,
    step,
    error: { code: "InternalError", message: "operation ended in an unknown state" },
  };
}
