// verifyConnectivity: a probe pod per expectation (wget with a timeout from a pod with the
// expectation's labels), read until each finishes, compared with what was expected. Policy
// enforcement is eventually consistent, so mismatches are probed again in later rounds. Probe pods
// are removed after every round.
import type { OrchestrationContext } from "durable-functions";
import type { ProbeOutcome, ProbeSpec, ProbesInput } from "../shared/provision/activity-io.js";
import { planProbes, verificationReport } from "../shared/provision/probes.js";
import type { VerifyInput, VerifyOutput } from "../shared/provision/types.js";
import { ACTIVITY, addSeconds, call, pollDelaySeconds, retryOptions, type Flow } from "./flow.js";

export function* verifyConnectivity(ctx: OrchestrationContext): Flow<VerifyOutput> {
  const { target, spec, timing, probe } = ctx.df.getInput<VerifyInput>();
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
    const input: ProbesInput = {
      target,
      probes: todo.map((i) => plan[i]!),
      image: probe.image,
      timeoutSeconds: probe.timeoutSeconds,
    };
    const deadline = addSeconds(ctx.df.currentUtcDateTime, timing.readyDeadlineSeconds);
    let outcomes: ProbeOutcome[] = [];
    for (;;) {
      const r = yield* call<ProbeOutcome[]>(ctx, ACTIVITY.runConnectivityProbes, input, retry);
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
    yield* call<number>(ctx, ACTIVITY.removeConnectivityProbes, input, retry);
    if (plan.every((p, i) => observed[i] === p.expected)) break;
    if (round < rounds)
      yield ctx.df.createTimer(addSeconds(ctx.df.currentUtcDateTime, pollDelaySeconds(undefined, timing)));
  }
  return { ok: true, value: { report: verificationReport(plan, observed), rounds: round } };
}
