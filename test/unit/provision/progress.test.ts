// Progress weighted by expected step durations: the AKS create dominates, the estimate of the time
// left follows how fast this deployment turned out to be.
import { test } from "node:test";
import assert from "node:assert/strict";
import { formatDuration, progressOf } from "../../../shared/provision/progress.js";
import type { ClusterStatusDocument, StepStatus } from "../../../shared/provision/types.js";

const T0 = Date.parse("2030-01-01T00:00:00Z");
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

function doc(
  steps: StepStatus[],
  phase: ClusterStatusDocument["phase"] = "Provisioning",
): ClusterStatusDocument {
  return {
    name: "c",
    resourceGroup: "rg",
    subscriptionId: "s",
    team: "t",
    phase,
    steps,
    outputs: {},
    warnings: [],
    links: { self: "", kubeconfig: "" },
  };
}

const done = (name: string, from: number, to: number): StepStatus => ({
  name,
  status: "Succeeded",
  startedAt: at(from),
  finishedAt: at(to),
  attempts: 1,
});
const pending = (name: string): StepStatus => ({ name, status: "Pending", attempts: 0 });

test("four of seven steps done but the AKS create just started is far from half-way", () => {
  const d = doc([
    done("resourceGroup", 0, 3),
    done("virtualNetwork", 3, 18),
    done("identity", 18, 28),
    done("roleAssignment", 28, 58),
    { name: "cluster", status: "Running", startedAt: at(58), attempts: 1 },
    pending("seed:test"),
    pending("verification"),
  ]);
  const p = progressOf(d, T0 + 58_000);
  assert.ok(p.percent < 15, `${p.percent}`);
  // Mid-create the bar moves, and the time left shrinks with it.
  const later = progressOf(d, T0 + 238_000);
  assert.ok(later.percent > 40 && later.percent < 70, `${later.percent}`);
  assert.ok(later.remainingSeconds! < p.remainingSeconds!);
  assert.equal(p.remainingSeconds, 3 + 15 + 10 + 30 + 360 + 20 + 30 - 58);
});

test("on a faster clock the estimate scales with the steps that finished", () => {
  // Everything runs 50 times faster (the local stack's time scale 0.02).
  const d = doc([
    done("resourceGroup", 0, 0.06),
    done("virtualNetwork", 0.06, 0.36),
    done("identity", 0.36, 0.56),
    done("roleAssignment", 0.56, 1.16),
    { name: "cluster", status: "Running", startedAt: at(1.16), attempts: 3 },
    pending("verification"),
  ]);
  const p = progressOf(d, T0 + 1160);
  assert.equal(p.remainingSeconds, Math.round((360 + 30) / 50));
  assert.equal(p.steps.find((s) => s.name === "cluster")!.retries, 2);
});

test("a finished run is 100 % with nothing left; a failed one has no estimate", () => {
  assert.deepEqual(
    { ...progressOf(doc([done("cluster", 0, 300)], "Succeeded"), T0), steps: [] },
    { percent: 100, steps: [] },
  );
  const failed = progressOf(
    doc([{ name: "cluster", status: "Failed", startedAt: at(0), finishedAt: at(5), attempts: 1 }], "Failed"),
    T0,
  );
  assert.equal(failed.remainingSeconds, undefined);
  assert.equal(formatDuration(250), "4 min 10 s");
  assert.equal(formatDuration(0.2), "< 1 s");
});
