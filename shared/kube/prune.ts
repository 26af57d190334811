// Pruning: the Kubernetes objects aks-vending seeded (they carry its managed-by annotation,
// manifests.ts) that the spec no longer has are deleted — whole namespaces, and single
// NetworkPolicies, Deployments and Services in the namespaces it keeps. An object without the mark
// is never touched, whatever its name: it is someone else's.
import { kubeStatus, type KubeClients } from "./client.js";
import { ANNOTATIONS } from "./manifests.js";

/** What the spec seeds, by namespace (shared/provision/changes.ts seededObjects). */
export interface KeptObjects {
  namespace: string;
  networkPolicies: string[];
  deployments: string[];
  services: string[];
}

interface Meta {
  metadata?: { name?: string; annotations?: Record<string, string>; deletionTimestamp?: Date };
}

const ours = (o: Meta): boolean =>
  o.metadata?.annotations?.[ANNOTATIONS.managedBy] === "aks-vending" && !o.metadata.deletionTimestamp;

/** A delete of something already gone is done. */
async function gone(del: () => Promise<unknown>): Promise<void> {
  try {
    await del();
  } catch (e) {
    if (kubeStatus(e) !== 404) throw e;
  }
}

/** Deletes what is ours and not kept; answers what it deleted ("namespace/x", "service/ns/x", …). */
export async function pruneUnkept(c: KubeClients, keep: readonly KeptObjects[]): Promise<string[]> {
  const deleted: string[] = [];
  const kept = new Map(keep.map((k) => [k.namespace, k]));
  for (const ns of (await c.core.listNamespace()).items) {
    const name = ns.metadata?.name ?? "";
    if (!ours(ns) || kept.has(name)) continue;
    await gone(() => c.core.deleteNamespace({ name }));
    deleted.push(`namespace/${name}`);
  }
  const background = { propagationPolicy: "Background" };
  for (const k of keep) {
    const namespace = k.namespace;
    const stale = <T extends Meta>(items: T[], wanted: string[]) =>
      items
        .filter((o) => ours(o) && !wanted.includes(o.metadata?.name ?? ""))
        .map((o) => o.metadata?.name ?? "");
    const exists = await c.core.readNamespace({ name: namespace }).then(
      () => true,
      (e: unknown) => {
        if (kubeStatus(e) === 404) return false;
        throw e;
      },
    );
    if (!exists) continue;
    for (const name of stale(
      (await c.networking.listNamespacedNetworkPolicy({ namespace })).items,
      k.networkPolicies,
    )) {
      await gone(() => c.networking.deleteNamespacedNetworkPolicy({ name, namespace }));
      deleted.push(`networkpolicy/${namespace}/${name}`);
    }
    for (const name of stale((await c.apps.listNamespacedDeployment({ namespace })).items, k.deployments)) {
      await gone(() => c.apps.deleteNamespacedDeployment({ name, namespace, ...background }));
      deleted.push(`deployment/${namespace}/${name}`);
    }
    for (const name of stale((await c.core.listNamespacedService({ namespace })).items, k.services)) {
      await gone(() => c.core.deleteNamespacedService({ name, namespace }));
      deleted.push(`service/${namespace}/${name}`);
    }
  }
  return deleted;
}
