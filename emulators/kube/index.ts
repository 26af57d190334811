// The Kubernetes emulator: one HTTPS server hosting the API server of every emulated cluster under
// /clusters/{key}, the admin API the Azure emulator registers clusters with (/_emulator/clusters),
// and persistence of every cluster under <stateDir>/kube/ (persistence.ts) so a restart keeps them.
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { z } from "zod";
import { ensureLocalCa, issueServerCertificate } from "../common/tls.js";
import { ensurePrivateDir, withStateLock, type StateLock } from "../common/state-dir.js";
import { ClusterFiles } from "./persistence.js";
import type { Duplex } from "node:stream";
import { STATUS_CODES } from "node:http";
import { WebSocketServer } from "ws";
import { handleClusterRequest, readBody, resolveStream, type Reply } from "./api-server.js";
import { authenticate } from "./auth.js";
import { pickProtocol, serveChannels } from "./runtime/streams.js";
import { Cluster, type ClusterRegistration } from "./cluster.js";
import { defaultDecider } from "./dataplane/engine.js";
import type { ReachabilityDecider } from "./dataplane/reachability.js";
import { wallClock, type Clock } from "../common/clock.js";
import { timeScaleFromEnv } from "../../shared/config/time-scale.js";
import { ApiError, errors } from "./machinery/status.js";
import { KubeFaults, type KubeFaultRule } from "./faults.js";

export interface KubeEmulatorOptions {
  /** 0 picks a free port (tests); default 7444. */
  port?: number;
  stateDir: string;
  /** Multiplies every emulated delay; default AKSV_TIME_SCALE or 1. */
  timeScale?: number;
  /** Start with no clusters (deletes <stateDir>/kube). */
  reset?: boolean;
  /** Overrides the NetworkPolicy decider of the data plane. */
  decider?: ReachabilityDecider;
}

export interface ClusterCredentials {
  server: string;
  certificateAuthorityData: string;
  adminToken: string;
}

export interface KubeEmulator {
  url: string;
  /** Path of the local CA certificate that signs the server certificate. */
  caPath: string;
  clock: Clock;
  registerCluster(key: string, registration: ClusterRegistration): ClusterCredentials;
  unregisterCluster(key: string): boolean;
  /** Request faults (`/_emulator/faults`): none unless a test configures them. */
  faults: KubeFaults;
  stop(): Promise<void>;
}

const RegistrationSchema = z.object({
  resourceId: z.string().min(1),
  name: z.string().min(1),
  kubernetesVersion: z.string().default("1.33"),
  agentPools: z
    .array(
      z.object({
        name: z.string().min(1),
        count: z.number().int().min(0),
        mode: z.enum(["System", "User"]).default("System"),
        vmSize: z.string().default("Standard_D2s_v5"),
        orchestratorVersion: z.string(),
      }),
    )
    .optional(),
  network: z.object({
    pluginMode: z.enum(["overlay", "nodeSubnet"]).default("overlay"),
    networkPolicy: z.enum(["cilium", "calico", "azure", "none"]).default("cilium"),
    podCidr: z.string().optional(),
    subnetPrefix: z.string().optional(),
    serviceCidr: z.string().default("10.0.0.0/16"),
    dnsServiceIp: z.string().default("10.0.0.10"),
  }),
  tokenValidation: z
    .object({
      issuer: z.string(),
      audience: z.string(),
      jwks: z.object({ keys: z.array(z.object({}).passthrough()) }),
    })
    .optional(),
  aad: z
    .object({
      managed: z.boolean(),
      azureRBAC: z.boolean(),
      disableLocalAccounts: z.boolean(),
      tenantId: z.string().optional(),
      access: z.object({ url: z.string().url(), ca: z.string() }).optional(),
    })
    .optional(),
});

const LOOPBACK = new Set(["127.0.0.1", "::1", "::ffff:127.0.0.1"]);

function send(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { ...reply.headers };
  if (reply.text !== undefined) {
    res.writeHead(reply.status, { "Content-Type": reply.contentType ?? "text/plain", ...headers });
    res.end(reply.text);
    return;
  }
  res.writeHead(reply.status, {
    "Content-Type": "application/json",
    "Cache-Control": "no-cache, private",
    ...headers,
  });
  res.end(JSON.stringify(reply.body));
}

export async function startKubeEmulator(options: KubeEmulatorOptions): Promise<KubeEmulator> {
  // The lock comes first: --reset must not delete the state of an emulator that is still running.
  return withStateLock(options.stateDir, "kube", "the Kubernetes emulator", (lock) => serve(options, lock));
}

async function serve(options: KubeEmulatorOptions, lock: StateLock): Promise<KubeEmulator> {
  const dir = join(options.stateDir, "kube");
  if (options.reset) rmSync(dir, { recursive: true, force: true });
  ensurePrivateDir(dir);
  const files = new ClusterFiles(join(dir, "clusters"));
  const persisted = files.load();
  const ca = await ensureLocalCa(options.stateDir);
  const cert = await issueServerCertificate(ca);
  const clock = wallClock(options.timeScale ?? timeScaleFromEnv());
  const decider = options.decider ?? defaultDecider;
  const clusters = new Map<string, Cluster>();
  // Store writes are logged as they happen (files.append); the whole cluster — with its container
  // logs and probe outcomes, which are not store writes — is snapshotted a moment after a burst.
  const dirty = new Set<string>();
  let saveTimer: NodeJS.Timeout | undefined;

  const save = (key: string) => {
    const cluster = clusters.get(key);
    if (cluster) files.snapshot(key, cluster.toState());
    else files.remove(key);
  };
  const flush = () => {
    saveTimer = undefined;
    for (const key of dirty) {
      try {
        save(key);
      } catch (err) {
        console.error(`[kube] could not persist cluster ${key}:`, err);
      }
    }
    dirty.clear();
  };
  const changed = (key: string) => {
    dirty.add(key);
    saveTimer ??= setTimeout(flush, 100);
  };
  /** Registration changes are acknowledged to the Azure emulator: saved before the answer. */
  const saveNow = (key: string) => {
    dirty.delete(key);
    save(key);
  };
  const makeCluster = (key: string, registration: ClusterRegistration, adminToken: string) =>
    new Cluster(
      key,
      registration,
      adminToken,
      clock,
      decider,
      (event) => {
        files.append(key, event);
        changed(key);
      },
      ca.certPem,
    );

  for (const { key, state } of persisted) {
    const cluster = makeCluster(key, state.registration, state.adminToken);
    cluster.restore(state);
    cluster.start();
    clusters.set(key, cluster);
  }

  let url = "";
  const credentials = (key: string, cluster: Cluster): ClusterCredentials => ({
    server: `${url}/clusters/${key}`,
    certificateAuthorityData: Buffer.from(ca.certPem).toString("base64"),
    adminToken: cluster.adminToken,
  });

  const registerCluster = (key: string, registration: ClusterRegistration): ClusterCredentials => {
    const existing = clusters.get(key);
    if (existing) {
      if (registration.tokenValidation) existing.registration.tokenValidation = registration.tokenValidation;
      // An update of the cluster's Entra ID settings (or turning them off) re-registers it.
      if (registration.aad) existing.registration.aad = registration.aad;
      else delete existing.registration.aad;
      // A scale or an upgrade completed in ARM: nodes and version follow (state kept otherwise).
      existing.reregister(registration);
      saveNow(key);
      return credentials(key, existing);
    }
    const cluster = makeCluster(key, registration, randomBytes(32).toString("hex"));
    cluster.bootstrap();
    cluster.start();
    clusters.set(key, cluster);
    saveNow(key);
    return credentials(key, cluster);
  };
  const unregisterCluster = (key: string): boolean => {
    const cluster = clusters.get(key);
    if (!cluster) return false;
    cluster.stop();
    clusters.delete(key);
    saveNow(key);
    return true;
  };

  const faults = new KubeFaults();

  /** `/_emulator/faults`: GET shows the rules and their counts, PUT replaces, POST appends, DELETE clears. */
  async function faultAdmin(req: IncomingMessage): Promise<Reply> {
    if (!LOOPBACK.has(req.socket.remoteAddress ?? ""))
      throw new ApiError(403, "Forbidden", "the admin API is loopback only");
    if (req.method === "PUT" || req.method === "POST") {
      let body: unknown;
      try {
        body = JSON.parse((await readBody(req)).toString("utf8"));
      } catch {
        throw errors.badRequest("the fault rules are not JSON");
      }
      const rules = (
        Array.isArray(body) ? body : ((body as { rules?: unknown }).rules ?? [])
      ) as KubeFaultRule[];
      if (req.method === "PUT") faults.configure(rules);
      else faults.add(rules);
    } else if (req.method === "DELETE") faults.configure([]);
    return { status: 200, body: faults.describe() };
  }

  async function admin(req: IncomingMessage, parts: string[]): Promise<Reply> {
    if (!LOOPBACK.has(req.socket.remoteAddress ?? ""))
      throw new ApiError(403, "Forbidden", "the admin API is loopback only");
    const key = parts[2];
    if (!key && req.method === "GET")
      return {
        status: 200,
        body: {
          clusters: [...clusters.entries()].map(([k, c]) => ({
            key: k,
            resourceId: c.registration.resourceId,
            name: c.registration.name,
            server: `${url}/clusters/${k}`,
          })),
        },
      };
    if (!key || !/^[a-z0-9-]{1,64}$/.test(key)) throw errors.pathNotFound();
    if (req.method === "PUT") {
      let parsed: unknown;
      try {
        parsed = JSON.parse((await readBody(req)).toString("utf8"));
      } catch {
        throw errors.badRequest("the registration body is not JSON");
      }
      const result = RegistrationSchema.safeParse(parsed);
      if (!result.success)
        throw errors.badRequest(
          `invalid cluster registration: ${result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
        );
      const isNew = !clusters.has(key);
      return { status: isNew ? 201 : 200, body: registerCluster(key, result.data as ClusterRegistration) };
    }
    if (req.method === "DELETE")
      return unregisterCluster(key)
        ? { status: 200, body: { key } }
        : { status: 404, body: errors.notFound({ group: "", resource: "clusters" }, key).toStatus() };
    if (req.method === "GET") {
      const cluster = clusters.get(key);
      if (!cluster) throw errors.notFound({ group: "", resource: "clusters" }, key);
      return {
        status: 200,
        body: {
          key,
          resourceId: cluster.registration.resourceId,
          name: cluster.registration.name,
          server: `${url}/clusters/${key}`,
        },
      };
    }
    throw new ApiError(
      405,
      "MethodNotAllowed",
      "the server does not allow this method on the requested resource",
    );
  }

  /**
   * The cluster a request is for: the one named by /clusters/{key}, or — for the absolute paths
   * `kubectl get --raw` sends without the server URL's path — the one whose credentials it carries.
   */
  const route = async (
    req: IncomingMessage,
    path: string,
  ): Promise<{ cluster: Cluster; path: string } | undefined> => {
    const parts = path.split("/");
    if (parts[1] === "clusters" && parts[2]) {
      const cluster = clusters.get(parts[2]);
      if (!cluster) throw errors.pathNotFound();
      return { cluster, path: "/" + parts.slice(3).join("/") };
    }
    const all = [...clusters.values()];
    const byToken = all.find((c) => req.headers.authorization === `Bearer ${c.adminToken}`);
    if (byToken) return { cluster: byToken, path };
    if (req.headers.authorization) {
      const accepting: Cluster[] = [];
      for (const c of all)
        if (await authenticate(req.headers.authorization, c.registration, c.adminToken)) accepting.push(c);
      if (accepting.length === 1) return { cluster: accepting[0]!, path };
    }
    return all.length === 1 && !req.headers.authorization ? { cluster: all[0]!, path } : undefined;
  };

  const server: Server = createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
    void (async () => {
      const parsed = new URL(req.url ?? "/", "https://127.0.0.1");
      const path = parsed.pathname.replace(/\/{2,}/g, "/").replace(/(.)\/$/, "$1");
      const parts = path.split("/");
      try {
        let reply: Reply | undefined;
        const routed = parts[1] === "_emulator" ? undefined : await route(req, path);
        let open = true;
        res.once("close", () => (open = false));
        if (routed)
          await faults.hold(
            req.method ?? "GET",
            routed.path,
            routed.cluster.registration.resourceId,
            () => open,
          );
        const fault = routed
          ? faults.check(req.method ?? "GET", routed.path, routed.cluster.registration.resourceId)
          : undefined;
        if (fault?.kind === "drop") return void req.socket.destroy();
        if (fault)
          throw new ApiError(fault.status, fault.reason, fault.message, undefined, {
            ...(fault.retryAfterSeconds !== undefined
              ? { "Retry-After": String(fault.retryAfterSeconds) }
              : {}),
          });
        if (parts[1] === "_emulator" && parts[2] === "clusters") reply = await admin(req, parts.slice(1));
        else if (parts[1] === "_emulator" && parts[2] === "faults") reply = await faultAdmin(req);
        else if (routed)
          reply = await handleClusterRequest(
            routed.cluster,
            req,
            res,
            routed.path,
            parsed.searchParams,
            `127.0.0.1:${(server.address() as AddressInfo).port}`,
          );
        else if (path === "/healthz") reply = { status: 200, text: "ok" };
        else if (req.headers.authorization && parts[1] !== "_emulator") throw errors.unauthorized();
        else throw errors.pathNotFound();
        if (reply) send(res, reply);
      } catch (err) {
        const apiError =
          err instanceof ApiError ? err : errors.internal(err instanceof Error ? err.message : String(err));
        if (!(err instanceof ApiError)) console.error("[kube]", err);
        if (res.headersSent) return void res.end();
        send(res, { status: apiError.code, body: apiError.toStatus(), headers: apiError.headers });
      }
    })();
  });
  // exec and attach: WebSocket (v5/v4.channel.k8s.io) upgrades of …/pods/{name}/exec|attach.
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (offered) => pickProtocol(offered) });
  const refuse = (socket: Duplex, err: unknown) => {
    const apiError =
      err instanceof ApiError ? err : errors.internal(err instanceof Error ? err.message : String(err));
    const body = JSON.stringify(apiError.toStatus());
    socket.end(
      `HTTP/1.1 ${apiError.code} ${STATUS_CODES[apiError.code] ?? ""}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  };
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    void (async () => {
      try {
        const parsed = new URL(req.url ?? "/", "https://127.0.0.1");
        const path = parsed.pathname.replace(/\/{2,}/g, "/").replace(/(.)\/$/, "$1");
        const routed = await route(req, path);
        if (!routed) throw errors.pathNotFound();
        const target = await resolveStream(routed.cluster, req, routed.path, parsed.searchParams);
        if ((req.headers.upgrade ?? "").toLowerCase() !== "websocket")
          throw errors.badRequest(
            `${req.headers.upgrade ?? "this"} upgrades are not supported by the emulator: exec and attach speak WebSocket (v5.channel.k8s.io, kubectl 1.30 and later)`,
          );
        const { cluster } = routed;
        const live = target.pod;
        wss.handleUpgrade(req, socket, head, (ws) =>
          serveChannels(ws, target.opts, (out) =>
            target.kind === "exec"
              ? cluster.runtime.exec(live, target.container, target.command, target.opts, out)
              : cluster.runtime.attach(live, target.container, target.opts, out),
          ),
        );
      } catch (err) {
        refuse(socket, err);
      }
    })();
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 7444, "127.0.0.1", () => resolve());
  });
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    caPath: ca.certPath,
    clock,
    registerCluster,
    unregisterCluster,
    faults,
    async stop() {
      for (const c of clusters.values()) c.stop();
      if (saveTimer) clearTimeout(saveTimer);
      flush();
      files.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      lock.release();
    },
  };
}

export type { ClusterRegistration } from "./cluster.js";
