// The HTTPS front door: normalises the path, authenticates, applies faults, routes, and writes ARM's
// headers and error bodies. Admin endpoints under /_emulator are served by the caller-supplied
// `admin` handler (loopback-only by construction: the server listens on 127.0.0.1).
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import { ArmError, ArmErrors, injectedFault } from "./errors.js";
import type { FaultInjector } from "./faults.js";
import type { RequestRecorder } from "./recorder.js";
import { kindOf, type ArmRequest, type ArmResponse, type Router } from "./router.js";
import type { Principal } from "./store.js";

export interface FrontDoor {
  router: Router;
  faults: FaultInjector;
  recorder: RequestRecorder;
  authenticate(authorization: string | undefined): Promise<Principal>;
  /** The resource an operation status or result path polls, if it is one (for fault rules). */
  operationOf?(path: string): string | undefined;
  admin(req: ArmRequest): Promise<ArmResponse | undefined>;
  baseUrl(): string;
}

const MAX_BODY = 4 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(ArmErrors.RequestEntityTooLarge());
        req.destroy();
      } else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function parseBody(text: string, contentType: string | undefined): unknown {
  if (!text) return undefined;
  if (contentType && !/json/i.test(contentType)) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw ArmErrors.InvalidRequestContent((e as Error).message);
  }
}

/** What a thrown value answers: an ArmError as it is, anything else as ARM's 500. */
function asArmError(e: unknown): ArmError {
  return e instanceof ArmError ? e : ArmErrors.InternalServerError((e as Error).message);
}

function send(res: ServerResponse, response: ArmResponse, common: Record<string, string>): void {
  const headers: Record<string, string> = { ...common, ...response.headers };
  let payload = "";
  if (response.body !== undefined) {
    payload = typeof response.body === "string" ? response.body : JSON.stringify(response.body);
    headers["Content-Type"] ??=
      typeof response.body === "string" ? "text/plain" : "application/json; charset=utf-8";
  }
  headers["Content-Length"] = String(Buffer.byteLength(payload));
  res.writeHead(response.status, headers);
  res.end(payload);
}

export function createArmServer(door: FrontDoor, tls: { cert: string; key: string }): Server {
  return createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    void handle(door, req, res);
  });
}

async function handle(door: FrontDoor, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = Date.now();
  const method = (req.method ?? "GET").toUpperCase();
  // ARM tolerates "//subscriptions/…" (arm-authorization sends it for subscription scopes).
  const raw = (req.url ?? "/").replace(/^[^?]*/, (p) => p.replace(/\/{2,}/g, "/"));
  const url = new URL(raw, "https://emulator.invalid");
  const path = url.pathname.replace(/\/+$/, "") || "/";
  const requestId = randomUUID();
  const correlation = String(req.headers["x-ms-correlation-request-id"] ?? requestId);
  const common: Record<string, string> = {
    "x-ms-request-id": requestId,
    "x-ms-correlation-request-id": correlation,
    ...(req.headers["x-ms-client-request-id"]
      ? { "x-ms-client-request-id": String(req.headers["x-ms-client-request-id"]) }
      : {}),
  };
  const armReq: ArmRequest = {
    method,
    path,
    query: url.searchParams,
    apiVersion: url.searchParams.get("api-version") ?? "",
    body: undefined,
    headers: req.headers,
    baseUrl: door.baseUrl(),
  };

  if (path.toLowerCase().startsWith("/_emulator")) {
    try {
      armReq.body = parseBody(await readBody(req), "application/json");
      const answer = (await door.admin(armReq)) ?? {
        status: 404,
        body: { error: { code: "NotFound", message: path } },
      };
      send(res, answer, common);
    } catch (e) {
      const err = asArmError(e);
      send(res, { status: err.status, body: err.toBody() }, common);
    }
    return;
  }

  const matched = door.router.match(method, path);
  const route = "route" in matched ? matched.route : undefined;
  const operation = route?.kind ?? kindOf(method);
  const subscriptionId = /^\/subscriptions\/([^/]+)/i.exec(path)?.[1];
  const operationOf = door.operationOf?.(path);
  const facts = {
    method,
    path,
    operation,
    ...(route?.resourceType ? { resourceType: route.resourceType } : {}),
    ...(subscriptionId ? { subscriptionId } : {}),
    ...(operationOf ? { operationOf } : {}),
  };
  let status = 500;
  let fault: string | undefined;
  let responseBody: unknown;
  try {
    armReq.body = parseBody(await readBody(req), req.headers["content-type"]);
    if (route && !route.anonymous) {
      armReq.principal = await door.authenticate(req.headers.authorization);
      const asked = { ...facts, principal: armReq.principal.id };
      let open = true;
      res.once("close", () => (open = false));
      await door.faults.hold(asked, () => open);
      const injected = door.faults.requestFault(asked);
      // What is left after this request, as ARM reports it.
      const remaining = door.faults.remaining(asked);
      common[remaining.header] = String(remaining.value);
      if (injected?.kind === "drop") {
        fault = "drop";
        status = 0;
        req.socket.destroy();
        return;
      }
      if (injected) {
        fault = injected.status === 429 ? "throttle" : "error";
        throw injectedFault(injected);
      }
    }
    if (!("route" in matched)) {
      if (matched.allowed.length > 0) throw ArmErrors.MethodNotAllowed(method);
      throw ArmErrors.InvalidResourceType(path);
    }
    if (!matched.route.anonymous && !armReq.apiVersion) throw ArmErrors.MissingApiVersionParameter();
    const response = await matched.route.handler(armReq, matched.params);
    status = response.status;
    responseBody = response.body;
    send(res, method === "HEAD" ? { ...response, body: undefined } : response, common);
  } catch (e) {
    const err = asArmError(e);
    status = err.status;
    responseBody = err.toBody();
    send(
      res,
      { status: err.status, body: method === "HEAD" ? undefined : err.toBody(), headers: err.headers },
      common,
    );
  } finally {
    door.recorder.record({
      time: new Date(started).toISOString(),
      method,
      path,
      apiVersion: armReq.apiVersion,
      operation,
      ...(route?.resourceType ? { resourceType: route.resourceType } : {}),
      status,
      ...(fault ? { fault } : {}),
      durationMs: Date.now() - started,
      ...(req.headers["x-ms-client-request-id"]
        ? { clientRequestId: String(req.headers["x-ms-client-request-id"]) }
        : {}),
      responseBody,
    });
  }
}
