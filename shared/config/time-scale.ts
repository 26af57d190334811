// The time scale: the one setting the app and the three emulators share (AKSV_TIME_SCALE and every
// `--time-scale` flag). It is wall seconds per emulated second: 1 is real time, 0.01 makes a simulated
// 360 s AKS create take 3.6 s and an orchestration's one-hour wait take 36 s. Zero is refused: a
// clock whose emulated time runs infinitely fast cannot place a durable timer.

/** The environment variable every component reads. */
export const TIME_SCALE_SETTING = "AKSV_TIME_SCALE";

/** What a valid value is, in the words every error uses. */
export const TIME_SCALE_EXPECTED =
  "a positive number of wall seconds per emulated second (1 = real time, 0.01 = 100 times faster)";

export class TimeScaleError extends RangeError {
  constructor(
    readonly setting: string,
    readonly value: string,
  ) {
    super(`${setting} must be ${TIME_SCALE_EXPECTED}, got "${value}"`);
    this.name = "TimeScaleError";
  }
}

/** `value` if it is a valid time scale, else a TimeScaleError naming `setting`. */
export function checkTimeScale(value: number, setting: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new TimeScaleError(setting, String(value));
  return value;
}

/** The time scale written in `raw` (a flag or variable named `setting`), or a TimeScaleError. */
export function parseTimeScale(raw: string, setting: string): number {
  const text = raw.trim();
  // Number("") is 0 and Number("0x10") is 16: only plain decimal notation is a time scale.
  if (!/^[+]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) throw new TimeScaleError(setting, raw);
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new TimeScaleError(setting, raw);
  return value;
}

/** AKSV_TIME_SCALE from `env`; `fallback` when it is unset or empty. */
export function timeScaleFromEnv(env: NodeJS.ProcessEnv = process.env, fallback = 1): number {
  const raw = env[TIME_SCALE_SETTING];
  return raw === undefined || raw.trim() === "" ? fallback : parseTimeScale(raw, TIME_SCALE_SETTING);
}
