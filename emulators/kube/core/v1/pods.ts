// core/v1 Pod: defaulting and validation of the spec, status only through the lifecycle stages
// (lifecycle/pod-stages.ts), and the columns `kubectl get pods` shows.
import type { Kind } from "../../context.js";
import { age, ageColumn, nameColumn } from "../../machinery/kinds.js";
import { podSpecMergeKeys } from "../../machinery/patch.js";
import { randomSuffix } from "../../machinery/rest.js";
import { isJsonObject, type JsonObject, type KubeObject } from "../../machinery/types.js";
import { defaultPodSpec, podSpecErrors, type PodSpec } from "./podspec.js";

export interface ContainerStatus {
  name: string;
  ready: boolean;
  started?: boolean;
  restartCount: number;
  image: string;
  imageID: string;
  containerID?: string;
  state: Record<string, unknown>;
  lastState: Record<string, unknown>;
}

export interface PodStatus {
  phase?: "Pending" | "Running" | "Succeeded" | "Failed" | "Unknown";
  conditions?: {
    type: string;
    status: string;
    lastProbeTime: null;
    lastTransitionTime: string;
    reason?: string;
  }[];
  hostIP?: string;
  podIP?: string;
  podIPs?: { ip: string }[];
  startTime?: string;
  containerStatuses?: ContainerStatus[];
  qosClass?: string;
}

export function podSpec(pod: KubeObject): PodSpec {
  return pod["spec"] as PodSpec;
}

export function podStatus(pod: KubeObject): PodStatus {
  return (pod["status"] as PodStatus | undefined) ?? {};
}

export function isPodReady(pod: KubeObject): boolean {
  return podStatus(pod).conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

function displayStatus(pod: KubeObject): string {
  if (pod.metadata.deletionTimestamp) return "Terminating";
  const status = podStatus(pod);
  for (const c of status.containerStatuses ?? []) {
    const waiting = c.state["waiting"] as { reason?: string } | undefined;
    const terminated = c.state["terminated"] as { reason?: string } | undefined;
    if (waiting?.reason) return waiting.reason;
    if (terminated?.reason) return terminated.reason;
  }
  return status.phase ?? "Pending";
}

const TOKEN_MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount";

/**
 * What the admission plugins add to a new pod: priority (Priority), the not-ready and unreachable
 * NoExecute tolerations for 300 s (DefaultTolerationSeconds) and the projected service-account
 * token volume mounted into every container (ServiceAccount).
 */
function admitPodSpec(spec: JsonObject): void {
  spec["priority"] ??= 0;
  spec["preemptionPolicy"] ??= "PreemptLowerPriority";
  const tolerations = Array.isArray(spec["tolerations"]) ? spec["tolerations"] : [];
  for (const key of ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"]) {
    const tolerated = tolerations.some(
      (t) =>
        isJsonObject(t) &&
        (t["key"] === key || (t["key"] === undefined && t["operator"] === "Exists")) &&
        (t["effect"] === undefined || t["effect"] === "" || t["effect"] === "NoExecute"),
    );
    if (!tolerated)
      tolerations.push({ key, operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 });
  }
  spec["tolerations"] = tolerations;
  if (spec["automountServiceAccountToken"] === false) return;
  const containers = ["initContainers", "containers"].flatMap((k) =>
    Array.isArray(spec[k]) ? spec[k].filter(isJsonObject) : [],
  );
  const mounted = containers.some(
    (c) =>
      Array.isArray(c["volumeMounts"]) &&
      c["volumeMounts"].some((m) => isJsonObject(m) && m["mountPath"] === TOKEN_MOUNT),
  );
  if (mounted) return;
  const name = `kube-api-access-${randomSuffix()}`;
  const volumes = Array.isArray(spec["volumes"]) ? spec["volumes"] : [];
  volumes.push({
    name,
    projected: {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
        { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
        {
          downwardAPI: {
            items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }],
          },
        },
      ],
    },
  });
  spec["volumes"] = volumes;
  for (const c of containers) {
    const mounts = Array.isArray(c["volumeMounts"]) ? c["volumeMounts"] : [];
    mounts.push({ name, readOnly: true, mountPath: TOKEN_MOUNT });
    c["volumeMounts"] = mounts;
  }
}

export const pods: Kind = {
  group: "",
  version: "v1",
  kind: "Pod",
  plural: "pods",
  singular: "pod",
  shortNames: ["po"],
  namespaced: true,
  categories: ["all"],
  subresources: ["status", "log", "exec", "attach"],
  mergeKeys: podSpecMergeKeys("spec"),
  hasSpec: true,
  applyDefaults(obj) {
    const spec = isJsonObject(obj["spec"]) ? obj["spec"] : undefined;
    if (spec) defaultPodSpec(spec);
  },
  validate(obj, old) {
    const errors = podSpecErrors(obj["spec"], "spec");
    if (old && errors.length === 0) {
      // Pods are immutable but for container images (and a few fields this emulator does not model).
      const strip = (o: KubeObject) =>
        JSON.stringify({
          ...(o["spec"] as object),
          containers: (podSpec(o).containers ?? []).map((c) => ({ ...c, image: "" })),
        });
      if (strip(obj) !== strip(old))
        errors.push({
          type: "FieldValueForbidden",
          field: "spec",
          detail:
            "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
        });
    }
    return errors;
  },
  beforeCreate(obj) {
    const spec = obj["spec"];
    if (isJsonObject(spec)) admitPodSpec(spec);
    obj["status"] = { phase: "Pending", qosClass: "BestEffort" };
  },
  table: {
    columns: [
      nameColumn,
      {
        name: "Ready",
        type: "string",
        description: "The aggregate readiness state of this pod for accepting traffic.",
        priority: 0,
      },
      {
        name: "Status",
        type: "string",
        description: "The aggregate status of the containers in this pod.",
        priority: 0,
      },
      {
        name: "Restarts",
        type: "string",
        description:
          "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
        priority: 0,
      },
      ageColumn,
      { name: "IP", type: "string", description: "The IP address assigned to the pod", priority: 1 },
      { name: "Node", type: "string", description: "The name of the node assigned to the pod", priority: 1 },
      {
        name: "Nominated Node",
        type: "string",
        description: "The name of the node nominated by the scheduler",
        priority: 1,
      },
      { name: "Readiness Gates", type: "string", description: "The readiness gates of the pod", priority: 1 },
    ],
    cells(o, now) {
      const status = podStatus(o);
      const containers = podSpec(o).containers ?? [];
      const ready = (status.containerStatuses ?? []).filter((c) => c.ready).length;
      const restarts = (status.containerStatuses ?? []).reduce((n, c) => n + c.restartCount, 0);
      return [
        o.metadata.name!,
        `${ready}/${containers.length}`,
        displayStatus(o),
        String(restarts),
        age(o.metadata.creationTimestamp, now),
        status.podIP ?? "<none>",
        podSpec(o).nodeName ?? "<none>",
        "<none>",
        "<none>",
      ];
    },
  },
};
