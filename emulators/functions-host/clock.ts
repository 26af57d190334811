// Emulated time for the host: durable timers, retry back-off and history timestamps all read this clock,
// so tests can run a one-hour timer in milliseconds (time scale) or step time by hand (ManualClock).

/** Cancels a scheduled callback. */
export type CancelTimer = () => void;

export interface Clock {
  /** Emulated milliseconds since the epoch. */
  now(): number;
  /** Runs `callback` once emulated time reaches `at` (immediately if it already has). */
  schedule(at: number, callback: () => void): CancelTimer;
}

// setTimeout cannot wait longer than 2^31-1 ms; longer waits re-arm themselves.
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Real time, optionally sped up: emulated time advances 1/timeScale times faster than real time
 * (timeScale 0.01 turns a 60 s timer into 0.6 s). The anchor pins emulated time to real time, so a host
 * restarted with the same anchor sees the time that passed while it was down.
 */
export class ScaledClock implements Clock {
  readonly timeScale: number;
  readonly anchorReal: number;
  readonly anchorEmulated: number;

  constructor(options: { timeScale?: number; anchorReal?: number; anchorEmulated?: number } = {}) {
    const scale = options.timeScale ?? 1;
    if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`timeScale must be > 0, got ${scale}`);
    this.timeScale = scale;
    this.anchorReal = options.anchorReal ?? Date.now();
    this.anchorEmulated = options.anchorEmulated ?? this.anchorReal;
  }

  now(): number {
    return this.anchorEmulated + (Date.now() - this.anchorReal) / this.timeScale;
  }

  schedule(at: number, callback: () => void): CancelTimer {
    let handle: NodeJS.Timeout | undefined;
    const arm = (): void => {
      const delay = Math.max(0, (at - this.now()) * this.timeScale);
      if (delay > MAX_TIMEOUT_MS) {
        handle = setTimeout(arm, MAX_TIMEOUT_MS);
      } else {
        handle = setTimeout(callback, Math.ceil(delay));
      }
      handle.unref?.();
    };
    arm();
    return () => clearTimeout(handle);
  }
}

/** Time that moves only when a test says so. */
export class ManualClock implements Clock {
  #now: number;
  #pending: { at: number; callback: () => void }[] = [];

  constructor(start = Date.parse("2030-01-01T00:00:00Z")) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  schedule(at: number, callback: () => void): CancelTimer {
    const entry = { at, callback };
    if (at <= this.#now) {
      setImmediate(callback);
      return () => undefined;
    }
    this.#pending.push(entry);
    return () => {
      this.#pending = this.#pending.filter((e) => e !== entry);
    };
  }

  /** Moves time forward and runs every callback that fell due, in time order. */
  advance(ms: number): void {
    this.#now += ms;
    const due = this.#pending.filter((e) => e.at <= this.#now).sort((a, b) => a.at - b.at);
    this.#pending = this.#pending.filter((e) => e.at > this.#now);
    for (const e of due) e.callback();
  }
}
