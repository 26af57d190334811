// How long ARM asks a client to wait: Retry-After (delta-seconds or an HTTP date), and Azure's
// millisecond headers that the SDKs' throttling policy prefers.

/** Retry-After of an ARM response in seconds (delta-seconds or HTTP date), if any. */
export function retryAfterSeconds(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const n = Number(value);
  if (Number.isFinite(n)) return Math.max(0, n);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now) / 1000);
}

/** Milliseconds a 429 asks for: retry-after-ms or x-ms-retry-after-ms, else Retry-After; 1 s when none. */
export function retryAfterMsOf(headers: { get(name: string): string | undefined }, now = Date.now()): number {
  for (const name of ["retry-after-ms", "x-ms-retry-after-ms"]) {
    const value = headers.get(name);
    const ms = Number(value);
    if (value !== undefined && value.trim() !== "" && Number.isFinite(ms) && ms >= 0) return ms;
  }
  const seconds = retryAfterSeconds(headers.get("retry-after"), now);
  return seconds === undefined ? 1000 : seconds * 1000;
}
