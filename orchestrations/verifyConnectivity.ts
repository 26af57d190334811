// verifyConnectivity: a probe pod per expectation (wget with a timeout from a pod with the
// expectation's labels), read until each finishes, compared with what was expected; and, on a
// cluster with Azure RBAC, a SubjectAccessReview per access check of the grants
// (shared/provision/access-checks.ts). Policy enforcement and role assignments are both
// eventually consistent, so mismatches are checked again in later rounds. Probe pods are removed
// after every round.
import type { OrchestrationContext, RetryOptions } from "durable-functions";
import type { ProbeOutcome, ProbeSpec, ProbesInput } from "../shared/provision/activity-io.js";
import { accessReport, planAccessChecks } from "../shared/provision/access-checks.js";
import { ACTIVITY, ORCHESTRATION } from "../shared/provision/durable.js";
import { planProbes, verificationReport } from "../shared/provision/probes.js";
import { activity, orchestrator, retryOptions, type Flow } from "./durable.js";
import type { ActivityResult, VerifyInput, VerifyOutput } from "../shared/provision/types.js";
import { addSeconds, pollDelaySeconds } from "./monitor.js";

export const verifyConnectivity = orchestrator(
  ORCHESTRATION.verifyConnectivity,
  function* (ctx, input): Flow<VerifyOutput> {
    const { target, spec, timing } = input;
    const retry = retryOptions(timing.activityRetry);
    const rounds = Math.max(1, timing.verificationAttempts);
    const observed: ProbeOutcome["observed"][] = [];
    const checks = planAccessChecks(input.access ?? []);
    const reviewed: ("allowed" | "denied" | undefined)[] = [];
    let plan: ProbeSpec[] = [];
    let round = 0;

    const probesMatch = () => plan.every((p, i) => observed[i] === p.expected);
    const accessMatches = () => checks.every((c, i) => reviewed[i] === c.result.expected);
    while (round < rounds) {
      round += 1;
      plan = planProbes(spec, round);
      // Only what has not matched yet is checked again.
      const todo = plan.map((p, i) => i).filter((i) => observed[i] !== plan[i]!.expected);
      const accessTodo = checks.map((c, i) => i).filter((i) => reviewed[i] !== checks[i]!.result.expected);
      if (todo.length === 0 && accessTodo.length === 0) break;
      if (accessTodo.length > 0) {
        const access = { target, checks: accessTodo.map((i) => checks[i]!) };
        const r = yield* activity(ctx, ACTIVITY.checkClusterAccess, access, retry);
        if (!r.ok) return r;
        accessTodo.forEach((checkIndex, k) => (reviewed[checkIndex] = r.value[k]));
      }
      if (todo.length > 0) {
        const r = yield* probeRound(ctx, input, retry, plan, todo);
        if (!r.ok) return r;
        todo.forEach((planIndex, k) => (observed[planIndex] = r.value[k]?.observed ?? "pending"));
      }
      if (probesMatch() && accessMatches()) break;
      if (round < rounds)
        yield ctx.df.createTimer(addSeconds(ctx.df.currentUtcDateTime, pollDelaySeconds(undefined, timing)));
    }
    const report = verificationReport(plan, observed);
    if (checks.length === 0) return { ok: true, value: { report, rounds: round } };
    const access = accessReport(checks, reviewed);
    const passed = report.passed && access.every((a) => a.observed === a.expected);
    return { ok: true, value: { report: { ...report, passed, access }, rounds: round } };
  },
);

/** One round of probes: created, read until each finishes (or the deadline), then removed. */
function* probeRound(
  ctx: OrchestrationContext,
  input: VerifyInput,
  retry: RetryOptions,
  plan: readonly ProbeSpec[],
  todo: readonly number[],
): Flow<ActivityResult<ProbeOutcome[]>> {
  const { target, timing, probe } = input;
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
  // Removal is best effort: a leftover probe pod must not fail a verified cluster.
  yield* activity(ctx, ACTIVITY.removeConnectivityProbes, probes, retry);
  return { ok: true, value: outcomes };
}
