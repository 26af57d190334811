// The whole local stack for end-to-end tests and the provisioning benchmark: emulators/stack.ts on
// port 0 with a temporary state directory, test-sized SDK retry delays, and optionally the Functions
// host in its own process (crash tests kill it with SIGKILL).
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { createInterface } from "node:readline";
import type { InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { KubeConfig } from "@kubernetes/client-node";
import { decodeJwt } from "jose";
import { join } from "node:path";
import type { AzureEmulator, AzureEmulatorOptions } from "../emulators/azure/index.js";
export type { FaultRule } from "../emulators/azure/index.js";
import type { FunctionsHost } from "../emulators/functions-host/index.js";
import {
  appSettingsFor,
  LOCAL_API_AUDIENCE,
  REPO_ROOT,
  startEmulators,
  startLocalStack,
  stopStack,
  type LocalStack,
} from "../emulators/stack.js";
import { ensureLocalCa } from "../emulators/common/tls.js";
import { readHostJson } from "../emulators/functions-host/config.js";
import { durableClientBindingData } from "../emulators/functions-host/durable/client-binding.js";
import { DURABLE_SYSTEM_KEY, loadOrCreateKeys } from "../emulators/functions-host/keys.js";
import { devTokenBody, type DevTokenRequest } from "../shared/auth/dev-token.js";
import { guidFrom } from "../emulators/azure/identity/issuer.js";
import { AKS_SERVER_APP_ID } from "../shared/azure/names.js";

export const ROOT = REPO_ROOT;

type StoppableHost = Pick<FunctionsHost, "url" | "stop" | "durableClientData">;

/** The local stack as tests use it: the host may run in its own process (see spawnHost). */
export type Stack = Pick<LocalStack, "api" | "azure" | "kube" | "stop"> & {
  /** The app's environment (to start another host on the same stack). */
  env: Record<string, string>;
  host: StoppableHost;
};

/** Creates (or reuses) the local CA of a state directory and returns its path. */
export async function ensureCa(stateDir: string): Promise<string> {
  return (await ensureLocalCa(stateDir)).certPath;
}

/** A Functions host in its own process (crash tests kill it with SIGKILL). */
export interface HostProcess extends StoppableHost {
  process: ChildProcess;
  kill(): Promise<void>;
}

/** Where a spawned host's output (the host's and its worker's log lines) is kept, in its state directory. */
export const HOST_LOG = "host-output.log";

export async function spawnHost(
  stateDir: string,
  env: Record<string, string>,
  reset: boolean,
  logLevel = "warning",
): Promise<HostProcess> {
  const args = [join(ROOT, "dist/emulators/functions-host/main.js"), "--app-dir", ROOT, "--port", "0"];
  args.push(
    "--state-dir",
    stateDir,
    "--time-scale",
    "1",
    "--log-level",
    logLevel,
    // Its standard input is a pipe from this process: when this process ends, however it ends, the
    // host stops too instead of running on unowned.
    "--exit-with-stdin",
    ...(reset ? ["--reset"] : []),
  );
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  // The pipe alone must not keep this process running.
  (child.stdin as unknown as { unref(): void }).unref();
  // Every line is also kept in a file, as an operator's log would be (tests scan it for secrets).
  const log = createWriteStream(join(stateDir, HOST_LOG), { flags: "a", mode: 0o600 });
  child.stdout!.on("data", (d: Buffer) => log.write(d));
  child.stderr!.on("data", (d: Buffer) => {
    log.write(d);
    process.stderr.write(d);
  });
  child.once("exit", () => log.end());
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolveUrl, reject) => {
    child.once("exit", (code) => reject(new Error(`host exited with ${code}`)));
    lines.on("line", (line) => {
      const m = /"listening":"([^"]+)"/.exec(line);
      if (m) resolveUrl(m[1]!);
    });
  });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  // The durable client binding's data, as the host hands it to its worker: its URLs, task hub and
  // system key (the host wrote its keys file before it listened).
  const keys = await loadOrCreateKeys(join(stateDir, "functions-host", "host.keys.json"));
  const { hubName } = await readHostJson(ROOT);
  const clientData = durableClientBindingData(url, hubName, keys.systemKeys[DURABLE_SYSTEM_KEY]!);
  return {
    url,
    durableClientData: () => clientData,
    process: child,
    kill: async () => {
      child.kill("SIGKILL");
      await exited;
    },
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

export interface StackOptions {
  stateDir: string;
  /** Wall seconds per emulated second for the emulators and the app's own waits. */
  timeScale?: number;
  /** Keep state from a previous start (host restart tests). */
  keepState?: boolean;
  env?: Record<string, string>;
  faults?: AzureEmulatorOptions["faults"];
  /** Run the Functions host as a child process (kill -9 tests); its output goes to HOST_LOG too. */
  hostProcess?: boolean;
  /** The spawned host's log level (default warning). */
  hostLogLevel?: string;
}

/** SDK retry delays sized for tests: fault scenarios stay fast. */
const TEST_APP_SETTINGS = { AKSV_ARM_RETRY_DELAY_MS: "20", AKSV_ARM_MAX_RETRY_DELAY_MS: "200" };

export async function startStack(o: StackOptions): Promise<Stack> {
  const timeScale = o.timeScale ?? 0.01;
  const reset = !o.keepState;
  const common = {
    stateDir: o.stateDir,
    timeScale,
    reset,
    ports: { host: 0, azure: 0, kube: 0 },
    ...(o.faults ? { faults: o.faults } : {}),
  };
  if (!o.hostProcess) {
    const s = await startLocalStack({
      ...common,
      env: { ...TEST_APP_SETTINGS, ...o.env },
      logLevel: process.env["AKSV_LOG_LEVEL"] ?? "warning",
    });
    return { api: s.api, env: s.appEnv, azure: s.azure, kube: s.kube, host: s.host, stop: s.stop };
  }
  const { azure, kube, caPath } = await startEmulators(common);
  const env = { ...appSettingsFor(azure, caPath, timeScale), ...TEST_APP_SETTINGS, ...o.env };
  const host = await spawnHost(o.stateDir, env, reset, o.hostLogLevel);
  return {
    env,
    api: `${host.url}/api`,
    azure,
    kube,
    host,
    stop: () => stopStack(host, azure, kube),
  };
}

/**
 * A caller's token from the stack's issuer (the Azure emulator), for the local API's audience.
 * Default: an admin (Clusters.Admin), who sees every team's clusters.
 */
export async function devToken(
  stack: Pick<Stack, "azure">,
  r: Omit<DevTokenRequest, "audience"> = { roles: ["Clusters.Admin"] },
): Promise<string> {
  const body = devTokenBody({ audience: LOCAL_API_AUDIENCE, ...r });
  // As the issuer's POST /_emulator/tokens signs it: an Entra object id (a GUID) derived from the
  // user, so that the team's default access grant (the caller) is a principal Azure RBAC can hold.
  const user = String(body["subject"]);
  const objectId = guidFrom(`user:${user}`);
  return stack.azure.issueToken({
    audience: LOCAL_API_AUDIENCE,
    subject: objectId,
    objectId,
    ...(r.expiresInSeconds !== undefined ? { expiresInSeconds: r.expiresInSeconds } : {}),
    claims: {
      name: user,
      preferred_username: `${user}@aks-vending.local`,
      roles: body["roles"],
      ...(body["groups"] ? { groups: body["groups"] } : {}),
    },
  });
}

/**
 * The cluster's kubeconfig as the API hands it out to the caller of `apiToken` (no secret: its user
 * is an exec credential plugin), with that user replaced by the Entra token the plugin would get
 * for the caller from the local issuer: what kubectl needs where kubelogin is not installed. YAML,
 * to be written with mode 0600.
 */
export async function kubeconfigFor(
  stack: Pick<Stack, "azure" | "api">,
  apiToken: string,
  name: string,
  /** Whose Entra token the kubeconfig holds: the caller's by default. */
  objectId?: string,
): Promise<string> {
  const r = await callApi(stack.api, apiToken, `/clusters/${encodeURIComponent(name)}/kubeconfig`);
  if (r.status !== 200) throw new Error(`kubeconfig of ${name}: ${r.status} ${await r.text()}`);
  const kc = new KubeConfig();
  kc.loadFromString(await r.text());
  const oid = objectId ?? String(decodeJwt(apiToken)["oid"]);
  const entra = await stack.azure.issueToken({ audience: AKS_SERVER_APP_ID, subject: oid, objectId: oid });
  kc.users = kc.users.map((u) => ({ name: u.name, token: entra }));
  return kc.exportConfig();
}

export interface ClusterDoc {
  name: string;
  subscriptionId: string;
  phase: string;
  /** When the latest operation last changed (the task hub's lastUpdatedTime). */
  lastUpdatedAt?: string;
  generation: number;
  observedGeneration: number;
  operation: "create" | "update" | "delete";
  steps: {
    name: string;
    status: string;
    attempts: number;
    polls?: number;
    error?: { code: string };
    waitingFor?: { code: string; message: string; since: string };
  }[];
  outputs: Record<string, string>;
  verification?: {
    passed: boolean;
    results: { from: string; to: string; expected: string; observed: string }[];
    access?: { subject: string; action: string; namespace: string; expected: string; observed: string }[];
  };
  warnings: string[];
  error?: { code: string; message: string; step: string };
  provisioning?: { phase: string; error?: { code: string; step: string }; warnings: string[] };
}

export async function json<T>(r: Response): Promise<T> {
  return (await r.json()) as T;
}

/** A request to the API with the caller's bearer token (`path` follows /api, e.g. "/clusters"). */
export function callApi(api: string, token: string, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${token}`);
  if (init.body !== undefined && !headers.has("content-type"))
    headers.set("content-type", "application/json");
  return fetch(`${api}${path}`, { ...init, headers });
}

/** Polls GET /api/clusters/{name} (as `token`'s caller) until the phase is one of `phases`. */
export async function waitForPhase(
  api: string,
  token: string,
  name: string,
  phases: string[],
  timeoutMs = 60_000,
): Promise<ClusterDoc> {
  const deadline = Date.now() + timeoutMs;
  let doc: ClusterDoc | undefined;
  while (Date.now() < deadline) {
    const r = await callApi(api, token, `/clusters/${encodeURIComponent(name)}`);
    if (r.status === 200 || r.status === 202) {
      doc = await json<ClusterDoc>(r);
      if (phases.includes(doc.phase)) return doc;
    }
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(
    `cluster ${name} did not reach ${phases.join("|")} in time (last: ${JSON.stringify(doc?.phase)})`,
  );
}

/** ARM writes by resource type that ARM accepted (2xx; dropped connections are recorded with status 0). */
export function armWrites(azure: AzureEmulator, method: "PUT" | "DELETE"): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of azure.recorder.query({ method }))
    if (r.status >= 200 && r.status < 300 && r.resourceType)
      out[r.resourceType] = (out[r.resourceType] ?? 0) + 1;
  return out;
}

/**
 * The resources ARM accepted a PUT of, by resource type: each counted once however often it was
 * written (an idempotent PUT sent again, by an activity that ran again after a crash, is no new
 * resource; one under another name is).
 */
export function armResources(azure: AzureEmulator): Record<string, number> {
  const ids = new Map<string, Set<string>>();
  for (const r of azure.recorder.query({ method: "PUT" }))
    if (r.status >= 200 && r.status < 300 && r.resourceType) {
      const seen = ids.get(r.resourceType) ?? new Set<string>();
      ids.set(r.resourceType, seen.add(r.path.toLowerCase()));
    }
  return Object.fromEntries([...ids].map(([type, seen]) => [type, seen.size]));
}

/**
 * A durable client of the local host's task hub, as an invocation's binding would give it (tests
 * and benchmarks fill the hub with it). `via`: an origin standing in front of the host (a counting
 * proxy), to which the binding's URLs are rewritten.
 */
export function durableClientOf(
  host: Pick<FunctionsHost, "url" | "durableClientData">,
  via?: string,
): df.DurableClient {
  const raw = JSON.stringify(host.durableClientData());
  const data = JSON.parse(via ? raw.replaceAll(host.url, via) : raw) as object;
  // df.getClient reads the binding from an invocation's extra inputs, and points its URLs at
  // localhost:7071 unless WEBSITE_HOSTNAME says where the host is (as the local host tells its worker).
  process.env["WEBSITE_HOSTNAME"] = new URL(via ?? host.url).host;
  const binding = df.input.durableClient();
  const invocation = { options: { extraInputs: [binding] }, extraInputs: { get: () => data } };
  return df.getClient(invocation as unknown as InvocationContext);
}
