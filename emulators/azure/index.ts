// startAzureEmulator: the local ARM (resources, network, managed identity, authorization, AKS) and
// token issuer over HTTPS, with its state under <stateDir>/azure and the shared local CA.
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { ensureLocalCa, issueServerCertificate } from "../common/tls.js";
import { clusterAccess } from "./authorization/model.js";
import { withStateLock, type StateLock } from "../common/state-dir.js";
import { authorizationRoutes } from "./authorization/routes.js";
import { wallClock } from "../common/clock.js";
import { timeScaleFromEnv } from "../../shared/config/time-scale.js";
import { DEFAULT_LATENCY, type LatencyProfile } from "./core/latency.js";
import type { ProviderContext, SubscriptionInfo } from "./core/context.js";
import { ArmError } from "./core/errors.js";
import { FaultInjector, throttlingFromEnv, type FaultConfig, type FaultRule } from "./core/faults.js";
import { LroEngine } from "./core/lro.js";
import { RequestRecorder } from "./core/recorder.js";
import { Router, type ArmRequest, type ArmResponse } from "./core/router.js";
import { createArmServer } from "./core/server.js";
import { Store } from "./core/store.js";
import { KubeRegistrar } from "./containerservice/kube.js";
import { containerServiceRoutes } from "./containerservice/routes.js";
import { DEFAULT_TENANT_ID, TokenIssuer, type TokenOptions } from "./identity/issuer.js";
import { devToken, identityRoutes } from "./identity/routes.js";
import { managedIdentityRoutes } from "./managedidentity/routes.js";
import { networkRoutes } from "./network/routes.js";
import { policyRoutes } from "./policy/routes.js";
import { resourceGroupRoutes } from "./resources/routes.js";
import { startTableService } from "./storage/table-service.js";

export { AKS_AAD_SERVER_APP_ID, DEFAULT_TENANT_ID } from "./identity/issuer.js";
export type { FaultConfig, FaultRule } from "./core/faults.js";
export type { LatencyProfile } from "./core/latency.js";

export const DEFAULT_SUBSCRIPTION_ID = "00000000-0000-4000-8000-000000000001";
export const DEFAULT_PORT = 7443;

export interface AzureEmulatorOptions {
  /** 0 picks a free port. */
  port?: number;
  /** Root state directory (.local); the emulator keeps its files in <stateDir>/azure. */
  stateDir: string;
  /** Wall seconds per emulated second (default AKSV_TIME_SCALE, else 1 = real ARM timings). */
  timeScale?: number;
  /** Seed for probabilistic faults. */
  seed?: number;
  /** Kubernetes emulator URL; registration is skipped when absent. */
  kubeUrl?: string;
  /** Start with empty state. */
  reset?: boolean;
  /** Fault rules and throttling; without `throttling`, AKSV_ARM_THROTTLING (on | aks | off, the default) decides. */
  faults?: FaultConfig;
  /** Override some emulated latencies (seconds). */
  latency?: Partial<LatencyProfile>;
  subscriptions?: SubscriptionInfo[];
  tenantId?: string;
  /** Listen address (127.0.0.1). */
  host?: string;
  /** Port of the Table service (0 picks a free one, the default). */
  tablePort?: number;
}

export interface AzureEmulator {
  url: string;
  port: number;
  /** The local CA certificate to trust (NODE_EXTRA_CA_CERTS, curl --cacert). */
  caPath: string;
  caPem: string;
  /** OpenID issuer URL (iss of every token); metadata at <issuer>/.well-known/openid-configuration. */
  issuer: string;
  tenantId: string;
  subscriptionId: string;
  /** IDENTITY_ENDPOINT / IDENTITY_HEADER for ManagedIdentityCredential (App Service style). */
  identityEndpoint: string;
  identityHeader: string;
  /** Azurite's Table endpoint of the local storage account: https://127.0.0.1:<port>/devstoreaccount1. */
  tableUrl: string;
  faults: FaultInjector;
  recorder: RequestRecorder;
  /** Signs a token with the emulator's key (tests: expired or wrong-audience tokens). */
  issueToken(options: TokenOptions): Promise<string>;
  /** Waits for running long-running operations to finish their current step. */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

function adminHandler(
  faults: FaultInjector,
  recorder: RequestRecorder,
  issuer: TokenIssuer,
  ctx: ProviderContext,
) {
  return async (req: ArmRequest): Promise<ArmResponse | undefined> => {
    const path = req.path.toLowerCase();
    // What the Kubernetes emulator's Azure RBAC authorizer reads for a cluster (as AKS asks Azure).
    if (path === "/_emulator/access" && req.method === "GET") {
      const scope = req.query.get("scope");
      if (!scope)
        return { status: 400, body: { error: { code: "BadRequest", message: "scope is required" } } };
      return { status: 200, body: clusterAccess(ctx.store, scope, ctx.clock.now()) };
    }
    if (path === "/_emulator/tokens" && req.method === "POST") return devToken(issuer, req.body);
    if (path === "/_emulator/faults") {
      if (req.method === "GET") return { status: 200, body: faults.describe() };
      if (req.method === "PUT") {
        faults.configure((req.body ?? {}) as FaultConfig);
        return { status: 200, body: faults.describe() };
      }
      if (req.method === "POST") {
        const b = req.body as { rules?: FaultRule[] } | FaultRule[] | undefined;
        faults.add(Array.isArray(b) ? b : (b?.rules ?? []));
        return { status: 200, body: faults.describe() };
      }
      if (req.method === "DELETE") {
        faults.configure({});
        return { status: 204 };
      }
    }
    if (path === "/_emulator/requests") {
      if (req.method === "DELETE") {
        recorder.clear();
        return { status: 204 };
      }
      if (req.method === "GET") {
        const q = req.query;
        const num = (k: string) => (q.get(k) !== null ? Number(q.get(k)) : undefined);
        const requests = recorder.query({
          ...(q.get("method") ? { method: q.get("method")! } : {}),
          ...(q.get("path") ? { path: q.get("path")! } : {}),
          ...(q.get("resourceType") ? { resourceType: q.get("resourceType")! } : {}),
          ...(num("status") !== undefined ? { status: num("status")! } : {}),
          ...(num("sinceSeq") !== undefined ? { sinceSeq: num("sinceSeq")! } : {}),
        });
        return { status: 200, body: { count: requests.length, requests } };
      }
    }
    if (path === "/_emulator/health") return { status: 200, body: { status: "ok" } };
    return undefined;
  };
}

export async function startAzureEmulator(options: AzureEmulatorOptions): Promise<AzureEmulator> {
  // The lock comes first: --reset must not delete the state of an emulator that is still running.
  return withStateLock(options.stateDir, "azure", "the Azure emulator", (lock) => serve(options, lock));
}

async function serve(options: AzureEmulatorOptions, lock: StateLock): Promise<AzureEmulator> {
  const host = options.host ?? "127.0.0.1";
  const ca = await ensureLocalCa(options.stateDir);
  const cert = await issueServerCertificate(ca);
  const store = new Store(join(options.stateDir, "azure"), options.reset ?? false);
  const clock = wallClock(options.timeScale ?? timeScaleFromEnv());
  const throttling = options.faults?.throttling ?? throttlingFromEnv();
  const tenantId = options.tenantId ?? DEFAULT_TENANT_ID;
  const subscriptions = options.subscriptions ?? [
    { subscriptionId: DEFAULT_SUBSCRIPTION_ID, displayName: "aks-vending local" },
  ];
  let baseUrl = "";
  const issuer = new TokenIssuer(store, tenantId, () => baseUrl);
  await issuer.init();
  const faults = new FaultInjector(
    { seed: options.seed ?? 1, ...(options.faults ?? {}), ...(throttling ? { throttling } : {}) },
    Date.now,
    clock.scale,
  );
  const recorder = new RequestRecorder();
  const lro = new LroEngine(store, clock, (op) => store.get(op.resourceId)?.body ?? null);
  const ctx: ProviderContext = {
    store,
    clock,
    lro,
    faults,
    latency: { ...DEFAULT_LATENCY, ...(options.latency ?? {}) },
    tenantId,
    subscriptions,
    onDelete: [],
  };
  const router = new Router();
  router.add(
    ...identityRoutes(issuer),
    ...lro.routes(),
    ...resourceGroupRoutes(ctx),
    ...networkRoutes(ctx),
    ...managedIdentityRoutes(ctx),
    ...authorizationRoutes(ctx),
    ...policyRoutes(ctx),
    ...containerServiceRoutes(ctx, {
      issuer,
      kube: new KubeRegistrar(options.kubeUrl, ca.certPem),
      caPem: ca.certPem,
      accessUrl: (clusterId) => `${baseUrl}/_emulator/access?scope=${encodeURIComponent(clusterId)}`,
    }),
  );
  const server = createArmServer(
    {
      router,
      faults,
      recorder,
      authenticate: (h) => issuer.authenticate(h),
      operationOf: (path) => lro.operationOf(path),
      admin: adminHandler(faults, recorder, issuer, ctx),
      baseUrl: () => baseUrl,
    },
    { cert: cert.certPem, key: cert.keyPem },
  );
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? DEFAULT_PORT, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `https://${host}:${port}`;
  const tables = await startTableService({
    dir: join(options.stateDir, "azure", "tables"),
    host,
    port: options.tablePort ?? 0,
    reset: options.reset ?? false,
    tls: { cert: cert.certPem, key: cert.keyPem },
  });
  lro.resume();
  store.save();

  let stopped = false;
  return {
    url: baseUrl,
    port,
    caPath: ca.certPath,
    caPem: ca.certPem,
    issuer: issuer.issuer,
    tenantId,
    subscriptionId: subscriptions[0]!.subscriptionId,
    identityEndpoint: `${baseUrl}/msi/token`,
    identityHeader: issuer.identityHeader,
    tableUrl: tables.url,
    faults,
    recorder,
    issueToken: async (o) => (await issuer.issue(o)).token,
    settled: () => lro.settled(),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await lro.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await tables.stop();
      await store.close();
      lock.release();
    },
  };
}

export { ArmError };
