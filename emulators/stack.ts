// The whole local stack: the Kubernetes emulator, the Azure emulator (which registers its clusters
// with the former) and the Functions host running this app, wired together exactly as production is
// configured, only with local endpoints. Used by `npm start` (emulators/start.ts) and the e2e tests.
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startAzureEmulator, type AzureEmulator, type AzureEmulatorOptions } from "./azure/index.js";
import { withStateLock } from "./common/state-dir.js";
import { ensureLocalCa } from "./common/tls.js";
import { BODY_LIMIT_SETTING, startFunctionsHost, type FunctionsHost } from "./functions-host/index.js";
import { startKubeEmulator, type KubeEmulator } from "./kube/index.js";

/** The repository root (this file runs from dist/emulators/). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

export interface LocalStackOptions {
  /** State directory shared by all three (default .local). */
  stateDir: string;
  /** Wall seconds per emulated second, for the emulators and the app's own waits. */
  timeScale: number;
  /** Ports; 0 picks free ones (tests). Defaults 7071, 7443, 7444; the Table service 7445 (0 when azure is 0). */
  ports?: { host?: number; azure?: number; kube?: number; table?: number };
  /** Start every piece with empty state. */
  reset?: boolean;
  /** Directory of the app the host loads (default: this repository). */
  appDir?: string;
  /** Extra app settings (over the ones derived from the emulators). */
  env?: Record<string, string>;
  faults?: AzureEmulatorOptions["faults"];
  logLevel?: string;
  /** CORS origins the API allows (a portal under development); default local.settings.json Host.CORS. */
  corsOrigins?: string[];
}

export interface LocalStack {
  /** Base URL of the HTTP API, e.g. http://127.0.0.1:7071/api */
  api: string;
  /** The self-service portal (signs in with the Azure emulator's issuer). */
  portal: string;
  caPath: string;
  /** The app settings the host was started with (to start another host on the same stack). */
  appEnv: Record<string, string>;
  azure: AzureEmulator;
  kube: KubeEmulator;
  host: FunctionsHost;
  stop(): Promise<void>;
}

/** The audience the local stack's API accepts tokens for (AKSV_AUTH_AUDIENCE). */
export const LOCAL_API_AUDIENCE = "api://aks-vending-local";
/** The local host's request body limit: 1 MiB, four times the largest cluster request. */
export const LOCAL_BODY_LIMIT_BYTES = 1024 * 1024;

/** The portal's client id on the local issuer (in Azure: its own Entra app registration). */
export const LOCAL_PORTAL_CLIENT_ID = "aks-vending-portal-local";

/** The app settings that point the unmodified app at the emulators. */
/** The app worker's V8 flags (also infra/main.bicep's NODE_OPTIONS). */
export const WORKER_NODE_OPTIONS = "--max-old-space-size=384";

export function appSettingsFor(
  azure: AzureEmulator,
  caPath: string,
  timeScale: number,
): Record<string, string> {
  return {
    // Read by Node at process start: the host gives the app its own process, so this reaches it.
    NODE_EXTRA_CA_CERTS: caPath,
    IDENTITY_ENDPOINT: azure.identityEndpoint,
    IDENTITY_HEADER: azure.identityHeader,
    AKSV_ARM_ENDPOINT: azure.url,
    AKSV_TARGET_SUBSCRIPTION_ID: azure.subscriptionId,
    AKSV_TIME_SCALE: String(timeScale),
    // Callers sign in with the Azure emulator's issuer (dev tokens), as with Entra ID in Azure.
    AKSV_AUTH_ISSUER: azure.issuer,
    AKSV_AUTH_AUDIENCE: LOCAL_API_AUDIENCE,
    AKSV_PORTAL_CLIENT_ID: LOCAL_PORTAL_CLIENT_ID,
    // Azure DevOps server-job callbacks wait in the Table service (Azurite); a local stand-in for
    // Azure DevOps (tests) listens on the loopback address.
    AKSV_CALLBACK_TABLE_URL: azure.tableUrl,
    AKSV_CALLBACK_ALLOWED_HOSTS: "dev.azure.com,*.visualstudio.com,127.0.0.1,localhost",
    // The host refuses larger bodies while they stream in, before the app sees them (Azure's
    // default is 100 MB); the app's own limit for a cluster request is smaller still.
    [BODY_LIMIT_SETTING]: String(LOCAL_BODY_LIMIT_BYTES),
    // As infra/main.bicep sets it in Azure: the worker's old generation capped, so garbage from
    // bursts of provisions is collected rather than grown into (bench/README.md, "Memory").
    NODE_OPTIONS: WORKER_NODE_OPTIONS,
  };
}

export interface LocalEmulators {
  caPath: string;
  azure: AzureEmulator;
  kube: KubeEmulator;
}

/** The two cloud emulators, wired together (ARM registers its clusters with Kubernetes). */
export async function startEmulators(
  options: Pick<LocalStackOptions, "stateDir" | "timeScale" | "ports" | "reset" | "faults">,
): Promise<LocalEmulators> {
  const stateDir = resolve(options.stateDir);
  const { timeScale } = options;
  const ports = { azure: 7443, kube: 7444, ...options.ports };
  const reset = options.reset ?? false;
  const ca = await ensureLocalCa(stateDir);
  const kube = await startKubeEmulator({ port: ports.kube, stateDir, timeScale, reset });
  try {
    const azure = await startAzureEmulator({
      port: ports.azure,
      stateDir,
      timeScale,
      kubeUrl: kube.url,
      reset,
      tablePort: ports.table ?? (ports.azure === 0 ? 0 : 7445),
      ...(options.faults ? { faults: options.faults } : {}),
    });
    return { caPath: ca.certPath, azure, kube };
  } catch (err) {
    await kube.stop();
    throw err;
  }
}

/** Stops a stack: the host first (its app calls the emulators), then the emulators. */
export async function stopStack(
  host: Pick<FunctionsHost, "stop">,
  azure: AzureEmulator,
  kube: KubeEmulator,
): Promise<void> {
  await host.stop();
  await azure.stop();
  await kube.stop();
}

/**
 * Starts the three on one state directory, holding its lock (`<stateDir>/state.lock`) until stop: a
 * second stack on the same directory refuses with the first one's pid before it touches anything.
 */
export function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  return withStateLock(options.stateDir, undefined, "npm start (the local stack)", async (lock) => {
    const stack = await startStackPieces(options);
    return { ...stack, stop: () => stack.stop().finally(() => lock.release()) };
  });
}

async function startStackPieces(options: LocalStackOptions): Promise<LocalStack> {
  const { azure, kube, caPath } = await startEmulators(options);
  try {
    const appEnv = { ...appSettingsFor(azure, caPath, options.timeScale), ...options.env };
    const host = await startFunctionsHost({
      appDir: options.appDir ?? REPO_ROOT,
      port: options.ports?.host ?? 7071,
      stateDir: resolve(options.stateDir),
      // The app scales its own waits by AKSV_TIME_SCALE (see shared/config): the host's clock runs
      // at real speed, or every timer would be scaled twice.
      timeScale: 1,
      reset: options.reset ?? false,
      env: appEnv,
      ...(options.logLevel ? { logLevel: options.logLevel } : {}),
      ...(options.corsOrigins
        ? { cors: { allowedOrigins: options.corsOrigins, supportCredentials: false } }
        : {}),
    });
    return {
      api: `${host.url}/api`,
      portal: `${host.url}/api/portal/`,
      caPath,
      appEnv,
      azure,
      kube,
      host,
      stop: () => stopStack(host, azure, kube),
    };
  } catch (err) {
    await azure.stop();
    await kube.stop();
    throw err;
  }
}
