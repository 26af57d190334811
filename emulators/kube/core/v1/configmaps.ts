// core/v1 ConfigMap, ServiceAccount and Node: kinds with no behaviour beyond storage (each
// namespace gets a "default" ServiceAccount and a "kube-root-ca.crt" ConfigMap; a cluster has one node).
import type { Kind } from "../../context.js";
import { age, ageColumn, nameColumn } from "../../machinery/kinds.js";
import { goValue, type FieldError } from "../../machinery/status.js";
import { randomUUID } from "node:crypto";
import { isJsonObject, type KubeObject } from "../../machinery/types.js";

const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;

export const configMaps: Kind = {
  group: "",
  version: "v1",
  kind: "ConfigMap",
  plural: "configmaps",
  singular: "configmap",
  shortNames: ["cm"],
  namespaced: true,
  categories: [],
  subresources: [],
  mergeKeys: {},
  hasSpec: false,
  validate(obj) {
    const out: FieldError[] = [];
    const data = obj["data"];
    if (isJsonObject(data))
      for (const key of Object.keys(data))
        if (!CONFIG_KEY.test(key) || key.length > 253)
          out.push({
            type: "FieldValueInvalid",
            field: "data",
            badValue: goValue(key),
            detail:
              "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
          });
    return out;
  },
  table: {
    columns: [
      nameColumn,
      { name: "Data", type: "integer", description: "Number of keys", priority: 0 },
      ageColumn,
    ],
    cells: (o, now) => [
      o.metadata.name!,
      Object.keys((o["data"] as object | undefined) ?? {}).length,
      age(o.metadata.creationTimestamp, now),
    ],
  },
};

export const serviceAccounts: Kind = {
  group: "",
  version: "v1",
  kind: "ServiceAccount",
  plural: "serviceaccounts",
  singular: "serviceaccount",
  shortNames: ["sa"],
  namespaced: true,
  categories: [],
  subresources: [],
  mergeKeys: { secrets: "name" },
  hasSpec: false,
  table: {
    columns: [
      nameColumn,
      { name: "Secrets", type: "integer", description: "Number of secrets", priority: 0 },
      ageColumn,
    ],
    cells: (o, now) => [
      o.metadata.name!,
      ((o["secrets"] as unknown[] | undefined) ?? []).length,
      age(o.metadata.creationTimestamp, now),
    ],
  },
};

export const nodes: Kind = {
  group: "",
  version: "v1",
  kind: "Node",
  plural: "nodes",
  singular: "node",
  shortNames: ["no"],
  namespaced: false,
  categories: [],
  subresources: ["status"],
  mergeKeys: {},
  hasSpec: false,
  table: {
    columns: [
      nameColumn,
      { name: "Status", type: "string", description: "The status of the node", priority: 0 },
      { name: "Roles", type: "string", description: "The roles of the node", priority: 0 },
      ageColumn,
      { name: "Version", type: "string", description: "Kubelet Version reported by the node.", priority: 0 },
    ],
    cells: (o, now) => {
      const info = (o["status"] as { nodeInfo?: { kubeletVersion?: string } } | undefined)?.nodeInfo;
      return [
        o.metadata.name!,
        "Ready",
        "<none>",
        age(o.metadata.creationTimestamp, now),
        info?.kubeletVersion ?? "",
      ];
    },
  },
};

/** Events: the scheduler's and kubelet's records of what happened to a pod (kubectl describe). */
export const events: Kind = {
  group: "",
  version: "v1",
  kind: "Event",
  plural: "events",
  singular: "event",
  shortNames: ["ev"],
  namespaced: true,
  categories: [],
  subresources: [],
  mergeKeys: {},
  hasSpec: false,
  table: {
    columns: [
      { name: "Last Seen", type: "string", description: "Time since the event was last seen", priority: 0 },
      { name: "Type", type: "string", description: "Normal or Warning", priority: 0 },
      { name: "Reason", type: "string", description: "Why the event happened", priority: 0 },
      { name: "Object", type: "string", description: "The object the event is about", priority: 0 },
      { name: "Message", type: "string", description: "A human-readable description", priority: 0 },
    ],
    cells: (o, now) => {
      const involved = (o["involvedObject"] as { kind?: string; name?: string } | undefined) ?? {};
      return [
        age(o["lastTimestamp"] as string | undefined, now),
        String(o["type"] ?? ""),
        String(o["reason"] ?? ""),
        `${(involved.kind ?? "").toLowerCase()}/${involved.name ?? ""}`,
        String(o["message"] ?? ""),
      ];
    },
  },
};

let eventSequence = 0;

/** An Event about `involved`, as the scheduler or kubelet records it. */
export function eventFor(
  involved: KubeObject,
  reason: string,
  message: string,
  component: "default-scheduler" | "kubelet",
  at: string,
  type: "Normal" | "Warning" = "Normal",
): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: {
      // Like the kubelet's names: the object's name and a hex timestamp (so names sort in time order).
      name: `${involved.metadata.name}.${(BigInt(Date.parse(at)) * 1_000_000n + BigInt(++eventSequence % 1_000_000)).toString(16)}`,
      namespace: involved.metadata.namespace ?? "default",
      uid: randomUUID(),
      creationTimestamp: at,
    },
    involvedObject: {
      kind: involved.kind,
      namespace: involved.metadata.namespace,
      name: involved.metadata.name,
      uid: involved.metadata.uid,
      apiVersion: involved.apiVersion,
      resourceVersion: involved.metadata.resourceVersion,
    },
    reason,
    message,
    source: {
      component,
      ...(component === "kubelet"
        ? { host: String((involved["spec"] as { nodeName?: string } | undefined)?.nodeName ?? "") }
        : {}),
    },
    firstTimestamp: at,
    lastTimestamp: at,
    count: 1,
    type,
    eventTime: null,
    reportingComponent: component,
    reportingInstance: "",
  };
}
