// Failures the CLI explains in one line (and an exit code) instead of a stack trace.

/** An expected failure: printed as `error: <message>` (plus a hint line), then exit `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    /** A stable code for pipelines (`##vso[task.complete result=Failed;]<code>`). */
    readonly code = "CliError",
  ) {
    super(message);
  }
}

// Node's codes for a certificate it does not trust (self-signed local CA, missing intermediate…).
const UNTRUSTED_CERTIFICATE = new Set([
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_GET_ISSUER_CERT",
  "CERT_UNTRUSTED",
]);

/** The local stack's emulators serve HTTPS with a certificate of their own CA. */
export const TRUST_LOCAL_CA_HINT =
  "the local stack's HTTPS endpoints use its own CA: set NODE_EXTRA_CA_CERTS to the CA certificate path `npm start` prints (e.g. NODE_EXTRA_CA_CERTS=.local/ca/ca.pem)";

/** Why a fetch failed, in a few words (fetch hides the reason in `cause`). */
export function fetchFailureReason(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (e as Error).message;
}

/** True when a failure (a fetch's, or an SDK's message) is an untrusted TLS certificate. */
export function isUntrustedCertificate(e: unknown): boolean {
  const cause = (e as { cause?: { code?: string } }).cause;
  if (cause?.code && UNTRUSTED_CERTIFICATE.has(cause.code)) return true;
  const text = e instanceof Error ? e.message : String(e);
  return /self[- ]signed certificate|unable to (verify|get) .*certificate|SELF_SIGNED_CERT|UNABLE_TO_(VERIFY|GET)_/i.test(
    text,
  );
}

/** GETs or POSTs a URL for sign-in, turning network and TLS failures into CliError. */
export async function fetchOrExplain(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (e) {
    throw new CliError(
      `cannot reach ${url} (${fetchFailureReason(e)})${isUntrustedCertificate(e) ? `; ${TRUST_LOCAL_CA_HINT}` : ""}`,
      1,
      "Unreachable",
    );
  }
}
