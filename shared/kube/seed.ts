// Seeding one namespace through client-node, in the order that never exposes a workload before
// its policy: namespace + labels → NetworkPolicies (default-deny first) → workloads + services.
// Readiness is a check, not a wait: the orchestrator polls it with durable timers.
import type { V1Pod } from "@kubernetes/client-node";
import { apply, type KubeClients } from "./client.js";
import {
  deploymentManifest,
  namespaceManifest,
  policyManifests,
  serviceManifest,
  type NamespacePlan,
} from "./manifests.js";

export async function applyNamespace(clients: KubeClients, ns: NamespacePlan): Promise<void> {
  await apply(clients, namespaceManifest(ns));
}

/** Applies the policies one after another, in order (the default-deny policy first). */
export async function applyPolicies(clients: KubeClients, ns: NamespacePlan): Promise<string[]> {
  const names: string[] = [];
  for (const policy of policyManifests(ns)) {
    await apply(clients, policy);
    names.push(policy.metadata?.name ?? "");
  }
  return names;
}

export async function applyWorkloads(clients: KubeClients, ns: NamespacePlan): Promise<string[]> {
  const applied: string[] = [];
  for (const w of ns.workloads) {
    await apply(clients, deploymentManifest(ns.name, w));
    applied.push(`deployment/${w.name}`);
    const service = serviceManifest(ns.name, w);
    if (service) {
      await apply(clients, service);
      applied.push(`service/${w.name}`);
    }
  }
  return applied;
}

export function isPodReady(pod: V1Pod): boolean {
  return (
    pod.status?.phase === "Running" &&
    (pod.status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True")
  );
}

function selector(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
}

/** Which workloads do not yet have as many ready pods as replicas (empty: all ready). */
export async function pendingWorkloads(clients: KubeClients, ns: NamespacePlan): Promise<string[]> {
  const pending: string[] = [];
  for (const w of ns.workloads) {
    const pods = await clients.core.listNamespacedPod({
      namespace: ns.name,
      labelSelector: selector(w.labels),
    });
    const ready = pods.items.filter((p) => !p.metadata?.deletionTimestamp && isPodReady(p)).length;
    if (ready < w.replicas) pending.push(`${w.name}: ${ready}/${w.replicas} ready`);
  }
  return pending;
}
