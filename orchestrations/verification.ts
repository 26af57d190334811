// Verification, the last step of a create and of an update: probe pods for the expectations and,
// on an Entra ID cluster, SubjectAccessReviews of the grants (the verifyConnectivity
// sub-orchestration); a mismatch fails the step with VerificationFailed.
import type { OrchestrationContext } from "durable-functions";
import { ORCHESTRATION } from "../shared/provision/durable.js";
import { STEP } from "../shared/provision/steps.js";
import type { ProvisionInput, VerificationReport } from "../shared/provision/types.js";
import { subOrchestration, type Flow } from "./durable.js";
import type { StepRunner } from "./step-runner.js";

/** The grants verification checks: those of a cluster with Entra ID only. */
function grantsOf(input: ProvisionInput) {
  return input.spec.aadProfile ? (input.access ?? []) : [];
}

/** True when the spec has something to verify (expectations, or grants to review). */
export function hasVerification(input: ProvisionInput): boolean {
  return input.spec.namespaces.some((ns) => ns.expectations.length > 0) || grantsOf(input).length > 0;
}

/**
 * Runs the verification step when `needed` (and there is something to verify); otherwise it is
 * Skipped, with an empty passed report when there is nothing to verify at all.
 */
export function* verify(
  ctx: OrchestrationContext,
  input: ProvisionInput,
  run: StepRunner,
  needed: boolean = hasVerification(input),
): Flow<void> {
  const { target, spec, timing } = input;
  if (!hasVerification(input)) {
    run.skip(STEP.verification).verification({ passed: true, results: [] });
    return;
  }
  if (!needed) {
    run.skip(STEP.verification);
    return;
  }
  const grants = grantsOf(input);
  run.phase("Verifying");
  yield* run.step(STEP.verification, function* () {
    const verify = { target, spec, timing, probe: input.probe, ...(grants.length ? { access: grants } : {}) };
    const r = yield* subOrchestration(ctx, ORCHESTRATION.verifyConnectivity, verify);
    if (!r.ok) return r;
    run.verification(r.value.report).rounds(STEP.verification, r.value.rounds);
    return r.value.report.passed
      ? { ok: true, value: r.value.report }
      : { ok: false, error: verificationFailed(r.value.report) };
  });
}

function verificationFailed(report: VerificationReport) {
  const failed = [
    ...report.results
      .filter((r) => r.observed !== r.expected)
      .map((r) => `${r.from} → ${r.to} expected ${r.expected}, observed ${r.observed}`),
    ...(report.access ?? [])
      .filter((a) => a.observed !== a.expected)
      .map(
        (a) => `${a.subject} ${a.action} in ${a.namespace} expected ${a.expected}, observed ${a.observed}`,
      ),
  ];
  return {
    code: "VerificationFailed",
    message: `${failed.length} expectation(s) not met: ${failed.join("; ")}`,
  };
}
