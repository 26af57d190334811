// networking.k8s.io/v1 NetworkPolicy. Validation and defaulting are the project's shared ones
// (shared/netpol/policy-schema.ts); this file words their verdicts as the API server does: unknown
// fields for fieldValidation, Go decoding errors (400) and field errors (422 causes).
import type { z } from "zod";
import type { Kind } from "../../context.js";
import { age, ageColumn, nameColumn } from "../../machinery/kinds.js";
import { goValue, type FieldError } from "../../machinery/status.js";
import { formatPath } from "../../../../shared/validation/problems.js";
import { LABEL_KEY_TEXT, LABEL_VALUE_TEXT, decodeError } from "../../machinery/validation.js";
import { isJsonObject, type KubeObject } from "../../machinery/types.js";
import {
  NetworkPolicySpecSchema,
  defaultNetworkPolicySpec,
  type LabelSelector,
  type NetworkPolicySpecInput,
} from "../../../../shared/netpol/policy-schema.js";

type Issue = z.core.$ZodIssue;

function issuesOf(obj: KubeObject): Issue[] {
  const spec = obj["spec"] ?? {};
  const result = NetworkPolicySpecSchema.safeParse(spec);
  return result.success ? [] : result.error.issues;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur = root;
  for (const p of path)
    cur = isJsonObject(cur) || Array.isArray(cur) ? (cur as Record<PropertyKey, unknown>)[p] : undefined;
  return cur;
}

const GO_TYPES: Record<string, string> = {
  spec: "NetworkPolicySpec",
  podSelector: "LabelSelector",
  namespaceSelector: "LabelSelector",
  matchExpressions: "LabelSelectorRequirement",
  ipBlock: "IPBlock",
  ports: "NetworkPolicyPort",
  from: "NetworkPolicyPeer",
  to: "NetworkPolicyPeer",
  ingress: "NetworkPolicyIngressRule",
  egress: "NetworkPolicyEgressRule",
};

/** Flattens nested union errors down to the first type error, as the Go decoder stops at it. */
function firstTypeIssue(
  issues: readonly Issue[],
  prefix: readonly PropertyKey[] = [],
): { path: PropertyKey[]; expected: string } | undefined {
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === "invalid_type") return { path, expected: String(issue.expected) };
    if (issue.code === "invalid_union") {
      const branches = issue.errors;
      if (branches.every((b) => b.some((i) => i.code === "invalid_type")))
        return { path, expected: "intstr.IntOrString" };
    }
  }
  return undefined;
}

function goField(path: readonly PropertyKey[]): string {
  const keys = ["spec", ...path.filter((p): p is string => typeof p === "string")];
  let owner = "NetworkPolicySpec";
  for (const k of keys.slice(0, -1)) owner = GO_TYPES[k] ?? owner;
  if (keys.length >= 2 && keys[keys.length - 2] === "matchLabels") owner = "LabelSelector";
  const shown = keys[keys.length - 2] === "matchLabels" ? keys.slice(0, -1) : keys;
  return `${owner}.${shown.join(".")}`;
}

const EXPECTED: Record<string, string> = {
  string: "string",
  number: "int32",
  int: "int32",
  array: "[]",
  object: "struct",
  record: "map[string]string",
};

function toFieldError(issue: Issue, spec: unknown): FieldError | undefined {
  const field = `spec${issue.path.length ? "." : ""}${formatPath(issue.path)}`;
  const value = valueAt(spec, issue.path);
  if (issue.code === "invalid_value") {
    const last = issue.path[issue.path.length - 1];
    if (last === "operator")
      return {
        type: "FieldValueInvalid",
        field,
        badValue: goValue(value),
        detail: "not a valid selector operator",
      };
    const supported = [...issue.values]
      .map((v) => JSON.stringify(v))
      .sort()
      .join(", ");
    return {
      type: "FieldValueNotSupported",
      field,
      badValue: `${goValue(value)}: supported values: ${supported}`,
    };
  }
  if (issue.code !== "custom") return undefined;
  const code = (issue as { params?: { code?: string } }).params?.code;
  const parentField = `spec.${formatPath(issue.path.slice(0, -1))}`;
  switch (code) {
    case "PeerTypeConflict":
      return { type: "FieldValueForbidden", field, detail: "may not specify more than 1 peer type" };
    case "PeerRequired":
      return { type: "FieldValueRequired", field, detail: "must specify a peer" };
    case "IpBlockExceptNotStrictSubset":
      return {
        type: "FieldValueInvalid",
        field,
        badValue: goValue(value),
        detail: "must be a strict subset of `cidr`",
      };
    case "InvalidCidr":
      return {
        type: "FieldValueInvalid",
        field,
        badValue: goValue(value),
        detail: "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)",
      };
    case "PortOutOfRange":
      return {
        type: "FieldValueInvalid",
        field,
        badValue: goValue(value),
        detail: "must be between 1 and 65535, inclusive",
      };
    case "InvalidPortName":
      return {
        type: "FieldValueInvalid",
        field,
        badValue: goValue(value),
        detail: "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
      };
    case "EndPortWithoutNumericPort":
      return valueAt(spec, [...issue.path.slice(0, -1), "port"]) === undefined
        ? {
            type: "FieldValueRequired",
            field: `${parentField}.port`,
            detail: "must be specified when endPort is specified",
          }
        : {
            type: "FieldValueInvalid",
            field,
            badValue: goValue(value),
            detail: "may not be specified when `port` is non-numeric",
          };
    case "EndPortLessThanPort":
      return {
        type: "FieldValueInvalid",
        field,
        badValue: goValue(value),
        detail: "must be greater than or equal to `port`",
      };
    case "SelectorValuesRequired":
      return {
        type: "FieldValueRequired",
        field,
        detail: "must be specified when `operator` is 'In' or 'NotIn'",
      };
    case "SelectorValuesNotAllowed":
      return {
        type: "FieldValueForbidden",
        field,
        detail: "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
      };
    case "InvalidLabelKey":
      return issue.path[issue.path.length - 1] === "key"
        ? { type: "FieldValueInvalid", field, badValue: goValue(value), detail: LABEL_KEY_TEXT }
        : {
            type: "FieldValueInvalid",
            field: parentField,
            badValue: goValue(issue.path[issue.path.length - 1]),
            detail: LABEL_KEY_TEXT,
          };
    case "InvalidLabelValue":
      return typeof issue.path[issue.path.length - 1] === "number"
        ? { type: "FieldValueInvalid", field, badValue: goValue(value), detail: LABEL_VALUE_TEXT }
        : {
            type: "FieldValueInvalid",
            field: parentField,
            badValue: goValue(value),
            detail: LABEL_VALUE_TEXT,
          };
    case "TooManyPolicyTypes":
      return {
        type: "FieldValueInvalid",
        field,
        badValue: goValue(value),
        detail: "may not specify more than two policyTypes",
      };
    case "DuplicatePolicyType":
      return { type: "FieldValueDuplicate", field, badValue: goValue(value) };
    default:
      return { type: "FieldValueInvalid", field, badValue: goValue(value), detail: issue.message };
  }
}

function selectorText(selector: LabelSelector | undefined): string {
  const parts = Object.entries(selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of selector?.matchExpressions ?? []) {
    const op = { In: "in", NotIn: "notin", Exists: "", DoesNotExist: "!" }[e.operator];
    parts.push(
      e.operator === "Exists"
        ? e.key
        : e.operator === "DoesNotExist"
          ? `!${e.key}`
          : `${e.key} ${op} (${(e.values ?? []).join(",")})`,
    );
  }
  return parts.length ? parts.join(",") : "<none>";
}

export const networkPolicies: Kind = {
  group: "networking.k8s.io",
  version: "v1",
  kind: "NetworkPolicy",
  plural: "networkpolicies",
  singular: "networkpolicy",
  shortNames: ["netpol"],
  namespaced: true,
  categories: [],
  subresources: [],
  mergeKeys: {},
  hasSpec: true,
  unknownFields(obj) {
    const top = Object.keys(obj).filter(
      (k) => !["apiVersion", "kind", "metadata", "spec", "status"].includes(k),
    );
    const nested = issuesOf(obj)
      .filter((i) => i.code === "unrecognized_keys")
      .flatMap((i) =>
        (i as { keys: string[] }).keys.map((k) => `spec.${formatPath([...i.path, k])}`.replace(/\.$/, "")),
      );
    return [...top, ...nested.map((p) => p.replace(/^spec\.\./, "spec."))];
  },
  decode(obj) {
    if (obj["spec"] !== undefined && !isJsonObject(obj["spec"]))
      throw decodeError("NetworkPolicy", "v1", "NetworkPolicy.spec", obj["spec"], "v1.NetworkPolicySpec");
    const typeIssue = firstTypeIssue(issuesOf(obj));
    if (typeIssue) {
      const value = valueAt(obj["spec"], typeIssue.path);
      throw decodeError(
        "NetworkPolicy",
        "v1",
        goField(typeIssue.path),
        value,
        EXPECTED[typeIssue.expected] ?? typeIssue.expected,
      );
    }
  },
  applyDefaults(obj) {
    const spec = NetworkPolicySpecSchema.safeParse(obj["spec"] ?? {});
    if (spec.success) obj["spec"] = defaultNetworkPolicySpec(spec.data);
    else if (!isJsonObject(obj["spec"])) obj["spec"] = { podSelector: {} };
  },
  validate(obj) {
    return issuesOf(obj)
      .map((i) => toFieldError(i, obj["spec"]))
      .filter((e): e is FieldError => e !== undefined);
  },
  table: {
    columns: [
      nameColumn,
      {
        name: "Pod-Selector",
        type: "string",
        description: "Selects the pods to which this NetworkPolicy object applies.",
        priority: 0,
      },
      ageColumn,
    ],
    cells: (o, now) => [
      o.metadata.name!,
      selectorText((o["spec"] as NetworkPolicySpecInput | undefined)?.podSelector),
      age(o.metadata.creationTimestamp, now),
    ],
  },
};
