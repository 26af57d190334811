// core/v1 ConfigMap, ServiceAccount and Node: kinds with no behaviour beyond storage (each
// namespace gets a "default" ServiceAccount and a "kube-root-ca.crt" ConfigMap; a cluster has one node).
import type { Kind } from "../../context.js";
import { age, ageColumn, nameColumn } from "../../machinery/kinds.js";
import { goValue, type FieldError } from "../../machinery/status.js";
import { isJsonObject } from "../../machinery/types.js";

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

/** Events are served (kubectl describe lists them) but nothing records any yet. */
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
};
