// The host's HTTP front door on 127.0.0.1: /{routePrefix}/* (HTTP triggers), /runtime/webhooks/durabletask/*
// (Durable HTTP API, system key), /durabletask/* (the extension's local RPC base), /admin/host/status,
// and / (where Azure shows its default page: here, the app's HTTP routes, see home.ts).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { RPC_PATH, WEBHOOK_PATH } from "../durable/client-binding.js";
import type { DurableHttpApi } from "../durable/http-api.js";
import { authorized, type HostKeys } from "../keys.js";
import type { Logger } from "../log.js";
import { preflight, withCors, type CorsSettings } from "./cors.js";
import { homePage } from "./home.js";
import type { HttpRoute, HttpRouter } from "./router.js";
import { header, jsonResponse, type HostRequest, type HostResponse } from "./types.js";

export interface FrontDoorHandlers {
  routePrefix: string;
  keys: HostKeys;
  logger: Logger;
  maxRequestBodyBytes: number;
  /** CORS in front of the HTTP triggers (as App Service applies it). */
  cors: CorsSettings;
  /** Undefined until the app is loaded (requests get 503 meanwhile). */
  router: () => HttpRouter | undefined;
  durableApi: () => DurableHttpApi | undefined;
  invokeHttp: (route: HttpRoute, req: HostRequest, params: Record<string, string>) => Promise<HostResponse>;
  hostStatus: () => object;
}

class BodyTooLarge extends Error {}

/**
 * The body, refused (BodyTooLarge) as soon as Content-Length or the bytes received pass `limit`:
 * nothing beyond the limit is kept. Reading stops there without destroying the request, so the
 * 413 still reaches the client (the connection closes after it).
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > limit) return Promise.reject(new BodyTooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (): void => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        done();
        req.pause();
        reject(new BodyTooLarge());
      } else chunks.push(chunk);
    };
    const onEnd = (): void => {
      done();
      resolve(Buffer.concat(chunks));
    };
    const onError = (err: Error): void => {
      done();
      reject(err);
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
  });
}

function presentedKey(req: HostRequest): string | undefined {
  return header(req, "x-functions-key") ?? req.url.searchParams.get("code") ?? undefined;
}

export async function handleRequest(
  h: FrontDoorHandlers,
  req: HostRequest,
  origin: string,
): Promise<HostResponse> {
  const path = req.url.pathname;
  if (path === "/admin/host/status") {
    if (!authorized(h.keys, "admin", presentedKey(req))) return { status: 401 };
    if (req.method !== "GET") return { status: 405, headers: { Allow: "GET" } };
    return jsonResponse(200, h.hostStatus());
  }
  const durable = path.startsWith(WEBHOOK_PATH + "/")
    ? path.slice(WEBHOOK_PATH.length + 1)
    : path.startsWith(RPC_PATH)
      ? path.slice(RPC_PATH.length)
      : undefined;
  if (durable !== undefined) {
    const api = h.durableApi();
    if (!api) return jsonResponse(503, { Message: "The host is starting." });
    if (path.startsWith(WEBHOOK_PATH)) {
      const code = presentedKey(req);
      const systemKey = Object.values(h.keys.systemKeys);
      if (!code || !(systemKey.includes(code) || authorized(h.keys, "admin", code))) return { status: 401 };
    }
    return api.handle(req, durable, origin);
  }
  const prefix = h.routePrefix ? `/${h.routePrefix}` : "";
  if (prefix && path === "/" && (req.method === "GET" || req.method === "HEAD")) {
    const router = h.router();
    if (!router) return jsonResponse(503, { Message: "The host is starting." });
    return homePage(req, router, h.routePrefix, origin);
  }
  if (prefix && path !== prefix && !path.startsWith(prefix + "/")) return { status: 404 };
  return withCors(h.cors, req, preflight(h.cors, req) ?? (await trigger(h, req, path.slice(prefix.length))));
}

async function trigger(h: FrontDoorHandlers, req: HostRequest, path: string): Promise<HostResponse> {
  const router = h.router();
  if (!router)
    return jsonResponse(503, { error: { code: "HostStarting", message: "The host is starting." } });
  const result = router.match(req.method, path);
  if (result.kind === "notFound") return { status: 404 };
  if (result.kind === "methodNotAllowed")
    return { status: 405, headers: { Allow: result.allowed.join(", ") } };
  if (!authorized(h.keys, result.route.authLevel, presentedKey(req))) return { status: 401 };
  return h.invokeHttp(result.route, req, result.params);
}

export async function listen(
  h: FrontDoorHandlers,
  port: number,
  host = "127.0.0.1",
): Promise<{ server: Server; port: number }> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void serve(h, req, res);
  });
  // Longer than any client keeps an idle connection (Node's agents drop theirs after 5 s), so the
  // client always closes first. With 5 s on both sides a client could send on a connection the
  // host was closing at that moment: "socket hang up" for a durable client call (which does not
  // retry), seen as 500s under load (a scale run's worker lagging seconds behind its timers).
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return { server, port: (server.address() as AddressInfo).port };
}

async function serve(h: FrontDoorHandlers, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const hostHeader = req.headers.host ?? "127.0.0.1";
  const origin = `http://${hostHeader}`;
  let response: HostResponse;
  try {
    const url = new URL(req.url ?? "/", origin);
    const body = await readBody(req, h.maxRequestBodyBytes);
    response = await handleRequest(
      h,
      { method: req.method ?? "GET", url, headers: req.headers, body },
      origin,
    );
  } catch (err) {
    if (err instanceof BodyTooLarge) {
      response = jsonResponse(413, {
        error: {
          code: "RequestEntityTooLarge",
          message: `The request body exceeds ${h.maxRequestBodyBytes} bytes.`,
        },
      });
      res.setHeader("Connection", "close");
    } else {
      h.logger.log(
        "error",
        `Request ${req.method} ${req.url} failed in the host: ${(err as Error).stack ?? String(err)}`,
      );
      response = jsonResponse(500, {
        error: { code: "InternalServerError", message: "The host failed to process the request." },
      });
    }
  }
  if (res.headersSent) return;
  res.writeHead(response.status, response.headers ?? {});
  res.end(req.method === "HEAD" ? undefined : response.body);
}
