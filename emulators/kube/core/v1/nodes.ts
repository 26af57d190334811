// core/v1 Node: storage only; the nodes of the cluster's agent pools are written by the system (node-pools.ts).
import type { Kind } from "../../context.js";
import { age, ageColumn, nameColumn } from "../../machinery/kinds.js";

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
