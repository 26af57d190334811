// apps/v1 ReplicaSet: keeps `replicas` pods from its template (owned by it, as the replicaset
// controller makes them), and reports how many exist, are ready and available. Deployments own
// one ReplicaSet per pod template (deployments.ts).
import type { Kind } from "../../context.js";
import { isPodReady, pods } from "../../core/v1/pods.js";
import { defaultPodSpec } from "../../core/v1/podspec.js";
import { ownedBy, ownerReference, type ControllerHost } from "../../controllers.js";
import { age, ageColumn, nameColumn } from "../../machinery/kinds.js";
import { randomSuffix } from "../../machinery/rest.js";
import { clone, isJsonObject, type KubeObject } from "../../machinery/types.js";
import { templateErrors, type WorkloadSpec, workloadKind } from "./template.js";

export interface ReplicaSetStatus {
  replicas: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
}

export const replicaSetSpec = (rs: KubeObject) => (rs["spec"] as WorkloadSpec | undefined) ?? {};
export const replicaSetStatus = (rs: KubeObject) =>
  (rs["status"] as ReplicaSetStatus | undefined) ?? { replicas: 0 };

export const replicaSets: Kind = {
  group: "apps",
  version: "v1",
  kind: "ReplicaSet",
  plural: "replicasets",
  singular: "replicaset",
  shortNames: ["rs"],
  ...workloadKind(),
  applyDefaults(obj) {
    const spec = isJsonObject(obj["spec"]) ? obj["spec"] : (obj["spec"] = {});
    spec["replicas"] ??= 1;
    const template = isJsonObject(spec["template"]) ? spec["template"] : undefined;
    if (template && isJsonObject(template["spec"])) defaultPodSpec(template["spec"]);
    obj["status"] ??= { replicas: 0 };
  },
  validate: (obj) => templateErrors(replicaSetSpec(obj), true),
  table: {
    columns: [
      nameColumn,
      { name: "Desired", type: "integer", description: "Number of desired pods", priority: 0 },
      { name: "Current", type: "integer", description: "Number of created pods", priority: 0 },
      { name: "Ready", type: "integer", description: "Number of ready pods", priority: 0 },
      ageColumn,
      {
        name: "Containers",
        type: "string",
        description: "Names of each container in the template.",
        priority: 1,
      },
      {
        name: "Images",
        type: "string",
        description: "Images referenced by each container in the template.",
        priority: 1,
      },
      { name: "Selector", type: "string", description: "Selector used to match pods.", priority: 1 },
    ],
    cells(o, now) {
      const spec = replicaSetSpec(o);
      const status = replicaSetStatus(o);
      const containers =
        (spec.template?.spec as { containers?: { name: string; image?: string }[] } | undefined)
          ?.containers ?? [];
      return [
        o.metadata.name!,
        spec.replicas ?? 1,
        status.replicas,
        status.readyReplicas ?? 0,
        age(o.metadata.creationTimestamp, now),
        containers.map((c) => c.name).join(","),
        containers.map((c) => c.image ?? "").join(","),
        Object.entries(spec.selector?.matchLabels ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(","),
      ];
    },
  },
};

/** Brings the ReplicaSet's pods to `replicas` and reports their count, readiness and availability. */
export function reconcileReplicaSet(host: ControllerHost, rs: KubeObject): void {
  const spec = replicaSetSpec(rs);
  const ns = rs.metadata.namespace!;
  const live = () =>
    host.ctx.store.list("/pods", ns).filter((p) => ownedBy(p, rs) && !p.metadata.deletionTimestamp);
  const owned = live();
  const wanted = spec.replicas ?? 1;
  for (const extra of owned.slice(wanted)) host.deleteObject(pods, extra);
  for (let i = owned.length; i < wanted; i++) {
    const template = clone(spec.template ?? {});
    host.rest.create(
      pods,
      {
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
          name: `${rs.metadata.name}-${randomSuffix()}`,
          namespace: ns,
          labels: template.metadata?.labels ?? {},
          ...(template.metadata?.annotations ? { annotations: template.metadata.annotations } : {}),
          ownerReferences: [ownerReference(rs)],
        },
        spec: template.spec as KubeObject["spec"],
      },
      { query: new URLSearchParams(), warnings: [] },
      "kube-controller-manager",
    );
  }
  const now = live();
  const ready = now.filter(isPodReady).length;
  const status: ReplicaSetStatus = {
    replicas: now.length,
    ...(now.length ? { fullyLabeledReplicas: now.length } : {}),
    ...(ready ? { readyReplicas: ready, availableReplicas: ready } : {}),
    observedGeneration: rs.metadata.generation ?? 1,
  };
  if (JSON.stringify(status) !== JSON.stringify(rs["status"]))
    host.writeSystem(replicaSets, { ...rs, status: status as unknown as KubeObject["status"] });
}
