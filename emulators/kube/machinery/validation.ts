// Object metadata validation with the API server's messages. The rules themselves come from
// shared/kube/names.ts (one definition for the whole project); this file only words the verdicts
// the way apimachinery's validation package does, so kubectl users see familiar errors.
import {
  checkDns1035Label,
  checkDns1123Label,
  checkDns1123Subdomain,
  checkLabelKey,
  checkLabelValue,
} from "../../../shared/kube/names.js";
import { ApiError, goValue, type FieldError } from "./status.js";
import type { KubeObject } from "./types.js";

const RULE_TEXT = {
  label:
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
  subdomain:
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
  dns1035:
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
} as const;

export const LABEL_VALUE_TEXT =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
export const LABEL_KEY_TEXT =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

export type NameRule = keyof typeof RULE_TEXT;

const CHECKS = { label: checkDns1123Label, subdomain: checkDns1123Subdomain, dns1035: checkDns1035Label };
const LIMITS = { label: 63, subdomain: 253, dns1035: 63 };

export function nameErrors(field: string, value: string, rule: NameRule): FieldError[] {
  if (!CHECKS[rule](value)) return [];
  const out: FieldError[] = [];
  if (value.length > LIMITS[rule])
    out.push({
      type: "FieldValueInvalid",
      field,
      badValue: goValue(value),
      detail: `must be no more than ${LIMITS[rule]} characters`,
    });
  const shapeOnly = CHECKS[rule](value.slice(0, LIMITS[rule]));
  if (shapeOnly || value.length <= LIMITS[rule])
    out.push({ type: "FieldValueInvalid", field, badValue: goValue(value), detail: RULE_TEXT[rule] });
  return out;
}

/** Label map errors (metadata.labels, matchLabels): the field is the map, the bad value the key or value. */
export function labelErrors(field: string, labels: Record<string, string> | undefined): FieldError[] {
  const out: FieldError[] = [];
  for (const [key, value] of Object.entries(labels ?? {})) {
    if (checkLabelKey(key))
      out.push({ type: "FieldValueInvalid", field, badValue: goValue(key), detail: LABEL_KEY_TEXT });
    if (checkLabelValue(value))
      out.push({ type: "FieldValueInvalid", field, badValue: goValue(value), detail: LABEL_VALUE_TEXT });
  }
  return out;
}

export function metadataErrors(obj: KubeObject, rule: NameRule): FieldError[] {
  const m = obj.metadata;
  const out: FieldError[] = [];
  if (!m.name && !m.generateName)
    out.push({
      type: "FieldValueRequired",
      field: "metadata.name",
      detail: "name or generateName is required",
    });
  if (m.name) out.push(...nameErrors("metadata.name", m.name, rule));
  out.push(...labelErrors("metadata.labels", m.labels));
  for (const key of Object.keys(m.annotations ?? {}))
    if (checkLabelKey(key))
      out.push({
        type: "FieldValueInvalid",
        field: "metadata.annotations",
        badValue: goValue(key),
        detail: LABEL_KEY_TEXT,
      });
  return out;
}

function goType(value: unknown): string {
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number") return "number";
  if (typeof value === "string") return "string";
  if (Array.isArray(value)) return "array";
  return "object";
}

/** The 400 a Go decoder gives for a JSON value of the wrong type. */
export function decodeError(
  kind: string,
  version: string,
  goField: string,
  value: unknown,
  expected: string,
): ApiError {
  return new ApiError(
    400,
    "BadRequest",
    `${kind} in version "${version}" cannot be handled as a ${kind}: json: cannot unmarshal ${goType(value)} into Go struct field ${goField} of type ${expected}`,
  );
}

/** Type checks on metadata every kind shares (labels and annotations are map[string]string). */
export function decodeMetadata(obj: KubeObject, version: string): void {
  const m = obj.metadata as unknown as Record<string, unknown>;
  if (typeof m !== "object" || m === null || Array.isArray(m))
    throw decodeError(obj.kind, version, `${obj.kind}.metadata`, m, "v1.ObjectMeta");
  for (const field of ["name", "namespace", "generateName", "resourceVersion"]) {
    const v = m[field];
    if (v !== undefined && v !== null && typeof v !== "string")
      throw decodeError(obj.kind, version, `ObjectMeta.metadata.${field}`, v, "string");
  }
  for (const field of ["labels", "annotations"]) {
    const map = m[field];
    if (map === undefined || map === null) continue;
    if (typeof map !== "object" || Array.isArray(map))
      throw decodeError(obj.kind, version, `ObjectMeta.metadata.${field}`, map, "map[string]string");
    for (const v of Object.values(map))
      if (typeof v !== "string")
        throw decodeError(obj.kind, version, `ObjectMeta.metadata.${field}`, v, "string");
  }
}
