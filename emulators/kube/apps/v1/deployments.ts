// apps/v1 Deployment: a ReplicaSet per pod template (pod-template-hash label, owner reference),
// the old ones scaled down when the template changes, and status summed from them.
import type { Kind } from "../../context.js";
import { defaultPodSpec } from "../../core/v1/podspec.js";
import { ownedBy, ownerReference, shortHash, type ControllerHost } from "../../controllers.js";
import { age, ageColumn, nameColumn, resourceId } from "../../machinery/kinds.js";
import { clone, isJsonObject, rfc3339, type KubeObject } from "../../machinery/types.js";
import { replicaSets, replicaSetSpec, replicaSetStatus, type ReplicaSetStatus } from "./replicasets.js";
import { templateErrors, type WorkloadSpec, workloadKind } from "./template.js";

const specOf = (d: KubeObject) => (d["spec"] as WorkloadSpec | undefined) ?? {};

export const deployments: Kind = {
  group: "apps",
  version: "v1",
  kind: "Deployment",
  plural: "deployments",
  singular: "deployment",
  shortNames: ["deploy"],
  ...workloadKind(),
  applyDefaults(obj) {
    const spec = isJsonObject(obj["spec"]) ? obj["spec"] : (obj["spec"] = {});
    spec["replicas"] ??= 1;
    spec["revisionHistoryLimit"] ??= 10;
    spec["progressDeadlineSeconds"] ??= 600;
    spec["strategy"] ??= { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } };
    const template = isJsonObject(spec["template"]) ? spec["template"] : undefined;
    if (template && isJsonObject(template["spec"])) defaultPodSpec(template["spec"]);
  },
  validate: (obj) => templateErrors(specOf(obj), true),
  table: {
    columns: [
      nameColumn,
      { name: "Ready", type: "string", description: "Number of the pod with ready state", priority: 0 },
      {
        name: "Up-to-date",
        type: "integer",
        description:
          "Total number of non-terminated pods targeted by this deployment that have the desired template spec.",
        priority: 0,
      },
      {
        name: "Available",
        type: "integer",
        description:
          "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.",
        priority: 0,
      },
      ageColumn,
    ],
    cells(o, now) {
      const s =
        (o["status"] as
          { readyReplicas?: number; updatedReplicas?: number; availableReplicas?: number } | undefined) ?? {};
      return [
        o.metadata.name!,
        `${s.readyReplicas ?? 0}/${specOf(o).replicas ?? 1}`,
        s.updatedReplicas ?? 0,
        s.availableReplicas ?? 0,
        age(o.metadata.creationTimestamp, now),
      ];
    },
  },
};

const REVISION = "deployment.kubernetes.io/revision";

/**
 * The deployment controller: one ReplicaSet per pod template (named by its pod-template-hash),
 * the current one scaled to `replicas` and older ones to 0, and status summed from them.
 */
export function reconcileDeployment(host: ControllerHost, deployment: KubeObject): void {
  const spec = specOf(deployment);
  const hash = shortHash(spec.template ?? {});
  const ns = deployment.metadata.namespace!;
  const wanted = spec.replicas ?? 1;
  const rsId = resourceId(replicaSets);
  const owned = () => host.ctx.store.list(rsId, ns).filter((rs) => ownedBy(rs, deployment));
  const revisionOf = (rs: KubeObject) => Number(rs.metadata.annotations?.[REVISION] ?? "0");
  let current = owned().find((rs) => rs.metadata.labels?.["pod-template-hash"] === hash);
  const revision = current ? revisionOf(current) : Math.max(0, ...owned().map(revisionOf)) + 1;
  const annotations = {
    [REVISION]: String(revision),
    "deployment.kubernetes.io/desired-replicas": String(wanted),
    "deployment.kubernetes.io/max-replicas": String(wanted + Math.ceil(wanted / 4)),
  };
  if (!current) {
    const template = clone(spec.template ?? {});
    const labels = { ...template.metadata?.labels, "pod-template-hash": hash };
    current = host.rest.create(
      replicaSets,
      {
        apiVersion: "apps/v1",
        kind: "ReplicaSet",
        metadata: {
          name: `${deployment.metadata.name}-${hash}`,
          namespace: ns,
          labels,
          annotations,
          ownerReferences: [ownerReference(deployment)],
        },
        spec: {
          replicas: wanted,
          selector: {
            ...spec.selector,
            matchLabels: { ...spec.selector?.matchLabels, "pod-template-hash": hash },
          },
          template: { ...template, metadata: { ...template.metadata, labels } },
        },
      },
      { query: new URLSearchParams(), warnings: [] },
      "kube-controller-manager",
    );
  } else if (replicaSetSpec(current).replicas !== wanted) {
    const next = clone(current);
    (next["spec"] as WorkloadSpec).replicas = wanted;
    next.metadata.annotations = { ...next.metadata.annotations, ...annotations };
    next.metadata.generation = (next.metadata.generation ?? 1) + 1;
    current = host.writeSystem(replicaSets, next);
  }
  // Older templates go at once (a rolling update without the surge).
  for (const old of owned())
    if (old.metadata.uid !== current.metadata.uid && (replicaSetSpec(old).replicas ?? 0) > 0) {
      const next = clone(old);
      (next["spec"] as WorkloadSpec).replicas = 0;
      next.metadata.generation = (next.metadata.generation ?? 1) + 1;
      host.writeSystem(replicaSets, next);
    }
  const all = owned();
  const sum = (f: (s: ReplicaSetStatus) => number | undefined) =>
    all.reduce((n, rs) => n + (f(replicaSetStatus(rs)) ?? 0), 0);
  const updated = replicaSetStatus(
    all.find((rs) => rs.metadata.uid === current.metadata.uid) ?? current,
  ).replicas;
  const replicas = sum((s) => s.replicas);
  const ready = sum((s) => s.readyReplicas);
  const available = sum((s) => s.availableReplicas);
  const at = rfc3339(host.ctx.now());
  const done = available >= wanted && updated === wanted && replicas === wanted;
  const status = {
    observedGeneration: deployment.metadata.generation ?? 1,
    replicas,
    updatedReplicas: updated,
    readyReplicas: ready,
    availableReplicas: available,
    ...(replicas - available > 0 ? { unavailableReplicas: replicas - available } : {}),
    conditions: [
      {
        type: "Available",
        status: available >= wanted ? "True" : "False",
        reason: available >= wanted ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
        message:
          available >= wanted
            ? "Deployment has minimum availability."
            : "Deployment does not have minimum availability.",
        lastUpdateTime: at,
        lastTransitionTime: at,
      },
      {
        type: "Progressing",
        status: "True",
        reason: done ? "NewReplicaSetAvailable" : "ReplicaSetUpdated",
        message: `ReplicaSet "${current.metadata.name}" ${done ? "has successfully progressed." : "is progressing."}`,
        lastUpdateTime: at,
        lastTransitionTime: at,
      },
    ],
  };
  for (const k of ["readyReplicas", "availableReplicas", "updatedReplicas", "replicas"] as const)
    if (status[k] === 0 && k !== "replicas") delete (status as Partial<typeof status>)[k];
  const old = deployment["status"];
  const same = (a: unknown, b: unknown) =>
    JSON.stringify(a, (k, v) => (k === "lastUpdateTime" || k === "lastTransitionTime" ? undefined : v)) ===
    JSON.stringify(b, (k, v) => (k === "lastUpdateTime" || k === "lastTransitionTime" ? undefined : v));
  const revisionChanged = deployment.metadata.annotations?.[REVISION] !== String(revision);
  if (same(old, status) && !revisionChanged) return;
  host.writeSystem(deployments, {
    ...deployment,
    metadata: {
      ...deployment.metadata,
      annotations: { ...deployment.metadata.annotations, [REVISION]: String(revision) },
    },
    status,
  });
}
