// seedNamespace: one namespace, in the order that never leaves a workload reachable before its
// policy exists — namespace + labels → NetworkPolicies (default-deny first) → workloads + services →
// wait (durable timers) until every workload has its ready pods.
import type { OrchestrationContext } from "durable-functions";
import type { KubeStepInput, ReadinessOutput } from "../shared/provision/activity-io.js";
import type { SeedNamespaceInput, SeedNamespaceOutput } from "../shared/provision/types.js";
import { ACTIVITY, addSeconds, call, pollDelaySeconds, retryOptions, type Flow } from "./flow.js";

export function* seedNamespace(ctx: OrchestrationContext): Flow<SeedNamespaceOutput> {
  const { target, namespace, timing } = ctx.df.getInput<SeedNamespaceInput>();
  const retry = retryOptions(timing.activityRetry);
  const step: KubeStepInput = { target, namespace };

  const ns = yield* call<string>(ctx, ACTIVITY.seedNamespaceObject, step, retry);
  if (!ns.ok) return ns;
  const policies = yield* call<string[]>(ctx, ACTIVITY.seedNetworkPolicies, step, retry);
  if (!policies.ok) return policies;
  const workloads = yield* call<string[]>(ctx, ACTIVITY.seedWorkloads, step, retry);
  if (!workloads.ok) return workloads;

  const deadline = addSeconds(ctx.df.currentUtcDateTime, timing.readyDeadlineSeconds);
  for (;;) {
    const ready = yield* call<ReadinessOutput>(ctx, ACTIVITY.checkWorkloadsReady, step, retry);
    if (!ready.ok) return ready;
    if (ready.value.ready)
      return { ok: true, value: { policies: policies.value, workloads: workloads.value } };
    const now = ctx.df.currentUtcDateTime;
    if (now.getTime() >= deadline.getTime())
      return {
        ok: false,
        error: {
          code: "WorkloadsNotReady",
          message: `namespace ${namespace.name}: not ready by the deadline (${ready.value.pending.join("; ")})`,
        },
      };
    yield ctx.df.createTimer(addSeconds(now, pollDelaySeconds(undefined, timing)));
  }
}
