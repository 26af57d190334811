// core/v1 ConfigMap: storage plus the API server's key validation (each namespace gets a
// "kube-root-ca.crt" ConfigMap from the cluster's namespace controller).
import type { Kind } from "../../context.js";
import { age, ageColumn, nameColumn } from "../../machinery/kinds.js";
import { goValue, type FieldError } from "../../machinery/status.js";
import { isJsonObject } from "../../machinery/types.js";

const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;

/** The API server's rule for ConfigMap and Secret keys. */
export function configKeyErrors(data: unknown, field: string): FieldError[] {
  const out: FieldError[] = [];
  if (isJsonObject(data))
    for (const key of Object.keys(data))
      if (!CONFIG_KEY.test(key) || key.length > 253)
        out.push({
          type: "FieldValueInvalid",
          field,
          badValue: goValue(key),
          detail:
            "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
        });
  return out;
}

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
  validate: (obj) => configKeyErrors(obj["data"], "data"),
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
