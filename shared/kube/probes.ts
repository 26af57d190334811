// Probe pods: created once (AlreadyExists is fine), read until they finish, removed afterwards.
// A probe that Succeeded connected (allowed); one that Failed timed out or was refused (denied).
import type { V1Pod } from "@kubernetes/client-node";
import type { ProbeOutcome, ProbeSpec } from "../provision/activity-io.js";
import { kubeStatus, type KubeClients } from "./client.js";
import { probePodManifest } from "./manifests.js";

export function probeOutcome(pod: V1Pod | undefined): ProbeOutcome["observed"] {
  switch (pod?.status?.phase) {
    case "Succeeded":
      return "allowed";
    case "Failed":
      return "denied";
    default:
      return "pending";
  }
}

/** Ensures every probe pod exists and reports where each stands. */
export async function runProbes(
  clients: KubeClients,
  probes: readonly ProbeSpec[],
  image: string,
  timeoutSeconds: number,
): Promise<ProbeOutcome[]> {
  const out: ProbeOutcome[] = [];
  for (const p of probes) {
    let pod: V1Pod | undefined;
    try {
      pod = await clients.core.readNamespacedPod({ name: p.podName, namespace: p.namespace });
    } catch (e) {
      if (kubeStatus(e) !== 404) throw e;
      try {
        pod = await clients.core.createNamespacedPod({
          namespace: p.namespace,
          body: probePodManifest({ ...p, image, timeoutSeconds }),
        });
      } catch (e2) {
        if (kubeStatus(e2) !== 409) throw e2;
      }
    }
    out.push({ podName: p.podName, observed: probeOutcome(pod) });
  }
  return out;
}

export async function deleteProbes(clients: KubeClients, probes: readonly ProbeSpec[]): Promise<void> {
  for (const p of probes) {
    try {
      await clients.core.deleteNamespacedPod({
        name: p.podName,
        namespace: p.namespace,
        gracePeriodSeconds: 0,
      });
    } catch (e) {
      if (kubeStatus(e) !== 404) throw e;
    }
  }
}
