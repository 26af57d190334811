// Kubernetes activities. Each fetches the cluster's admin kubeconfig from ARM itself (kept in this
// process's memory for a few minutes, for that life of the cluster only, never returned, never
// logged), then does one seeding step.
import { appConfig } from "../../shared/config/index.js";
import { appKubeToken } from "../../shared/azure/app-identity.js";
import { clusterIdentity, clusterKubeconfig, withBearerToken } from "../../shared/azure/kubeconfig.js";
import { classifyArmError, scrub, TransientError, type StepError } from "../../shared/azure/errors.js";
import { ids, type ClusterTarget } from "../../shared/azure/names.js";
import {
  isTransientKubeError,
  kubeClientsFromKubeconfig,
  kubeStatus,
  type KubeClients,
} from "../../shared/kube/client.js";
import { reviewAccess } from "../../shared/kube/access-reviews.js";
import { deleteProbes, runProbes } from "../../shared/kube/probes.js";
import { applyNamespace, applyPolicies, applyWorkloads, pendingWorkloads } from "../../shared/kube/seed.js";
import type {
  AccessChecksInput,
  KubeStepInput,
  ProbeOutcome,
  ProbesInput,
  ReadinessOutput,
} from "../../shared/provision/activity-io.js";
import type { ActivityResult } from "../../shared/provision/types.js";

export interface KubeDeps {
  /**
   * The cluster's clients; how the kubeconfig is obtained is the dependency's business. `fresh`:
   * a credential just got 401, so none that was kept may be used.
   */
  clients(target: ClusterTarget, options?: { fresh?: boolean }): Promise<KubeClients>;
}

const KUBECONFIG_TTL_MS = 5 * 60_000;
/**
 * Admin kubeconfigs by the cluster's identity: resource id AND its life (resourceUID), so a cluster
 * deleted and created again under the same name never gets the credential of the one before.
 */
const kubeconfigs = new Map<string, { yaml: string; expires: number }>();

const cacheKey = (resourceId: string, life: string): string => `${resourceId.toLowerCase()}|${life}`;

/**
 * The life last read of each cluster (by target), and when. Every Kubernetes activity needs it, and
 * a GET each made the seeding the largest share of a provisioning's ARM reads; it is read again
 * once it is older than a cluster delete takes, since no cluster can be deleted and created again
 * in less (and a delete forgets it at once: forgetClusterCredentials).
 */
type ClusterLife = Awaited<ReturnType<typeof clusterIdentity>>;
const lives = new Map<string, { identity: ClusterLife; read: number }>();

async function currentLife(target: ClusterTarget, fresh: boolean): Promise<ClusterLife> {
  const config = appConfig();
  const key = ids.cluster(target).toLowerCase();
  const kept = lives.get(key);
  const now = Date.now();
  if (!fresh && kept && now - kept.read < config.timing.clusterDeleteFirstPollSeconds * 1000)
    return kept.identity;
  const identity = await clusterIdentity(config, target);
  lives.set(key, { identity, read: now });
  return identity;
}

/** Drops every kept credential of the cluster at `target` (any life): it is being deleted. */
export function forgetClusterCredentials(target: ClusterTarget): void {
  const prefix = `${ids.cluster(target).toLowerCase()}|`;
  for (const key of [...kubeconfigs.keys()]) if (key.startsWith(prefix)) kubeconfigs.delete(key);
  lives.delete(ids.cluster(target).toLowerCase());
}

/**
 * The credential seeding uses: on an Entra ID cluster the user kubeconfig's server and CA with an
 * Entra token of the app's identity (which holds Azure Kubernetes Service RBAC Cluster Admin on the
 * cluster; its local accounts may be disabled); otherwise listClusterAdminCredential.
 */
async function adminKubeconfig(target: ClusterTarget, fresh: boolean): Promise<string> {
  const config = appConfig();
  // One GET tells which life of the cluster this is; the credential listing is what is saved.
  const identity = await currentLife(target, fresh);
  const key = identity.life ? cacheKey(identity.id || ids.cluster(target), identity.life) : undefined;
  const now = Date.now();
  for (const [k, v] of kubeconfigs) if (v.expires <= now) kubeconfigs.delete(k);
  if (key && fresh) kubeconfigs.delete(key);
  const hit = key ? kubeconfigs.get(key) : undefined;
  // The token is asked of the credential each time (it keeps and renews its own tokens): what is
  // kept here for an Entra ID cluster is its server and CA only.
  if (hit) return identity.entra ? withBearerToken(hit.yaml, await appKubeToken(config)) : hit.yaml;
  const yaml = await clusterKubeconfig(config, target, identity.entra ? "user" : "admin");
  if (!yaml)
    throw new TransientError({ code: "KubeconfigUnavailable", message: "ARM returned no kubeconfig" });
  if (key) kubeconfigs.set(key, { yaml, expires: now + KUBECONFIG_TTL_MS });
  return identity.entra ? withBearerToken(yaml, await appKubeToken(config)) : yaml;
}

export function defaultKubeDeps(): KubeDeps {
  return {
    clients: async (target, options) => {
      try {
        return kubeClientsFromKubeconfig(await adminKubeconfig(target, options?.fresh ?? false));
      } catch (e) {
        if (e instanceof TransientError) throw e;
        const c = classifyArmError(e);
        if (c.kind === "transient") throw new TransientError(c);
        throw new PermanentStepError({ code: c.code, message: scrub(c.message) });
      }
    },
  };
}

class PermanentStepError extends Error {
  constructor(readonly error: StepError) {
    super(error.message);
  }
}

function kubeError(e: unknown): StepError {
  const status = kubeStatus(e);
  let reason: string | undefined;
  let message = e instanceof Error ? e.message : String(e);
  const body = (e as { body?: unknown } | null)?.body;
  if (typeof body === "string") {
    try {
      const parsed = JSON.parse(body) as { reason?: string; message?: string };
      reason = parsed.reason;
      message = parsed.message ?? message;
    } catch {
      // not a Status body
    }
  }
  return {
    code: reason ? `Kubernetes${reason}` : status ? `KubernetesHttp${status}` : "KubernetesConnectionFailed",
    message: scrub(message),
    ...(status ? { statusCode: status } : {}),
  };
}

/**
 * Azure RBAC's refusal on an Entra ID cluster: right after the app's role assignment it may not have
 * reached the cluster yet (Azure documents minutes of propagation), so it is retried like a 409.
 */
function azureRoleNotYetEffective(e: unknown, error: StepError): boolean {
  return kubeStatus(e) === 403 && /access to the resource in Azure/.test(error.message);
}

/** One Kubernetes step against the cluster's admin clients (a 401 tries once more with a fresh credential). */
export async function kubeStep<T>(
  target: ClusterTarget,
  deps: KubeDeps,
  fn: (clients: KubeClients) => Promise<T>,
): Promise<ActivityResult<T>> {
  try {
    try {
      return { ok: true, value: await fn(await deps.clients(target)) };
    } catch (e) {
      if (kubeStatus(e) !== 401) throw e;
      // A kept credential may belong to a cluster that is gone (or was rotated): one more try
      // with a fresh one from ARM before a 401 counts as permanent. Every step is idempotent.
      return { ok: true, value: await fn(await deps.clients(target, { fresh: true })) };
    }
  } catch (e) {
    if (e instanceof TransientError) throw e;
    if (e instanceof PermanentStepError) return { ok: false, error: e.error };
    const error = kubeError(e);
    if (isTransientKubeError(e) || azureRoleNotYetEffective(e, error)) throw new TransientError(error);
    return { ok: false, error };
  }
}

export async function seedNamespaceObject(
  input: KubeStepInput,
  deps: KubeDeps = defaultKubeDeps(),
): Promise<ActivityResult<string>> {
  return kubeStep(input.target, deps, async (c) => {
    await applyNamespace(c, input.namespace);
    return input.namespace.name;
  });
}

export async function seedNetworkPolicies(
  input: KubeStepInput,
  deps: KubeDeps = defaultKubeDeps(),
): Promise<ActivityResult<string[]>> {
  return kubeStep(input.target, deps, (c) => applyPolicies(c, input.namespace));
}

export async function seedWorkloads(
  input: KubeStepInput,
  deps: KubeDeps = defaultKubeDeps(),
): Promise<ActivityResult<string[]>> {
  return kubeStep(input.target, deps, (c) => applyWorkloads(c, input.namespace));
}

export async function checkWorkloadsReady(
  input: KubeStepInput,
  deps: KubeDeps = defaultKubeDeps(),
): Promise<ActivityResult<ReadinessOutput>> {
  return kubeStep(input.target, deps, async (c) => {
    const pending = await pendingWorkloads(c, input.namespace);
    return { ready: pending.length === 0, pending };
  });
}

export async function runConnectivityProbes(
  input: ProbesInput,
  deps: KubeDeps = defaultKubeDeps(),
): Promise<ActivityResult<ProbeOutcome[]>> {
  return kubeStep(input.target, deps, (c) => runProbes(c, input.probes, input.image, input.timeoutSeconds));
}

export async function removeConnectivityProbes(
  input: ProbesInput,
  deps: KubeDeps = defaultKubeDeps(),
): Promise<ActivityResult<number>> {
  return kubeStep(input.target, deps, async (c) => {
    await deleteProbes(c, input.probes);
    return input.probes.length;
  });
}

/** The grants' SubjectAccessReviews, in the order of the checks. */
export async function checkClusterAccess(
  input: AccessChecksInput,
  deps: KubeDeps = defaultKubeDeps(),
): Promise<ActivityResult<("allowed" | "denied")[]>> {
  return kubeStep(input.target, deps, (c) => reviewAccess(c, input.checks));
}
