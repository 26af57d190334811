// Classification of what ARM (or the network under it) answered: transient failures are worth
// another attempt later, permanent ones must reach the caller at once with ARM's own code.

/** A failure as the orchestration records it: ARM's code kept, never a stack or a token. */
export interface StepError {
  code: string;
  message: string;
  /** HTTP status when ARM answered; absent for connection failures and failed operations. */
  statusCode?: number;
}

export type ErrorClass = "transient" | "permanent";

export interface ClassifiedError extends StepError {
  kind: ErrorClass;
}

/** Codes Azure returns while something else is still in progress or replicating. */
const TRANSIENT_CODES = new Set([
  "PrincipalNotFound",
  "OperationNotAllowed", // AKS: "Another operation (Updating) is in progress" — wait for terminal state
  "AnotherOperationInProgress",
  "Conflict",
  "RetryableError",
  "Throttled",
  "TooManyRequests",
  "SubscriptionRequestsThrottled",
  "ArmRequestDeferred", // a call with slack not sent while ARM's bucket is throttled (throttle-gate.ts)
  "ResourceGroupBeingDeleted",
  "InternalServerError",
  "ServiceUnavailable",
  "GatewayTimeout",
  "InternalOperationError",
  "CustomKubeletIdentityMissingPermissionError", // role propagation, see docs/arm-and-aks.md
]);

/** Codes that no amount of waiting fixes. Checked before the status-based rules. */
const PERMANENT_CODES = new Set([
  "InvalidParameter",
  "InvalidRequestContent",
  "InvalidTemplate",
  "QuotaExceeded",
  "OperationNotAllowedQuota",
  "LinkedAuthorizationFailed",
  "AuthorizationFailed",
  "InvalidAuthenticationToken",
  "RequestDisallowedByPolicy",
  "MissingSubscriptionRegistration",
  "SubnetIsFull",
  "DnsServiceIpOutOfServiceCidr",
  "ServiceCidrOverlapExistingSubnetsCidr",
  "InvalidResourceName",
  "NoRegisteredProviderFound",
  "SubscriptionNotFound",
]);

const TRANSIENT_NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ECONNABORTED",
  "UND_ERR_SOCKET",
  "REQUEST_SEND_ERROR",
]);

function field(e: unknown, name: string): unknown {
  return typeof e === "object" && e !== null ? (e as Record<string, unknown>)[name] : undefined;
}

/** "The long-running operation has failed. QuotaExceeded. message" (core-lro 3) → code and message. */
export function parseLroFailure(message: string): { code: string; message: string } | undefined {
  const m = /^The long-running operation has failed\. ([A-Za-z][\w.]*)\. ([\s\S]*)$/.exec(message);
  return m ? { code: m[1]!, message: m[2]! } : undefined;
}

/** The ARM code inside a RestError, a failed LRO, or a plain network error. */
export function armErrorOf(e: unknown): StepError {
  const status = field(e, "statusCode");
  const statusCode = typeof status === "number" ? status : undefined;
  const rawMessage = field(e, "message");
  const message = typeof rawMessage === "string" ? rawMessage : String(e);
  let code = field(e, "code");
  if (typeof code !== "string" || code === "") {
    // Classic clients (core-client) keep the parsed body on `details`.
    const details = field(e, "details");
    const inner = field(field(details, "error") ?? details, "code");
    code = typeof inner === "string" ? inner : undefined;
  }
  if (typeof code !== "string") {
    const lro = parseLroFailure(message);
    if (lro) return { code: lro.code, message: lro.message };
    code = statusCode ? `Http${statusCode}` : "UnknownError";
  }
  return { code: code as string, message, ...(statusCode !== undefined ? { statusCode } : {}) };
}

export function classifyArmError(e: unknown): ClassifiedError {
  const error = armErrorOf(e);
  return { ...error, kind: classify(error) };
}

export function classify(error: StepError): ErrorClass {
  if (PERMANENT_CODES.has(error.code)) return "permanent";
  // Compute reports exceeded core quota as OperationNotAllowed too; only "busy" is worth waiting for.
  if (error.code === "OperationNotAllowed" && /quota/i.test(error.message)) return "permanent";
  // AKS refuses an upgrade off its paths with the same code as a 400 ("Upgrading Kubernetes version
  // 1.32.7 to 1.34.0 is not allowed"): waiting never helps. Busy is the 409 "in progress" one.
  if (
    error.code === "OperationNotAllowed" &&
    (error.statusCode === 400 ||
      (error.statusCode === undefined && /^Upgrading .* is not allowed/i.test(error.message)))
  )
    return "permanent";
  if (TRANSIENT_CODES.has(error.code) || TRANSIENT_NETWORK_CODES.has(error.code)) return "transient";
  // "Http503" is how armErrorOf names a bodiless answer; read back from a failed task it has lost
  // its statusCode, and must classify as the status it names.
  const named = /^Http(\d{3})$/.exec(error.code);
  const s = error.statusCode ?? (named ? Number(named[1]) : undefined);
  if (s === 408 || s === 429) return "transient";
  if (s !== undefined && s >= 500 && s !== 501 && s !== 505) return "transient";
  if (s !== undefined && s >= 400) return "permanent";
  // No HTTP status and an unknown code: a connection that broke somewhere. Try again.
  return error.statusCode === undefined && /socket|network|connect|timed? ?out|reset/i.test(error.message)
    ? "transient"
    : "permanent";
}

/**
 * The resource is busy with another operation (AKS: "Another operation … is in progress"): worth
 * waiting for as long as the step's deadline allows, not only for a few retries.
 */
export function isBusy(error: StepError): boolean {
  return (
    (error.code === "OperationNotAllowed" || error.code === "AnotherOperationInProgress") &&
    classify(error) === "transient"
  );
}

/**
 * Thrown by an activity when another attempt may succeed; the orchestration's retry policy
 * (callActivityWithRetry) runs it again. The message starts with the ARM code so the orchestrator
 * can surface it when the attempts run out.
 */
export class TransientError extends Error {
  readonly code: string;
  constructor(error: StepError) {
    super(`${error.code}: ${scrub(error.message)}`);
    this.name = "TransientError";
    this.code = error.code;
  }
}

/** Reads the code back from a failed activity task's message ("…failed: Code: message …"). */
export function stepErrorFromTaskFailure(e: unknown): StepError {
  const text = e instanceof Error ? e.message : String(e);
  const m = /failed: ([A-Za-z][\w.]*): ([^\n]*)/.exec(text) ?? /^([A-Za-z][\w.]*): ([^\n]*)/.exec(text);
  if (m) return { code: m[1]!, message: m[2]!.trim() };
  return { code: "ActivityFailed", message: scrub(text.split("\n")[0] ?? text) };
}

/** Keeps bearer tokens and kubeconfig material out of anything we record. */
export function scrub(text: string): string {
  return text
    .replace(/Bearer\s+[A-Za-z0-9._~+/=-]+/gi, "Bearer ***")
    .replace(/eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, "***")
    .replace(
      /(token|client-key-data|client-certificate-data|password)(["']?\s*[:=]\s*["']?)[^\s"',}]+/gi,
      "$1$2***",
    )
    .slice(0, 2000);
}
