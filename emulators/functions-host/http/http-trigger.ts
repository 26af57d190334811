// Runs an HTTP-triggered function: the request becomes RpcHttpData (what the host sends the worker), the
// worker's RpcHttpData answer becomes the response. Handler errors become a 500 with a correlation id only.
import type { IncomingHttpHeaders } from "node:http";
import type { HostedFunction } from "../functions.js";
import type { Invoker } from "../invoker.js";
import type { Logger } from "../log.js";
import type { ParameterBinding, RpcHttpCookie, RpcHttpData, RpcTypedData } from "../worker/protocol.js";
import { jsonResponse, type HostRequest, type HostResponse } from "./types.js";

function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v.join(", ") : v;
  }
  return out;
}

export function toRpcRequest(req: HostRequest, params: Record<string, string>): RpcHttpData {
  const hasBody = req.body.length > 0 && !["GET", "HEAD"].includes(req.method.toUpperCase());
  return {
    method: req.method.toUpperCase(),
    url: req.url.href,
    headers: flattenHeaders(req.headers),
    params,
    ...(hasBody ? { body: { bytes: new Uint8Array(req.body) } } : {}),
  };
}

function cookieHeader(c: RpcHttpCookie): string {
  let s = `${c.name}=${c.value}`;
  if (c.domain?.value) s += `; Domain=${c.domain.value}`;
  if (c.path?.value) s += `; Path=${c.path.value}`;
  if (c.expires?.value?.seconds !== undefined)
    s += `; Expires=${new Date(c.expires.value.seconds * 1000).toUTCString()}`;
  if (c.maxAge?.value !== undefined) s += `; Max-Age=${c.maxAge.value}`;
  if (c.secure?.value) s += "; Secure";
  if (c.httpOnly?.value) s += "; HttpOnly";
  const sameSite = ({ lax: "Lax", strict: "Strict", explicitNone: "None" } as Record<string, string>)[
    c.sameSite ?? "none"
  ];
  if (sameSite) s += `; SameSite=${sameSite}`;
  return s;
}

function bodyBytes(body: RpcTypedData | null | undefined): Buffer {
  if (!body) return Buffer.alloc(0);
  if (body.bytes) return Buffer.from(body.bytes);
  if (body.string !== undefined) return Buffer.from(body.string, "utf8");
  if (body.json !== undefined) return Buffer.from(body.json, "utf8");
  return Buffer.alloc(0);
}

export function fromRpcResponse(http: RpcHttpData): HostResponse {
  const headers: Record<string, string | string[]> = { ...(http.headers ?? {}) };
  const cookies = (http.cookies ?? []).map(cookieHeader);
  if (cookies.length) headers["Set-Cookie"] = cookies;
  return { status: Number(http.statusCode ?? "200") || 200, headers, body: bodyBytes(http.body) };
}

/** What a caller is told to wait while the language worker restarts (a restart takes about a second). */
export const WORKER_RETRY_AFTER_SECONDS = 2;

export async function invokeHttpFunction(
  fn: HostedFunction,
  req: HostRequest,
  params: Record<string, string>,
  invoker: Invoker,
  logger: Logger,
): Promise<HostResponse> {
  const inputData: ParameterBinding[] = [{ name: fn.triggerName, data: { http: toRpcRequest(req, params) } }];
  const result = await invoker.invoke(fn, inputData);
  if (!result.ok && result.workerLost) {
    // The language worker is down (it exited and the host is starting a new one) or died during this
    // call: nothing in the app failed, so the caller gets a retryable answer, not a 500.
    logger.log("warning", `Function '${fn.name}' not run: ${result.error.message}`);
    return jsonResponse(
      503,
      {
        error: {
          code: "LanguageWorkerRestarting",
          message: "The app's language worker is restarting; try again shortly.",
        },
      },
      { "Retry-After": String(WORKER_RETRY_AFTER_SECONDS) },
    );
  }
  if (!result.ok) {
    logger.log(
      "error",
      `Function '${fn.name}' failed (correlation id ${result.invocationId}): ${result.error.stack ?? result.error.message}`,
    );
    return jsonResponse(
      500,
      {
        error: {
          code: "InternalServerError",
          message: `The function '${fn.name}' failed. Correlation id: ${result.invocationId}.`,
          correlationId: result.invocationId,
        },
      },
      { "x-correlation-id": result.invocationId },
    );
  }
  const http = result.returnValue?.http ?? result.outputData.find((o) => o.data?.http)?.data.http;
  if (!http) return { status: 204 };
  return fromRpcResponse(http);
}
