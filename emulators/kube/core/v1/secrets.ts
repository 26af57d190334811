// core/v1 Secret: `stringData` folded into base64 `data` on write, type "Opaque" by default, keys
// checked as ConfigMap keys, and the base64 decoding error the Go decoder reports.
import type { Kind } from "../../context.js";
import { age, ageColumn, nameColumn } from "../../machinery/kinds.js";
import { errors } from "../../machinery/status.js";
import { isJsonObject } from "../../machinery/types.js";
import { configKeyErrors } from "./configmaps.js";

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The byte offset Go's base64 decoder stops at, or undefined when the text is valid. */
function base64Error(text: string): number | undefined {
  if (BASE64.test(text) && text.length % 4 === 0) return undefined;
  const bad = [...text].findIndex((c) => !/[A-Za-z0-9+/=]/.test(c));
  return bad === -1 ? text.length - (text.length % 4) : bad;
}

export const secrets: Kind = {
  group: "",
  version: "v1",
  kind: "Secret",
  plural: "secrets",
  singular: "secret",
  shortNames: [],
  namespaced: true,
  categories: [],
  subresources: [],
  mergeKeys: {},
  hasSpec: false,
  decode(obj) {
    const data = obj["data"];
    if (!isJsonObject(data)) return;
    for (const value of Object.values(data)) {
      const at = typeof value === "string" ? base64Error(value) : 0;
      if (at !== undefined)
        throw errors.badRequest(
          `Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte ${at}`,
        );
    }
  },
  applyDefaults(obj) {
    obj["type"] ??= "Opaque";
    const stringData = obj["stringData"];
    if (isJsonObject(stringData)) {
      const data = isJsonObject(obj["data"]) ? obj["data"] : {};
      for (const [k, v] of Object.entries(stringData))
        data[k] = Buffer.from(typeof v === "string" ? v : JSON.stringify(v)).toString("base64");
      obj["data"] = data;
      delete obj["stringData"];
    }
  },
  validate(obj) {
    const out = configKeyErrors(obj["data"], "data");
    const data = isJsonObject(obj["data"]) ? obj["data"] : {};
    const required: Record<string, string[]> = {
      "kubernetes.io/tls": ["tls.crt", "tls.key"],
      "kubernetes.io/dockerconfigjson": [".dockerconfigjson"],
      "kubernetes.io/basic-auth": [],
    };
    for (const key of required[String(obj["type"])] ?? [])
      if (!(key in data)) out.push({ type: "FieldValueRequired", field: `data[${key}]` });
    return out;
  },
  table: {
    columns: [
      nameColumn,
      { name: "Type", type: "string", description: "The type of the secret", priority: 0 },
      { name: "Data", type: "string", description: "The number of entries in the secret", priority: 0 },
      ageColumn,
    ],
    cells: (o, now) => [
      o.metadata.name!,
      String(o["type"] ?? "Opaque"),
      String(Object.keys((o["data"] as object | undefined) ?? {}).length),
      age(o.metadata.creationTimestamp, now),
    ],
  },
};
