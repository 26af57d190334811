// One clock per emulator: wall time for timestamps, and "emulated seconds × time scale" for every
// simulated delay (pod start, probe timeouts, policy propagation), so tests run fast without sleeps.

export interface Clock {
  /** Wall-clock milliseconds (timestamps are real so `kubectl get` ages read naturally). */
  now(): number;
  /** Runs `fn` after `emulatedSeconds` scaled by the time scale; returns a cancel function. */
  after(emulatedSeconds: number, fn: () => void): () => void;
  readonly timeScale: number;
}

export function scaledClock(timeScale: number): Clock {
  const timers = new Set<NodeJS.Timeout>();
  return {
    timeScale,
    now: () => Date.now(),
    after(emulatedSeconds, fn) {
      const timer = setTimeout(
        () => {
          timers.delete(timer);
          fn();
        },
        Math.max(0, emulatedSeconds * 1000 * timeScale),
      );
      timer.unref();
      timers.add(timer);
      return () => {
        clearTimeout(timer);
        timers.delete(timer);
      };
    },
  };
}

/** The time scale from AKSV_TIME_SCALE (shared with the Azure emulator), default 1. */
export function timeScaleFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env["AKSV_TIME_SCALE"]);
  return Number.isFinite(value) && value >= 0 && env["AKSV_TIME_SCALE"] !== "" ? value : 1;
}

export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}
