// Crash points for the crash-safety tests: with AKSV_FUNCTIONS_HOST_CRASH_AT=<point>:<n> the host process
// kills itself with SIGKILL the n-th time it reaches <point>. Unset (always, outside those tests) it does nothing.

export type CrashPoint =
  /** An activity returned; its result is not recorded yet. */
  | "activity-finished"
  /** An orchestrator episode ran; nothing of it is committed yet. */
  | "episode-finished"
  /** An episode was committed; its activities and timers have not started yet. */
  | "episode-committed";

export function crashPoints(spec: string | undefined): (point: CrashPoint) => void {
  if (!spec) return () => undefined;
  const [target, count] = spec.split(":");
  let remaining = Number(count ?? "1");
  return (point) => {
    if (point !== target) return;
    remaining--;
    if (remaining === 0) process.kill(process.pid, "SIGKILL");
  };
}
