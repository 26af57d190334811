// What Deployments, ReplicaSets and Jobs share: a pod template under a label selector.
import type { Kind } from "../../context.js";
import { podSpecErrors } from "../../core/v1/podspec.js";
import { podSpecMergeKeys } from "../../machinery/patch.js";
import { matchesSelectorObject, type LabelSelectorObject } from "../../machinery/selectors.js";
import type { FieldError } from "../../machinery/status.js";

export interface WorkloadSpec {
  replicas?: number;
  selector?: LabelSelectorObject;
  template?: {
    metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
    spec?: unknown;
  };
}

/** Template validation: labels must satisfy the selector, the pod spec must be valid. */
export function templateErrors(spec: WorkloadSpec, requireSelector: boolean): FieldError[] {
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

/** What every kind with a pod template (Deployment, ReplicaSet, Job) declares alike. */
export function workloadKind(): Pick<
  Kind,
  "namespaced" | "categories" | "subresources" | "mergeKeys" | "hasSpec"
> {
  return {
    namespaced: true,
    categories: ["all"],
    subresources: ["status"],
    mergeKeys: podSpecMergeKeys("spec.template.spec"),
    hasSpec: true,
  };
}
