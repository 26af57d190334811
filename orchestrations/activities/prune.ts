// The Kubernetes side of an update: objects aks-vending seeded that the spec no longer has are
// deleted (only those carrying its managed-by mark; shared/kube/prune.ts). Idempotent: a second run
// finds nothing left to delete.
import { pruneUnkept } from "../../shared/kube/prune.js";
import type { PruneInput, PruneOutput } from "../../shared/provision/activity-io.js";
import type { ActivityResult } from "../../shared/provision/types.js";
import { defaultKubeDeps, kubeStep, type KubeDeps } from "./kube.js";

export async function pruneKubernetesObjects(
  input: PruneInput,
  deps: KubeDeps = defaultKubeDeps(),
): Promise<ActivityResult<PruneOutput>> {
  return kubeStep(input.target, deps, async (c) => ({ deleted: await pruneUnkept(c, input.keep) }));
}
