// core/v1 ServiceAccount: storage only (each namespace gets a "default" one from the cluster's
// namespace controller).
import type { Kind } from "../../context.js";
import { age, ageColumn, nameColumn } from "../../machinery/kinds.js";

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
