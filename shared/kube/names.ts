// Kubernetes object-name and label rules, as apimachinery's validation package states them.
// Shared by the ClusterSpec validator, the NetworkPolicy engine and the Kubernetes emulator.

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/**
 * The same rules as JSON Schema facts, for the API's published schema (shared/api/openapi.ts). Each
 * pattern is the rule's own regular expression, so a client that checks it refuses nothing the API
 * accepts; the checks below stay the authority (they also give the codes and messages).
 */
export const NAME_FORMATS = {
  dns1123Label: { pattern: DNS1123_LABEL.source, maxLength: 63 },
  dns1035Label: { pattern: DNS1035_LABEL.source, maxLength: 63 },
  dns1123Subdomain: { pattern: DNS1123_SUBDOMAIN.source, maxLength: 253 },
  labelValue: { pattern: LABEL_VALUE.source, maxLength: 63 },
  /** A key is an optional DNS-1123 subdomain prefix and '/', then a qualified name (at most 63). */
  labelKey: {
    pattern: `^(${DNS1123_SUBDOMAIN.source.slice(1, -1)}/)?${QUALIFIED_NAME.source.slice(1)}`,
    maxLength: 253 + 1 + 63,
  },
  portName: { pattern: IANA_SVC_NAME.source, maxLength: 15 },
} as const;

/** A failed rule: a stable code and a message a person can act on. Undefined means valid. */
export interface NameProblem {
  code: string;
  message: string;
}

export function checkDns1123Label(value: string): NameProblem | undefined {
  if (value.length > 63)
    return { code: "InvalidName", message: `"${value}" must be no more than 63 characters` };
  if (!DNS1123_LABEL.test(value))
    return {
      code: "InvalidName",
      message: `"${value}" must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit`,
    };
  return undefined;
}

export function checkDns1035Label(value: string): NameProblem | undefined {
  if (value.length > 63)
    return { code: "InvalidName", message: `"${value}" must be no more than 63 characters` };
  if (!DNS1035_LABEL.test(value))
    return {
      code: "InvalidName",
      message: `"${value}" must be a DNS-1035 label: lowercase letters, digits and '-', starting with a letter and ending with a letter or digit`,
    };
  return undefined;
}

export function checkDns1123Subdomain(value: string): NameProblem | undefined {
  if (value.length > 253)
    return { code: "InvalidName", message: `"${value}" must be no more than 253 characters` };
  if (!DNS1123_SUBDOMAIN.test(value))
    return {
      code: "InvalidName",
      message: `"${value}" must be a DNS-1123 subdomain: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit`,
    };
  return undefined;
}

/** A label (or annotation) key: optional DNS-subdomain prefix, '/', then a qualified name of at most 63 characters. */
export function checkLabelKey(key: string): NameProblem | undefined {
  const slash = key.indexOf("/");
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined) {
    if (prefix.length === 0 || checkDns1123Subdomain(prefix))
      return {
        code: "InvalidLabelKey",
        message: `label key "${key}" has an invalid prefix: it must be a DNS-1123 subdomain`,
      };
  }
  if (name.length === 0 || name.length > 63 || !QUALIFIED_NAME.test(name))
    return {
      code: "InvalidLabelKey",
      message: `label key "${key}" is invalid: the name part must be 1-63 characters of letters, digits, '-', '_' and '.', starting and ending with a letter or digit`,
    };
  return undefined;
}

export function checkLabelValue(value: string): NameProblem | undefined {
  if (value.length > 63 || !LABEL_VALUE.test(value))
    return {
      code: "InvalidLabelValue",
      message: `label value "${value}" is invalid: it must be empty or 1-63 characters of letters, digits, '-', '_' and '.', starting and ending with a letter or digit`,
    };
  return undefined;
}

/** A port name (IANA_SVC_NAME): at most 15 characters of [a-z0-9-], at least one letter, no "--". */
export function checkPortName(value: string): NameProblem | undefined {
  const ok = value.length <= 15 && IANA_SVC_NAME.test(value) && /[a-z]/.test(value) && !value.includes("--");
  return ok
    ? undefined
    : {
        code: "InvalidPortName",
        message: `port name "${value}" must be an IANA service name: at most 15 characters of lowercase letters, digits and '-', with at least one letter, no '--', not starting or ending with '-'`,
      };
}
