// The per-cluster API server: turns an HTTP request under /clusters/{key} into discovery answers
// and REST calls on the cluster (moto's "responses" layer). Models never see HTTP.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Cluster } from "./cluster.js";
import type { Kind } from "./context.js";
import {
  apiGroupDoc,
  apiGroupList,
  apiResourceList,
  apiVersions,
  versionInfo,
} from "./machinery/discovery.js";
import { resourceId } from "./machinery/kinds.js";
import { fieldSelectorsOf, type WriteOptions } from "./machinery/rest.js";
import {
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
} from "./machinery/selectors.js";
import { ApiError, errors } from "./machinery/status.js";
import { toTable, wantsTable } from "./machinery/table.js";
import type { KubeObject } from "./machinery/types.js";
import { findKind, KINDS } from "./registry.js";
import { authenticate } from "./auth.js";
import {
  authorize,
  forbiddenMessage,
  userOf,
  type Attributes,
  type ResourceAttributes,
  type UserInfo,
} from "./authz.js";
import { healthAnswer, type HealthEndpoint } from "./machinery/health.js";
import { acceptsJson, openApiV2, openApiV3, openApiV3Index } from "./openapi/index.js";
import { pods } from "./core/v1/pods.js";
import type { Container } from "./core/v1/podspec.js";
import type { StreamOptions } from "./runtime/streams.js";
import { rfc3339Nano } from "./runtime/logs.js";

export interface Reply {
  status: number;
  body?: unknown;
  text?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

const PUBLIC_PATHS = new Set(["/version", "/healthz", "/livez", "/readyz"]);

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return { status, body, headers };
}

interface ResourcePath {
  def: Kind;
  namespace?: string;
  name?: string;
  subresource?: string;
}

function parseResourcePath(gv: string, parts: string[]): ResourcePath | undefined {
  let namespace: string | undefined;
  let rest = parts;
  if (parts[0] === "namespaces" && parts.length >= 3) {
    const namespaced = findKind(gv, parts[2]!);
    if (namespaced?.namespaced) {
      namespace = parts[1];
      rest = parts.slice(2);
    }
  }
  const def = findKind(gv, rest[0] ?? "");
  if (!def || rest.length > 3) return undefined;
  if (rest[2] !== undefined && !def.subresources.includes(rest[2])) return undefined;
  return { def, namespace, name: rest[1], subresource: rest[2] };
}

/** An exec or attach request, checked before its connection is upgraded. */
export interface StreamTarget {
  kind: "exec" | "attach";
  pod: KubeObject;
  container: Container;
  command: string[];
  opts: StreamOptions;
}

/** Resolves `…/pods/{name}/exec|attach` for `cluster`; throws ApiError (answered as HTTP). */
export async function resolveStream(
  cluster: Cluster,
  req: IncomingMessage,
  path: string,
  query: URLSearchParams,
): Promise<StreamTarget> {
  const caller = await authenticate(req.headers.authorization, cluster.registration, cluster.adminToken);
  if (!caller) throw errors.unauthorized();
  const parts = path.split("/").filter(Boolean);
  const target =
    parts[0] === "api" && parts[1] === "v1" ? parseResourcePath("v1", parts.slice(2)) : undefined;
  const kind = target?.subresource;
  if (!target || target.def !== pods || !target.name || (kind !== "exec" && kind !== "attach"))
    throw errors.pathNotFound();
  await requireAllowed(cluster, userOf(caller), {
    verb: "create",
    group: "",
    version: "v1",
    resource: "pods",
    subresource: kind,
    namespace: target.namespace,
    name: target.name,
  });
  const pod = cluster.rest.get(pods, target.namespace, target.name);
  const flag = (name: string) => query.get(name) === "true" || query.get(name) === "1";
  const opts = { stdin: flag("stdin"), stdout: flag("stdout"), stderr: flag("stderr"), tty: flag("tty") };
  if (!opts.stdin && !opts.stdout && !opts.stderr)
    throw errors.badRequest("you must specify at least one of stdin, stdout, stderr");
  const command = query.getAll("command");
  if (kind === "exec" && command.length === 0) throw errors.badRequest("you must specify at least 1 command");
  const container = cluster.runtime.target(pod, query.get("container"), kind);
  return { kind, pod, container, command, opts };
}

/** The Kubernetes verb of a request on a resource path. */
function verbOf(method: string, name: string | undefined, query: URLSearchParams): string {
  const watch = query.get("watch") === "true" || query.get("watch") === "1";
  switch (method) {
    case "GET":
    case "HEAD":
      return name ? "get" : watch ? "watch" : "list";
    case "POST":
      return "create";
    case "PUT":
      return "update";
    case "PATCH":
      return "patch";
    case "DELETE":
      return name ? "delete" : "deletecollection";
    default:
      return method.toLowerCase();
  }
}

/** Refuses with the API server's 403 Status unless the cluster's authorizer allows the request. */
async function requireAllowed(cluster: Cluster, user: UserInfo, r: ResourceAttributes): Promise<void> {
  const decision = await cluster.decide(user, { resource: r });
  if (decision.allowed) return;
  throw errors.forbiddenRequest(
    { group: r.group ?? "", resource: r.resource ?? "" },
    r.name,
    forbiddenMessage(user, r, decision),
  );
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Answers one request for `cluster`; `path` is what follows /clusters/{key}. */
export async function handleClusterRequest(
  cluster: Cluster,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: URLSearchParams,
  serverAddress: string,
): Promise<Reply | undefined> {
  const method = req.method ?? "GET";
  const caller = await authenticate(req.headers.authorization, cluster.registration, cluster.adminToken);
  const health = /^\/(healthz|livez|readyz)(?:\/(.+))?$/.exec(path);
  if (!caller && !PUBLIC_PATHS.has(path) && !health) throw errors.unauthorized();
  if (path === "/version") return json(200, versionInfo(cluster.registration.kubernetesVersion));
  if (health) {
    const text = healthAnswer(health[1] as HealthEndpoint, health[2], query);
    if (text === undefined)
      return { status: 404, text: "404 page not found\n", contentType: "text/plain; charset=utf-8" };
    return {
      status: 200,
      text,
      contentType: "text/plain; charset=utf-8",
      headers: { "X-Content-Type-Options": "nosniff" },
    };
  }
  if (caller && !PUBLIC_PATHS.has(path) && !health) {
    const user = userOf(caller);
    const nonResource: Attributes = {
      nonResource: { path, verb: method === "GET" ? "get" : method.toLowerCase() },
    };
    const discovery = !/^\/apis?\/[^/]+(\/[^/]+)?\/.+/.test(path) || path.startsWith("/openapi/");
    if (discovery && !(await cluster.decide(user, nonResource)).allowed)
      throw errors.forbiddenRequest(
        { group: "", resource: "" },
        undefined,
        `forbidden: User "${user.username}" cannot ${method.toLowerCase()} path "${path}"`,
      );
  }
  if (path === "/api") return json(200, apiVersions(serverAddress));
  if (path === "/apis") return json(200, apiGroupList(KINDS));
  const gitVersion = versionInfo(cluster.registration.kubernetesVersion).gitVersion;
  if (path === "/openapi/v2") {
    // kubectl asks for the protobuf (gnostic) form only, which this server does not produce. An
    // empty protobuf Document leaves it no v2 schema: it then validates through the server
    // (fieldValidation, advertised in /openapi/v3) and explains and patches from v3. A 406 would
    // send it to /swagger-2.0.0.pb-v1 and fail validation outright.
    if (!acceptsJson(req.headers.accept))
      return {
        status: 200,
        text: "",
        contentType: "application/octet-stream",
      };
    return json(200, openApiV2(KINDS, gitVersion));
  }
  if (path === "/openapi/v3") return json(200, openApiV3Index(KINDS, gitVersion));
  if (path.startsWith("/openapi/v3/")) {
    const doc = openApiV3(KINDS, path.slice("/openapi/v3/".length), gitVersion);
    if (!doc) throw errors.pathNotFound();
    return json(200, doc, { "Cache-Control": "public, immutable", Etag: `"${gitVersion}"` });
  }
  const parts = path.split("/").filter(Boolean);
  let gv: string | undefined;
  let rest: string[] = [];
  if (parts[0] === "api" && parts[1] === "v1") [gv, rest] = ["v1", parts.slice(2)];
  else if (parts[0] === "apis" && parts.length >= 3) [gv, rest] = [`${parts[1]}/${parts[2]}`, parts.slice(3)];
  else if (parts[0] === "apis" && parts.length === 2) {
    const doc = apiGroupDoc(KINDS, parts[1]!);
    if (doc) return json(200, doc);
  }
  if (!gv) throw errors.pathNotFound();
  if (rest.length === 0) {
    const list = apiResourceList(KINDS, gv);
    if (!list) throw errors.pathNotFound();
    return json(200, list);
  }
  const target = parseResourcePath(gv, rest);
  if (!target) throw errors.pathNotFound();
  const user = userOf(caller!);
  await requireAllowed(cluster, user, {
    verb: verbOf(method, target.name, query),
    group: target.def.group,
    version: target.def.version,
    resource: target.def.plural,
    ...(target.subresource ? { subresource: target.subresource } : {}),
    ...(target.namespace !== undefined ? { namespace: target.namespace } : {}),
    ...(target.name ? { name: target.name } : {}),
  });
  if (target.def.review) {
    if (method !== "POST" || target.name || !caller) throw methodNotAllowed(target.def);
    // Reviews are answered from a fresh read of Azure: they are what a verifier relies on.
    const policy = await cluster.azureRbacPolicy(true);
    const body = cluster.rest.decode(
      target.def,
      await readBody(req),
      req.headers["content-type"],
      undefined,
      writeOptions(req, query),
    );
    return json(
      201,
      target.def.review(body, user, (u, attributes) => authorize(u, attributes, policy)),
    );
  }
  return handleResource(cluster, req, res, target, query, method);
}

function writeOptions(req: IncomingMessage, query: URLSearchParams): WriteOptions {
  return { query, userAgent: req.headers["user-agent"], warnings: [] };
}

function withWarnings(reply: Reply, opts: WriteOptions): Reply {
  if (opts.warnings.length === 0) return reply;
  return {
    ...reply,
    headers: { ...reply.headers, Warning: opts.warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(", ") },
  };
}

async function handleResource(
  cluster: Cluster,
  req: IncomingMessage,
  res: ServerResponse,
  { def, namespace, name, subresource }: ResourcePath,
  query: URLSearchParams,
  method: string,
): Promise<Reply | undefined> {
  const rest = cluster.rest;
  const accept = req.headers.accept;
  const table = wantsTable(accept);
  const now = cluster.now();
  const opts = writeOptions(req, query);
  if (def.namespaced && namespace === undefined && name !== undefined) throw errors.pathNotFound();
  if (method === "GET" && !name) {
    if (query.get("watch") === "true" || query.get("watch") === "1") {
      serveWatch(cluster, req, res, def, namespace, query, table);
      return undefined;
    }
    const list = rest.list(def, namespace, query);
    if (table)
      return json(200, toTable(def as never, list.items, list.metadata, now, query.get("includeObject")));
    return json(200, list);
  }
  if (subresource === "exec" || subresource === "attach") {
    rest.get(def, namespace, name!);
    throw errors.badRequest("Upgrade request required");
  }
  if (method === "GET" && name) {
    const obj = rest.get(def, namespace, name);
    if (subresource === "log") return podLog(cluster, req, res, obj, query);
    if (table)
      return json(
        200,
        toTable(
          def as never,
          [obj],
          { resourceVersion: obj.metadata.resourceVersion! },
          now,
          query.get("includeObject"),
        ),
      );
    return json(200, obj);
  }
  const body = await readBody(req);
  const contentType = req.headers["content-type"];
  if (method === "POST" && !name) {
    const obj = rest.decode(def, body, contentType, namespace, opts);
    return withWarnings(json(201, rest.create(def, obj, opts)), opts);
  }
  if (method === "PUT" && name) {
    if (subresource === "finalize") return json(200, rest.get(def, namespace, name));
    const obj = rest.decode(def, body, contentType, namespace, opts);
    return withWarnings(json(200, rest.update(def, obj, name, opts, subresource)), opts);
  }
  if (method === "PATCH" && name) {
    const { object, created } = rest.patch(def, namespace, name, body, contentType, opts, subresource);
    return withWarnings(json(created ? 201 : 200, object), opts);
  }
  if (method === "DELETE" && name) {
    const live = rest.get(def, namespace, name);
    const { gracePeriodSeconds } = rest.checkPreconditions(def, live, body);
    const queryGrace = query.get("gracePeriodSeconds");
    return json(
      200,
      cluster.deleteObject(def, live, queryGrace !== null ? Number(queryGrace) : gracePeriodSeconds),
    );
  }
  if (method === "DELETE" && !name && def.plural !== "namespaces") {
    const list = rest.list(def, namespace, query);
    const deleted = list.items.map((o) => cluster.deleteObject(def, o));
    return json(200, { ...list, items: deleted });
  }
  throw methodNotAllowed(def);
}

function methodNotAllowed(def: Kind): ApiError {
  return new ApiError(
    405,
    "MethodNotAllowed",
    "the server does not allow this method on the requested resource",
    {
      ...(def.group ? { group: def.group } : {}),
      kind: def.plural,
    },
  );
}

/** `GET …/pods/{name}/log`: the instance the kubelet would read, optionally followed. */
function podLog(
  cluster: Cluster,
  req: IncomingMessage,
  res: ServerResponse,
  pod: KubeObject,
  query: URLSearchParams,
): Reply | undefined {
  const flag = (name: string) => query.get(name) === "true" || query.get(name) === "1";
  const { key, running } = cluster.runtime.logInstance(pod, query.get("container"), flag("previous"));
  const number = (name: string) => (query.get(name) !== null ? Number(query.get(name)) : undefined);
  const sinceTime = query.get("sinceTime");
  const sinceSeconds = number("sinceSeconds");
  const opts = {
    sinceMs:
      sinceTime !== null
        ? Date.parse(sinceTime)
        : sinceSeconds !== undefined
          ? cluster.now() - sinceSeconds * 1000
          : undefined,
    tailLines: number("tailLines"),
    limitBytes: number("limitBytes"),
    timestamps: flag("timestamps"),
  };
  const text = cluster.runtime.readLog(key, opts);
  if (!flag("follow") || !running) return { status: 200, text, contentType: "text/plain" };
  res.writeHead(200, { "Content-Type": "text/plain", "Transfer-Encoding": "chunked" });
  res.write(text);
  const stop = cluster.runtime.followLog(
    pod,
    key,
    (chunk) =>
      res.write(opts.timestamps ? chunk.replace(/^(?=.)/gm, `${rfc3339Nano(cluster.now())} `) : chunk),
    () => res.end(),
  );
  req.on("close", stop);
  return undefined;
}

function serveWatch(
  cluster: Cluster,
  req: IncomingMessage,
  res: ServerResponse,
  def: Kind,
  namespace: string | undefined,
  query: URLSearchParams,
  table: boolean,
): void {
  const labels = parseLabelSelector(query.get("labelSelector") ?? "");
  const fields = parseFieldSelector(query.get("fieldSelector") ?? "", fieldSelectorsOf(def));
  const resource = resourceId(def);
  const visible = new Set<string>();
  const matches = (o: KubeObject) =>
    (namespace === undefined || o.metadata.namespace === namespace) &&
    matchesLabels(labels, o.metadata.labels) &&
    matchesFields(fields, o);
  // kubectl get -w asks for Tables: each event then carries a one-row Table.
  const render = (o: KubeObject) =>
    table
      ? toTable(
          def as never,
          [o],
          { resourceVersion: o.metadata.resourceVersion! },
          cluster.now(),
          query.get("includeObject"),
        )
      : o;
  const send = (type: string, object: unknown) => res.write(`${JSON.stringify({ type, object })}\n`);
  const deliver = (type: "ADDED" | "MODIFIED" | "DELETED", o: KubeObject) => {
    if (namespace !== undefined && o.metadata.namespace !== namespace) return;
    const uid = o.metadata.uid!;
    if (type !== "DELETED" && matches(o)) {
      send(visible.has(uid) ? "MODIFIED" : "ADDED", render(o));
      visible.add(uid);
    } else if (visible.has(uid)) {
      visible.delete(uid);
      send("DELETED", render(o));
    }
  };
  res.writeHead(200, {
    "Content-Type": "application/json",
    "Transfer-Encoding": "chunked",
    "Cache-Control": "no-cache, private",
  });
  res.flushHeaders();
  const rv = query.get("resourceVersion");
  if (!rv || rv === "0") for (const o of cluster.store.list(resource, namespace)) deliver("ADDED", o);
  else {
    const from = Number(rv);
    const past = Number.isFinite(from) ? cluster.store.eventsSince(resource, from) : undefined;
    if (!past) {
      send(
        "ERROR",
        new ApiError(
          410,
          "Expired",
          `too old resource version: ${rv} (${cluster.store.oldestRevision})`,
        ).toStatus(),
      );
      res.end();
      return;
    }
    // Objects that existed at `from`: unchanged since, or changed later without being added later.
    for (const o of cluster.store.list(resource, namespace))
      if (Number(o.metadata.resourceVersion) <= from && matches(o)) visible.add(o.metadata.uid!);
    const firstSeen = new Set<string>();
    for (const e of past) {
      const uid = e.object.metadata.uid!;
      if (firstSeen.has(uid)) continue;
      firstSeen.add(uid);
      if (e.type !== "ADDED" && matches(e.object)) visible.add(uid);
    }
    for (const e of past) deliver(e.type, e.object);
  }
  const unsubscribe = cluster.store.subscribe((e) => {
    if (e.resource === resource) deliver(e.type, e.object);
  });
  const timeout = Number(query.get("timeoutSeconds") ?? "1800");
  const timer = setTimeout(() => res.end(), timeout * 1000);
  timer.unref();
  const close = () => {
    unsubscribe();
    clearTimeout(timer);
  };
  res.on("close", close);
  req.on("close", close);
}
