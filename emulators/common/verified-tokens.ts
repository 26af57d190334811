// Bearer tokens whose signature was verified, kept until they expire. ARM and the Kubernetes API
// server see the same token on request after request (a client asks for one and reuses it for an
// hour); an RSA verification on each took 1.6 CPU seconds of the emulators' process in a 500-cluster
// scale run. A token served from here is one verified before and not yet expired: what the checks
// after the signature (issuer, audience, groups) read is the payload that verification returned.

export class VerifiedTokens<T extends { exp?: number | undefined }> {
  private readonly entries = new Map<string, { value: T; expiresAt: number }>();

  constructor(private readonly max = 10_000) {}

  /** What verifying `token` returned, while it has not expired; else undefined (verify it again). */
  get(token: string, now = Date.now()): T | undefined {
    const e = this.entries.get(token);
    if (!e) return undefined;
    if (now < e.expiresAt) return e.value;
    this.entries.delete(token);
    return undefined;
  }

  /** Keeps a verified token until its payload's `exp` (seconds since the epoch); one without is not kept. */
  set(token: string, value: T): void {
    if (value.exp === undefined) return;
    // The oldest goes first: a bound on memory, whatever number of callers.
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(token, { value, expiresAt: value.exp * 1000 });
  }

  /** The payload of `token`: kept from an earlier verification, else what `verify` answers (then kept). */
  async verify(token: string, verify: () => Promise<T>): Promise<T> {
    const kept = this.get(token);
    if (kept) return kept;
    const value = await verify();
    this.set(token, value);
    return value;
  }
}
