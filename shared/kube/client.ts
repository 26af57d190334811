// Kubernetes clients (client-node) for one cluster, built from a kubeconfig that the calling
// activity fetched itself from ARM. The kubeconfig lives in memory only: never in orchestration
// state, never in a log.
import { createHash } from "node:crypto";
import {
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  NetworkingV1Api,
  PatchStrategy,
  type KubernetesObject,
  type RequestContext,
} from "@kubernetes/client-node";
import { FIELD_MANAGER } from "./manifests.js";

export interface KubeClients {
  core: CoreV1Api;
  apps: AppsV1Api;
  networking: NetworkingV1Api;
  objects: KubernetesObjectApi;
}

type Dispatcher = NonNullable<ReturnType<RequestContext["getDispatcher"]>>;

/** Connection pools by API server and client credential (see ReusingKubeConfig). */
const pools = new Map<string, Dispatcher>();
/** Clusters whose pools are kept at once; the oldest is closed (after its requests) beyond that. */
const MAX_POOLS = 256;

/**
 * client-node (2.0) builds a new connection pool (an undici Agent) for every request, so every
 * request to a cluster's API server opened a connection and did a TLS handshake, on the API
 * server's side too: 2,014 handshakes for 2,505 requests in a 500-cluster scale run. This
 * KubeConfig hands every request for one API server and client credential the same pool, kept for
 * the process (activities of one cluster reuse its connections), as kubectl does. The bearer token
 * is a header of each request, not part of the pool.
 */
class ReusingKubeConfig extends KubeConfig {
  /** The pool's key: this kubeconfig's API server and client credential (loaded once, never changed). */
  #poolKey: string | undefined;

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const fresh = context.getDispatcher();
    if (!fresh) return;
    const key = (this.#poolKey ??= this.#credentialKey());
    const kept = pools.get(key);
    if (kept) {
      context.setDispatcher(kept);
      void fresh.close();
      return;
    }
    if (pools.size >= MAX_POOLS) {
      const [oldest, pool] = pools.entries().next().value!;
      pools.delete(oldest);
      void pool.close();
    }
    pools.set(key, fresh);
  }

  #credentialKey(): string {
    const cluster = this.getCurrentCluster();
    const user = this.getCurrentUser();
    return createHash("sha256")
      .update(
        JSON.stringify([
          cluster?.server,
          cluster?.caData,
          cluster?.caFile,
          cluster?.skipTLSVerify,
          cluster?.tlsServerName,
          cluster?.proxyUrl,
          user?.certData,
          user?.certFile,
          user?.keyData,
          user?.keyFile,
        ]),
      )
      .digest("hex");
  }
}

export function kubeClientsFromKubeconfig(kubeconfigYaml: string): KubeClients {
  const kc = new ReusingKubeConfig();
  kc.loadFromString(kubeconfigYaml);
  return {
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    networking: kc.makeApiClient(NetworkingV1Api),
    objects: KubernetesObjectApi.makeApiClient(kc),
  };
}

/** HTTP status of a client-node ApiException (undefined for other errors). */
export function kubeStatus(e: unknown): number | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "number" ? code : undefined;
}

/** Server-side apply with our field manager: create or converge, idempotent. */
export async function apply<T extends KubernetesObject>(clients: KubeClients, obj: T): Promise<T> {
  return clients.objects.patch(obj, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
}

/** Kubernetes failures worth another attempt: throttling, server errors, conflicts, connections. */
export function isTransientKubeError(e: unknown): boolean {
  const s = kubeStatus(e);
  if (s === undefined) return true;
  return s === 409 || s === 429 || s >= 500;
}
