// Progress people can read: each step weighs what it is expected to take (the AKS create dominates:
// minutes in Azure, seconds for everything else), so a bar does not sit at one value for the whole
// create, and the time left is estimated from the same weights. Pure: the CLI and the portal both
// compute it from a status document and the current time.
import type { ClusterStatusDocument, StepStatus } from "./types.js";

/**
 * Typical durations in Azure, in seconds (ARM's own figures for a small cluster: AKS create 5-8
 * minutes, delete 3-5; a role assignment waits for replication). Unknown steps weigh DEFAULT.
 */
export const EXPECTED_SECONDS: Readonly<Record<string, number>> = {
  resourceGroup: 3,
  virtualNetwork: 15,
  identity: 10,
  roleAssignment: 30,
  cluster: 360,
  verification: 30,
  rollback: 240,
  "delete:cluster": 240,
  "delete:roleAssignment": 10,
  "delete:identity": 10,
  "delete:virtualNetwork": 20,
  "delete:resourceGroup": 30,
};
const SEED_SECONDS = 20;
const DEFAULT_SECONDS = 10;

export function expectedSeconds(step: string): number {
  return EXPECTED_SECONDS[step] ?? (step.startsWith("seed:") ? SEED_SECONDS : DEFAULT_SECONDS);
}

export interface StepProgress {
  name: string;
  status: StepStatus["status"];
  /** Seconds the step ran (so far, while running). */
  elapsedSeconds?: number;
  /** Seconds it is expected to take here (scaled to how fast this deployment turned out to be). */
  expectedSeconds: number;
  /** Attempts beyond the first: retries after transient failures and resubmits (never polls). */
  retries: number;
}

export interface Progress {
  /** 0-100, weighted by expected durations. */
  percent: number;
  /** Seconds left, when it can be estimated (something is still to do). */
  remainingSeconds?: number;
  steps: StepProgress[];
}

const FINAL = new Set(["Succeeded", "Failed", "Deleted"]);

function seconds(from?: string, to?: string | number): number | undefined {
  if (!from) return undefined;
  const start = Date.parse(from);
  const end = typeof to === "number" ? to : to ? Date.parse(to) : NaN;
  return Number.isFinite(start) && Number.isFinite(end) ? Math.max(0, (end - start) / 1000) : undefined;
}

/**
 * The weighted progress of a status document at `now` (ms). The expected durations are scaled by
 * how long the finished steps took against their expectation, so the estimate is right both in
 * Azure and on the local stack's scaled clock.
 */
export function progressOf(doc: ClusterStatusDocument, now: number): Progress {
  let observed = 0;
  let expectedOfFinished = 0;
  for (const s of doc.steps)
    if (s.status === "Succeeded") {
      const took = seconds(s.startedAt, s.finishedAt);
      if (took !== undefined) {
        observed += took;
        expectedOfFinished += expectedSeconds(s.name);
      }
    }
  // Too little evidence (fast steps finish within a second) keeps the nominal figures.
  const scale = expectedOfFinished >= 10 && observed > 0 ? observed / expectedOfFinished : 1;

  let total = 0;
  let done = 0;
  const steps: StepProgress[] = doc.steps.map((s) => {
    const expected = expectedSeconds(s.name) * scale;
    const elapsed =
      s.status === "Running" ? seconds(s.startedAt, now) : seconds(s.startedAt, s.finishedAt ?? undefined);
    total += expected;
    if (s.status === "Succeeded" || s.status === "Skipped" || s.status === "Failed") done += expected;
    // A running step counts what it has run, but never as finished before it is.
    else if (s.status === "Running") done += Math.min(elapsed ?? 0, expected * 0.95);
    return {
      name: s.name,
      status: s.status,
      ...(elapsed !== undefined ? { elapsedSeconds: elapsed } : {}),
      expectedSeconds: expected,
      retries: Math.max(0, s.attempts - 1),
    };
  });
  if (doc.phase === "Succeeded" || doc.phase === "Deleted") return { percent: 100, steps };
  const percent = total === 0 ? 0 : Math.min(99, Math.floor((100 * done) / total));
  if (FINAL.has(doc.phase) || total === 0) return { percent, steps };
  // A step that overran its expectation still has a little left, not a negative time.
  const running = steps.find((s) => s.status === "Running");
  const overrun = running && (running.elapsedSeconds ?? 0) > running.expectedSeconds * 0.95;
  const left = Math.max(total - done, overrun ? running.expectedSeconds * 0.05 : 0);
  return { percent, remainingSeconds: Math.round(left), steps };
}

/** "4 min 10 s", "35 s", "< 1 s". */
export function formatDuration(totalSeconds: number): string {
  if (totalSeconds < 1) return "< 1 s";
  const s = Math.round(totalSeconds);
  const m = Math.floor(s / 60);
  if (m === 0) return `${s} s`;
  return s % 60 === 0 ? `${m} min` : `${m} min ${s % 60} s`;
}
