// seedNamespace: one namespace, in the order that never leaves a workload reachable before its
// policy exists — namespace + labels → NetworkPolicies (default-deny first) → workloads + services →
// wait (durable timers) until every workload has its ready pods.
import { ACTIVITY, ORCHESTRATION } from "../shared/provision/durable.js";
import { activity, orchestrator, retryOptions, type Flow } from "./durable.js";
import type { SeedNamespaceOutput } from "../shared/provision/types.js";
import { addSeconds, pollDelaySeconds } from "./monitor.js";

export const seedNamespace = orchestrator(
  ORCHESTRATION.seedNamespace,
  function* (ctx, input): Flow<SeedNamespaceOutput> {
    const { target, namespace, timing } = input;
    const retry = retryOptions(timing.activityRetry);
    const step = { target, namespace };

    const ns = yield* activity(ctx, ACTIVITY.seedNamespaceObject, step, retry);
    if (!ns.ok) return ns;
    const policies = yield* activity(ctx, ACTIVITY.seedNetworkPolicies, step, retry);
    if (!policies.ok) return policies;
    const workloads = yield* activity(ctx, ACTIVITY.seedWorkloads, step, retry);
    if (!workloads.ok) return workloads;

    const deadline = addSeconds(ctx.df.currentUtcDateTime, timing.readyDeadlineSeconds);
    for (;;) {
      const ready = yield* activity(ctx, ACTIVITY.checkWorkloadsReady, step, retry);
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
  },
);
