// The whole local stack for end-to-end tests: Kubernetes emulator, Azure emulator (registering its
// clusters with the former) and the Functions host running this very app, all on port 0 with a
// temporary state directory. The emulators are loaded by path at run time, so this file compiles
// on a branch where they have not landed yet (the tests then skip, saying why).
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The repository root (this file runs from dist/test/e2e/). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

const MODULES = {
  azure: "dist/emulators/azure/index.js",
  kube: "dist/emulators/kube/index.js",
  host: "dist/emulators/functions-host/index.js",
  tls: "dist/emulators/common/tls.js",
} as const;

/** Why the stack cannot run here (an emulator missing), or undefined when it can. */
export function missingPieces(): string | undefined {
  const missing = Object.values(MODULES).filter((m) => !existsSync(join(ROOT, m)));
  return missing.length ? `not built on this branch: ${missing.join(", ")}` : undefined;
}

export interface RecordedRequest {
  method: string;
  path: string;
  status: number;
  resourceType?: string;
}

export interface FaultRule {
  kind: "throttle" | "error" | "drop" | "provisioningFailure" | "slow";
  method?: string;
  path?: string;
  resourceType?: string;
  skip?: number;
  times?: number;
  status?: number;
  code?: string;
  message?: string;
  retryAfterSeconds?: number;
  factor?: number;
}

interface AzureEmulator {
  url: string;
  subscriptionId: string;
  identityEndpoint: string;
  identityHeader: string;
  faults: { add(rules: FaultRule[]): void; configure(config: object): void };
  recorder: { query(filter: object): RecordedRequest[] };
  stop(): Promise<void>;
}
interface KubeEmulator {
  url: string;
  stop(): Promise<void>;
}
interface FunctionsHost {
  url: string;
  stop(): Promise<void>;
}

export interface Stack {
  api: string;
  /** The app's environment (to start another host on the same stack). */
  env: Record<string, string>;
  azure: AzureEmulator;
  kube: KubeEmulator;
  host: FunctionsHost;
  stop(): Promise<void>;
}

async function load<T>(path: string): Promise<T> {
  return (await import(pathToFileURL(join(ROOT, path)).href)) as T;
}

/** Creates (or reuses) the local CA of a state directory and returns its path. */
export async function ensureCa(stateDir: string): Promise<string> {
  const tls = await load<{ ensureLocalCa(dir: string): Promise<{ certPath: string }> }>(MODULES.tls);
  return (await tls.ensureLocalCa(stateDir)).certPath;
}

/** A Functions host in its own process (crash tests kill it with SIGKILL). */
export interface HostProcess extends FunctionsHost {
  process: ChildProcess;
  kill(): Promise<void>;
}

export async function spawnHost(
  stateDir: string,
  env: Record<string, string>,
  reset: boolean,
): Promise<HostProcess> {
  const args = [join(ROOT, "dist/emulators/functions-host/main.js"), "--app-dir", ROOT, "--port", "0"];
  args.push(
    "--state-dir",
    stateDir,
    "--time-scale",
    "1",
    "--log-level",
    "warning",
    ...(reset ? ["--reset"] : []),
  );
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolveUrl, reject) => {
    child.once("exit", (code) => reject(new Error(`host exited with ${code}`)));
    lines.on("line", (line) => {
      const m = /"listening":"([^"]+)"/.exec(line);
      if (m) resolveUrl(m[1]!);
    });
  });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  return {
    url,
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
  /** Emulated seconds per wall second for the emulators and the app's own waits. */
  timeScale?: number;
  /** Keep state from a previous start (host restart tests). */
  keepState?: boolean;
  env?: Record<string, string>;
  faults?: { rules?: FaultRule[]; throttling?: object };
  /** Run the Functions host as a child process (kill -9 tests). */
  hostProcess?: boolean;
}

export async function startStack(o: StackOptions): Promise<Stack> {
  const scale = o.timeScale ?? 0.01;
  const reset = !o.keepState;
  const { startKubeEmulator } = await load<{ startKubeEmulator(x: object): Promise<KubeEmulator> }>(
    MODULES.kube,
  );
  const { startAzureEmulator } = await load<{ startAzureEmulator(x: object): Promise<AzureEmulator> }>(
    MODULES.azure,
  );
  const { startFunctionsHost } = await load<{ startFunctionsHost(x: object): Promise<FunctionsHost> }>(
    MODULES.host,
  );
  const kube = await startKubeEmulator({ port: 0, stateDir: o.stateDir, timeScale: scale, reset });
  const azure = await startAzureEmulator({
    port: 0,
    stateDir: o.stateDir,
    timeScale: scale,
    kubeUrl: kube.url,
    reset,
    ...(o.faults ? { faults: o.faults } : {}),
  });
  const env = {
    AKSV_ARM_ENDPOINT: azure.url,
    IDENTITY_ENDPOINT: azure.identityEndpoint,
    IDENTITY_HEADER: azure.identityHeader,
    AKSV_TARGET_SUBSCRIPTION_ID: azure.subscriptionId,
    AKSV_TIME_SCALE: String(scale),
    AKSV_ARM_RETRY_DELAY_MS: "20",
    AKSV_ARM_MAX_RETRY_DELAY_MS: "200",
    ...o.env,
  };
  const host = o.hostProcess
    ? await spawnHost(o.stateDir, env, reset)
    : await startFunctionsHost({
        appDir: ROOT,
        port: 0,
        stateDir: o.stateDir,
        reset,
        logLevel: process.env["AKSV_LOG_LEVEL"] ?? "warning",
        env,
      });
  return {
    env,
    api: `${host.url}/api`,
    azure,
    kube,
    host,
    stop: async () => {
      await host.stop();
      await azure.stop();
      await kube.stop();
    },
  };
}

export interface ClusterDoc {
  name: string;
  phase: string;
  steps: { name: string; status: string; attempts: number; error?: { code: string } }[];
  outputs: Record<string, string>;
  verification?: {
    passed: boolean;
    results: { from: string; to: string; expected: string; observed: string }[];
  };
  warnings: string[];
  error?: { code: string; message: string; step: string };
}

export async function json<T>(r: Response): Promise<T> {
  return (await r.json()) as T;
}

/** Polls GET /api/clusters/{name} until the phase is one of `phases` (or the deadline passes). */
export async function waitForPhase(
  api: string,
  name: string,
  phases: string[],
  timeoutMs = 60_000,
): Promise<ClusterDoc> {
  const deadline = Date.now() + timeoutMs;
  let doc: ClusterDoc | undefined;
  while (Date.now() < deadline) {
    const r = await fetch(`${api}/clusters/${encodeURIComponent(name)}`);
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
