// Kubernetes clients (client-node) for one cluster, built from a kubeconfig that the calling
// activity fetched itself from ARM. The kubeconfig lives in memory only: never in orchestration
// state, never in a log.
import {
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  NetworkingV1Api,
  PatchStrategy,
  type KubernetesObject,
} from "@kubernetes/client-node";
import { FIELD_MANAGER } from "./manifests.js";

export interface KubeClients {
  core: CoreV1Api;
  apps: AppsV1Api;
  networking: NetworkingV1Api;
  objects: KubernetesObjectApi;
}

export function kubeClientsFromKubeconfig(kubeconfigYaml: string): KubeClients {
  const kc = new KubeConfig();
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
