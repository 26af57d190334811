// apps/v1 Deployment: pods from the template (replicas, pod-template-hash label, owner reference),
// replaced when the template changes, and status counting ready replicas.
import type { Kind } from "../../context.js";
import { isPodReady, pods } from "../../core/v1/pods.js";
import { defaultPodSpec, podSpecErrors } from "../../core/v1/podspec.js";
import { ownedBy, ownerReference, shortHash, type ControllerHost } from "../../controllers.js";
import { age, ageColumn, nameColumn } from "../../machinery/kinds.js";
import { podSpecMergeKeys } from "../../machinery/patch.js";
import { randomSuffix } from "../../machinery/rest.js";
import { matchesSelectorObject, type LabelSelectorObject } from "../../machinery/selectors.js";
import type { FieldError } from "../../machinery/status.js";
import { clone, isJsonObject, rfc3339, type KubeObject } from "../../machinery/types.js";

interface DeploymentSpec {
  replicas?: number;
  selector?: LabelSelectorObject;
  template?: {
    metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
    spec?: unknown;
  };
}

const specOf = (d: KubeObject) => (d["spec"] as DeploymentSpec | undefined) ?? {};

/** Template validation shared with Jobs: labels must satisfy the selector. */
export function templateErrors(spec: DeploymentSpec, requireSelector: boolean): FieldError[] {
  const out: FieldError[] = [];
  if (requireSelector && !spec.selector) out.push({ type: "FieldValueRequired", field: "spec.selector" });
  const labels = spec.template?.metadata?.labels;
  if (spec.selector && !matchesSelectorObject(spec.selector, labels))
    out.push({
      type: "FieldValueInvalid",
      field: "spec.template.metadata.labels",
      badValue: `map[string]string{${Object.entries(labels ?? {})
        .map(([k, v]) => `"${k}":"${v}"`)
        .join(", ")}}`,
      detail: "`selector` does not match template `labels`",
    });
  out.push(...podSpecErrors(spec.template?.spec, "spec.template.spec"));
  return out;
}

export const deployments: Kind = {
  group: "apps",
  version: "v1",
  kind: "Deployment",
  plural: "deployments",
  singular: "deployment",
  shortNames: ["deploy"],
  namespaced: true,
  categories: ["all"],
  subresources: ["status"],
  mergeKeys: podSpecMergeKeys("spec.template.spec"),
  hasSpec: true,
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

/** Brings the deployment's pods to the wanted count and template, then reports status. */
export function reconcileDeployment(host: ControllerHost, deployment: KubeObject): void {
  const spec = specOf(deployment);
  const hash = shortHash(spec.template ?? {});
  const ns = deployment.metadata.namespace!;
  const owned = host.ctx.store
    .list("/pods", ns)
    .filter((p) => ownedBy(p, deployment) && !p.metadata.deletionTimestamp);
  const current = owned.filter((p) => p.metadata.labels?.["pod-template-hash"] === hash);
  for (const stale of owned.filter((p) => p.metadata.labels?.["pod-template-hash"] !== hash))
    host.deleteObject(pods, stale);
  const wanted = spec.replicas ?? 1;
  for (const extra of current.slice(wanted)) host.deleteObject(pods, extra);
  for (let i = current.length; i < wanted; i++) {
    const template = clone(spec.template ?? {});
    const pod: KubeObject = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: `${deployment.metadata.name}-${hash}-${randomSuffix()}`,
        namespace: ns,
        labels: { ...template.metadata?.labels, "pod-template-hash": hash },
        ...(template.metadata?.annotations ? { annotations: template.metadata.annotations } : {}),
        ownerReferences: [
          {
            ...ownerReference(deployment),
            apiVersion: "apps/v1",
            kind: "ReplicaSet",
            name: `${deployment.metadata.name}-${hash}`,
          },
        ],
      },
      spec: template.spec as KubeObject["spec"],
    };
    // The ReplicaSet layer is folded in: the pod's owner uid is the deployment's.
    host.rest.create(pods, pod, { query: new URLSearchParams(), warnings: [] }, "kube-controller-manager");
  }
  const live = host.ctx.store
    .list("/pods", ns)
    .filter((p) => ownedBy(p, deployment) && p.metadata.labels?.["pod-template-hash"] === hash);
  const ready = live.filter(isPodReady).length;
  const at = rfc3339(host.ctx.now());
  const status = {
    observedGeneration: deployment.metadata.generation ?? 1,
    replicas: live.length,
    updatedReplicas: live.length,
    readyReplicas: ready,
    availableReplicas: ready,
    ...(live.length - ready > 0 ? { unavailableReplicas: live.length - ready } : {}),
    conditions: [
      {
        type: "Available",
        status: ready >= wanted ? "True" : "False",
        reason: ready >= wanted ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
        message:
          ready >= wanted
            ? "Deployment has minimum availability."
            : "Deployment does not have minimum availability.",
        lastUpdateTime: at,
        lastTransitionTime: at,
      },
      {
        type: "Progressing",
        status: "True",
        reason: ready >= wanted ? "NewReplicaSetAvailable" : "ReplicaSetUpdated",
        message: `ReplicaSet "${deployment.metadata.name}-${hash}" ${ready >= wanted ? "has successfully progressed." : "is progressing."}`,
        lastUpdateTime: at,
        lastTransitionTime: at,
      },
    ],
  };
  const old = deployment["status"] as
    | { conditions?: { status: string; type: string; lastTransitionTime: string; lastUpdateTime: string }[] }
    | undefined;
  const same = (a: unknown, b: unknown) =>
    JSON.stringify(a, (k, v) => (k === "lastUpdateTime" || k === "lastTransitionTime" ? undefined : v)) ===
    JSON.stringify(b, (k, v) => (k === "lastUpdateTime" || k === "lastTransitionTime" ? undefined : v));
  if (same(old, status)) return;
  host.writeSystem(deployments, { ...deployment, status });
}
