// Time in the emulators: one model, used by all three.
//
// The time scale (AKSV_TIME_SCALE, `--time-scale`, read by shared/config/time-scale.ts) is wall
// seconds per emulated second. Every duration an emulator simulates (an AKS create's 360 s, a pod's
// 2 s start, an orchestration's one-hour timer) is emulated time and lasts `duration × scale` of wall
// time: at 0.01 the AKS create takes 3.6 s and the timer 36 s.
//
// The emulators differ only in what `now()` reads, and that follows from who compares the timestamps:
// - `wallClock(scale)`: now() is the wall clock. The ARM and Kubernetes emulators hand timestamps to
//   clients that compare them with their own clock (token expiry, `createdOn`, the ages kubectl prints)
//   and keep due times across restarts, so their timestamps stay real and only their delays shrink.
// - `emulatedClock(...)`: now() is emulated time, running 1/scale times as fast as the wall clock
//   from an anchor. The Functions host needs it: an orchestrator computes its timers as instants on its
//   own history's clock (`currentUtcDateTime + 1 h`), so for the hour to pass in 36 s that clock itself
//   must run fast. The host persists the anchor, so emulated time keeps running across a restart.
// - `ManualClock`: time moves only when a test calls advance().
import { checkTimeScale } from "../../shared/config/time-scale.js";

/** Cancels a scheduled callback. */
export type CancelTimer = () => void;

export interface Clock {
  /** Wall seconds per emulated second. */
  readonly scale: number;
  /** Epoch milliseconds on this clock (wall or emulated, see above). */
  now(): number;
  /** Wall milliseconds that `seconds` emulated seconds take. */
  toWallMs(seconds: number): number;
  /** Runs `callback` after `seconds` emulated seconds (the timer does not keep the process alive). */
  after(seconds: number, callback: () => void): CancelTimer;
  /** Runs `callback` once now() reaches `at` (at once if it already has). */
  schedule(at: number, callback: () => void): CancelTimer;
  /** Resolves after `seconds` emulated seconds. */
  sleep(seconds: number): Promise<void>;
}

// setTimeout cannot wait longer than 2^31-1 ms; longer waits re-arm themselves.
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Runs `callback` after `wallMs()` wall milliseconds, re-reading the wait when a long one re-arms.
 * With `until`, the callback waits until `until()` holds, re-arming for what is left: a timer may
 * fire a millisecond before Date.now() says it is due (libuv's loop time and the wall clock round
 * differently), and a scheduled instant must never be reached early.
 */
function unrefTimer(wallMs: () => number, callback: () => void, until?: () => boolean): CancelTimer {
  let handle: NodeJS.Timeout | undefined;
  const fire = (): void => {
    if (until && !until()) arm();
    else callback();
  };
  const arm = (): void => {
    const delay = Math.max(0, wallMs());
    handle = delay > MAX_TIMEOUT_MS ? setTimeout(arm, MAX_TIMEOUT_MS) : setTimeout(fire, Math.ceil(delay));
    handle.unref();
  };
  arm();
  return () => clearTimeout(handle);
}

export interface ScaledClockOptions {
  scale: number;
  /** "wall": now() is the wall clock; "emulated": now() runs 1/scale times as fast. */
  timeline: "wall" | "emulated";
  /** Wall epoch ms at which emulated time was `anchorEmulated` (default: now). */
  anchorReal?: number;
  anchorEmulated?: number;
}

export class ScaledClock implements Clock {
  readonly scale: number;
  readonly timeline: "wall" | "emulated";
  readonly anchorReal: number;
  readonly anchorEmulated: number;
  /** Milliseconds of this clock per wall millisecond. */
  readonly #rate: number;

  constructor(options: ScaledClockOptions) {
    this.scale = checkTimeScale(options.scale, "time scale");
    this.timeline = options.timeline;
    this.#rate = options.timeline === "wall" ? 1 : 1 / this.scale;
    this.anchorReal = options.anchorReal ?? Date.now();
    this.anchorEmulated =
      options.timeline === "wall" ? this.anchorReal : (options.anchorEmulated ?? this.anchorReal);
  }

  now(): number {
    const wall = Date.now();
    return this.timeline === "wall" ? wall : this.anchorEmulated + (wall - this.anchorReal) * this.#rate;
  }

  toWallMs(seconds: number): number {
    return Math.round(seconds * 1000 * this.scale);
  }

  after(seconds: number, callback: () => void): CancelTimer {
    const ms = this.toWallMs(seconds);
    return unrefTimer(() => ms, callback);
  }

  schedule(at: number, callback: () => void): CancelTimer {
    return unrefTimer(
      () => (at - this.now()) / this.#rate,
      callback,
      () => this.now() >= at,
    );
  }

  sleep(seconds: number): Promise<void> {
    const ms = this.toWallMs(seconds);
    // A plain timer: whoever awaits a sleep (a request being answered) needs the process to stay.
    return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
  }
}

/** Real timestamps, delays scaled: the ARM and Kubernetes emulators' clock. */
export function wallClock(scale: number): ScaledClock {
  return new ScaledClock({ scale, timeline: "wall" });
}

/** Emulated timestamps running 1/scale times as fast as the wall clock: the Functions host's clock. */
export function emulatedClock(
  scale: number,
  anchor: { anchorReal?: number; anchorEmulated?: number } = {},
): ScaledClock {
  return new ScaledClock({ scale, timeline: "emulated", ...anchor });
}

/** Time that moves only when a test says so (scale 1: a second of waiting is a second of advance()). */
export class ManualClock implements Clock {
  readonly scale = 1;
  #now: number;
  #pending: { at: number; callback: () => void }[] = [];

  constructor(start = Date.parse("2030-01-01T00:00:00Z")) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  toWallMs(seconds: number): number {
    return seconds * 1000;
  }

  after(seconds: number, callback: () => void): CancelTimer {
    return this.schedule(this.#now + seconds * 1000, callback);
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

  sleep(seconds: number): Promise<void> {
    return new Promise((resolve) => this.after(seconds, resolve));
  }

  /** Moves time forward and runs every callback that fell due, in time order. */
  advance(ms: number): void {
    this.#now += ms;
    const due = this.#pending.filter((e) => e.at <= this.#now).sort((a, b) => a.at - b.at);
    this.#pending = this.#pending.filter((e) => e.at > this.#now);
    for (const e of due) e.callback();
  }
}
