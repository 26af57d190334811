// meta.k8s.io/v1 Table responses for `kubectl get` (it asks with Accept: …;as=Table;…), so the
// columns match a real cluster's (STATUS, IP, CLUSTER-IP, POD-SELECTOR…) instead of NAME/AGE.
import { age, ageColumn, nameColumn, type KindDef } from "./kinds.js";
import type { KubeObject } from "./types.js";

export function wantsTable(accept: string | undefined): boolean {
  return /as=Table/.test(accept ?? "");
}

function partial(obj: KubeObject) {
  return { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: obj.metadata };
}

export function toTable(
  def: KindDef<never>,
  objects: KubeObject[],
  listMeta: { resourceVersion: string; continue?: string },
  now: number,
  includeObject: string | null,
) {
  const columns = def.table?.columns ?? [nameColumn, ageColumn];
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: listMeta,
    columnDefinitions: columns,
    rows: objects.map((o) => ({
      cells: def.table ? def.table.cells(o, now) : [o.metadata.name, age(o.metadata.creationTimestamp, now)],
      object: includeObject === "Object" ? o : includeObject === "None" ? null : partial(o),
    })),
  };
}
