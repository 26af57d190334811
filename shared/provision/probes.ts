// Which probe pods prove a request's expectations: one per expectation, in the source namespace,
// with exactly the source labels, connecting to the target service's port. Pure and deterministic,
// so the orchestrator can compute it during replay.
import { expectationEndpoints } from "../spec/rules/expectations.js";
import type { ClusterSpec } from "../spec/schema.js";
import type { ProbeSpec } from "./activity-io.js";
import type { ProbeResult, VerificationReport } from "./types.js";

function describeLabels(labels: Record<string, string>): string {
  return Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
}

/** Every expectation of the spec as a probe; `round` makes the pod names of each round distinct. */
export function planProbes(spec: ClusterSpec, round: number): ProbeSpec[] {
  const out: ProbeSpec[] = [];
  spec.namespaces.forEach((ns, i) => {
    ns.expectations.forEach((ex, j) => {
      // Validation guarantees the service and port exist; a named port resolves to its number.
      const { fromNs, toNs, port: target } = expectationEndpoints(spec, ns.name, ex);
      const port = target?.port ?? (typeof ex.to.port === "number" ? ex.to.port : 0);
      const expected = ex.allowed ? "allowed" : "denied";
      out.push({
        podName: `aksv-probe-${i}-${j}-r${round}`,
        namespace: fromNs,
        labels: { ...ex.from.labels },
        host: `${ex.to.service}.${toNs}`,
        port,
        expected,
        result: {
          from: `${fromNs}{${describeLabels(ex.from.labels)}}`,
          to: `${ex.to.service}.${toNs}:${ex.to.port}`,
          expected,
        },
      });
    });
  });
  return out;
}

/** The report from the last observation of each probe (by position in the plan). */
export function verificationReport(
  plan: readonly ProbeSpec[],
  observed: readonly ("allowed" | "denied" | "pending" | undefined)[],
): VerificationReport {
  const results: ProbeResult[] = plan.map((p, i) => {
    const o = observed[i];
    return { ...p.result, observed: o === "allowed" || o === "denied" ? o : "unknown" };
  });
  return { passed: results.every((r) => r.observed === r.expected), results };
}
