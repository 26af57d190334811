// core/v1 Namespace: the immutable kubernetes.io/metadata.name label, the "kubernetes" finalizer,
// phase Active, and Terminating while the namespace controller empties it (cluster.ts).
import type { Kind } from "../../context.js";
import { age, ageColumn, nameColumn } from "../../machinery/kinds.js";
import { isJsonObject } from "../../machinery/types.js";

export const NAME_LABEL = "kubernetes.io/metadata.name";

export const namespaces: Kind = {
  group: "",
  version: "v1",
  kind: "Namespace",
  plural: "namespaces",
  singular: "namespace",
  shortNames: ["ns"],
  namespaced: false,
  categories: [],
  subresources: ["status", "finalize"],
  mergeKeys: {},
  mergePrimitiveLists: ["spec.finalizers"],
  nameRule: "label",
  hasSpec: false,
  applyDefaults(obj) {
    obj.metadata.labels = { ...obj.metadata.labels, [NAME_LABEL]: obj.metadata.name ?? "" };
    const spec = isJsonObject(obj["spec"]) ? obj["spec"] : {};
    if (!Array.isArray(spec["finalizers"])) spec["finalizers"] = ["kubernetes"];
    obj["spec"] = spec;
    if (!isJsonObject(obj["status"])) obj["status"] = { phase: "Active" };
  },
  table: {
    columns: [
      nameColumn,
      { name: "Status", type: "string", description: "The status of the namespace", priority: 0 },
      ageColumn,
    ],
    cells: (o, now) => [
      o.metadata.name!,
      String((o["status"] as { phase?: string } | undefined)?.phase ?? ""),
      age(o.metadata.creationTimestamp, now),
    ],
  },
};
