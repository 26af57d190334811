// verifyConnectivity: a probe pod per expectation (wget with a timeout from a pod with the
// expectation's labels), read until each finishes, compared with what was expected. Policy
// enforcement is eventually consistent, so mismatches are probed again in later rounds. Probe pods
// are removed after every round.
import type { ProbeOutcome, ProbeSpec, ProbesInput } from "../shared/provision/activity-io.js";
import { ACTIVITY, ORCHESTRATION } from "../shared/provision/durable.js";
import { planProbes, verificationReport } from "../shared/provision/probes.js";
import { activity, orchestrator, retryOptions, type Flow } from "./durable.js";
import type { VerifyOutput } from "../shared/provision/types.js";
import { addSeconds, pollDelaySeconds } from "./monitor.js";

export const verifyConnectivity = orchestrator(
  ORCHESTRATION.verifyConnectivity,
  function* (ctx, input): Flow<VerifyOutput> {
    const { target, spec, timing, probe } = input;
    const retry = retryOptions(timing.activityRetry);
    const rounds = Math.max(1, timing.verificationAttempts);
    const observed: ProbeOutcome["observed"][] = [];
    let plan: ProbeSpec[] = [];
    let round = 0;

    while (round < rounds) {
      round += 1;
      plan = planProbes(spec, round);
      // Only what has not matched yet is probed again.
      const todo = plan.map((p, i) => i).filter((i) => observed[i] !== plan[i]!.expected);
      if (todo.length === 0) break;
      const probes: ProbesInput = {
        target,
        probes: todo.map((i) => plan[i]!),
        image: probe.image,
        timeoutSeconds: probe.timeoutSeconds,
      };
      const deadline = addSeconds(ctx.df.currentUtcDateTime, timing.readyDeadlineSeconds);
      let outcomes: ProbeOutcome[] = [];
      for (;;) {
        const r = yield* activity(ctx, ACTIVITY.runConnectivityProbes, probes, retry);
        if (!r.ok) return r;
        outcomes = r.value;
        const now = ctx.df.currentUtcDateTime;
        if (outcomes.every((o) => o.observed !== "pending") || now.getTime() >= deadline.getTime()) break;
        // A probe finishes within its own wget timeout once it runs.
        yield ctx.df.createTimer(
          addSeconds(now, Math.min(pollDelaySeconds(undefined, timing), probe.timeoutSeconds)),
        );
      }
      todo.forEach((planIndex, k) => (observed[planIndex] = outcomes[k]?.observed ?? "pending"));
      // Removal is best effort: a leftover probe pod must not fail a verified cluster.
      yield* activity(ctx, ACTIVITY.removeConnectivityProbes, probes, retry);
      if (plan.every((p, i) => observed[i] === p.expected)) break;
      if (round < rounds)
        yield ctx.df.createTimer(addSeconds(ctx.df.currentUtcDateTime, pollDelaySeconds(undefined, timing)));
    }
    return { ok: true, value: { report: verificationReport(plan, observed), rounds: round } };
  },
);
