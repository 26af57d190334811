// Validation of the engine's input as the API server would see it: namespaces, pods and whole
// NetworkPolicy objects (metadata.name a DNS subdomain, spec validated and defaulted by
// policy-schema.ts), plus the references between them.
import { z } from "zod";
import { checkDns1123Label, checkDns1123Subdomain } from "../kube/names.js";
import { parseIPv4 } from "../network/cidr.js";
import { addProblem, collectKeys, nameRule, problemsFromZod, type Problem } from "../validation/problems.js";
import {
  ContainerPortSchema,
  defaultNetworkPolicySpec,
  LabelMapSchema,
  NetworkPolicySpecSchema,
  type LabelSelector,
  type NetworkPolicySpecInput,
  type PolicyType,
} from "./policy-schema.js";
import type { Protocol } from "./types.js";

export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

export const NamespaceInputSchema = z.strictObject({
  name: z.string().superRefine(nameRule(checkDns1123Label)),
  labels: LabelMapSchema.default({}),
});

export const PodInputSchema = z
  .strictObject({
    namespace: z.string().superRefine(nameRule(checkDns1123Label)),
    name: z.string().superRefine(nameRule(checkDns1123Subdomain)),
    labels: LabelMapSchema.default({}),
    ip: z
      .string()
      .superRefine((ip, ctx) => {
        if (parseIPv4(ip) === undefined)
          addProblem(ctx, "InvalidIpAddress", `"${ip}" is not an IPv4 address`);
      })
      .optional(),
    ports: z.array(ContainerPortSchema).default([]),
  })
  .superRefine((pod, ctx) => {
    const seen = new Set<string>();
    pod.ports.forEach((p, i) => {
      if (p.name === undefined) return;
      if (seen.has(p.name))
        addProblem(ctx, "DuplicatePortName", `port name "${p.name}" is used more than once in the pod`, [
          "ports",
          i,
          "name",
        ]);
      seen.add(p.name);
    });
  });

export const NetworkPolicyObjectSchema = z.strictObject({
  apiVersion: z.literal("networking.k8s.io/v1").optional(),
  kind: z.literal("NetworkPolicy").optional(),
  // Stored objects carry more metadata (uid, labels, …): the engine needs only these two.
  metadata: z.object({
    name: z.string().superRefine(nameRule(checkDns1123Subdomain)),
    namespace: z.string().superRefine(nameRule(checkDns1123Label)),
  }),
  spec: NetworkPolicySpecSchema,
});

export interface ValidNamespace {
  name: string;
  labels: Record<string, string>;
}

export interface ValidPod {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  ip?: string;
  ports: { name?: string; port: number; protocol: Protocol }[];
}

/** A NetworkPolicy after validation and the API server's defaulting. */
export interface ValidNetworkPolicy {
  name: string;
  namespace: string;
  spec: NetworkPolicySpecInput & { podSelector: LabelSelector; policyTypes: PolicyType[] };
}

export type Validated<T> = { ok: true; value: T } | { ok: false; problems: Problem[] };

const POLICY_KEYS = collectKeys(NetworkPolicyObjectSchema);
const POD_KEYS = collectKeys(PodInputSchema);

function prefixed(prefix: string, problems: Problem[]): Problem[] {
  if (!prefix) return problems;
  return problems.map((p) => ({
    ...p,
    path: p.path ? (p.path.startsWith("[") ? `${prefix}${p.path}` : `${prefix}.${p.path}`) : prefix,
  }));
}

/**
 * Validates and defaults one NetworkPolicy object as the API server does on create (what the
 * Kubernetes emulator answers with 422). `at` prefixes the problem paths.
 */
export function validateNetworkPolicyObject(input: unknown, at = ""): Validated<ValidNetworkPolicy> {
  const parsed = NetworkPolicyObjectSchema.safeParse(input);
  if (!parsed.success)
    return { ok: false, problems: prefixed(at, problemsFromZod(parsed.error.issues, POLICY_KEYS)) };
  const { metadata, spec } = parsed.data;
  return {
    ok: true,
    value: { name: metadata.name, namespace: metadata.namespace, spec: defaultNetworkPolicySpec(spec) },
  };
}

/** Validates one pod (ports defaulted to TCP). */
export function validatePod(input: unknown, at = ""): Validated<ValidPod> {
  const parsed = PodInputSchema.safeParse(input);
  if (!parsed.success)
    return { ok: false, problems: prefixed(at, problemsFromZod(parsed.error.issues, POD_KEYS)) };
  return { ok: true, value: parsed.data };
}

export interface ClusterInput {
  namespaces: unknown[];
  pods: unknown[];
  policies: unknown[];
}

export interface ValidClusterInput {
  namespaces: ValidNamespace[];
  pods: ValidPod[];
  policies: ValidNetworkPolicy[];
}

/**
 * Validates a whole cluster: every object on its own, then the references (namespaces exist,
 * names and pod IPs unique). Namespaces get `kubernetes.io/metadata.name=<name>`, which the API
 * server sets and clients cannot change.
 */
export function validateClusterInput(input: ClusterInput): Validated<ValidClusterInput> {
  const problems: Problem[] = [];
  const namespaces: ValidNamespace[] = [];
  const nsNames = new Set<string>();
  input.namespaces.forEach((raw, i) => {
    const parsed = NamespaceInputSchema.safeParse(raw);
    if (!parsed.success) {
      problems.push(...prefixed(`namespaces[${i}]`, problemsFromZod(parsed.error.issues)));
      return;
    }
    const { name, labels } = parsed.data;
    if (nsNames.has(name))
      problems.push({
        path: `namespaces[${i}].name`,
        code: "DuplicateName",
        message: `namespace "${name}" is declared more than once`,
      });
    nsNames.add(name);
    namespaces.push({ name, labels: { ...labels, [NAMESPACE_NAME_LABEL]: name } });
  });

  /** Each object's namespace must be declared and its namespace/name unique within its kind. */
  const referenceChecker = (kind: string, namespacePath: string, namePath: string) => {
    const seen = new Set<string>();
    return (at: string, namespace: string, name: string): string => {
      const key = `${namespace}/${name}`;
      if (!nsNames.has(namespace))
        problems.push({
          path: `${at}.${namespacePath}`,
          code: "UnknownNamespace",
          message: `namespace "${namespace}" is not declared`,
        });
      if (seen.has(key))
        problems.push({
          path: `${at}.${namePath}`,
          code: "DuplicateName",
          message: `${kind} "${key}" is declared more than once`,
        });
      seen.add(key);
      return key;
    };
  };

  const pods: ValidPod[] = [];
  const checkPod = referenceChecker("pod", "namespace", "name");
  const podIps = new Map<string, string>();
  input.pods.forEach((raw, i) => {
    const at = `pods[${i}]`;
    const result = validatePod(raw, at);
    if (!result.ok) {
      problems.push(...result.problems);
      return;
    }
    const pod = result.value;
    const key = checkPod(at, pod.namespace, pod.name);
    if (pod.ip !== undefined) {
      const other = podIps.get(pod.ip);
      if (other !== undefined)
        problems.push({
          path: `${at}.ip`,
          code: "DuplicatePodIp",
          message: `IP ${pod.ip} is already the IP of pod "${other}"`,
        });
      else podIps.set(pod.ip, key);
    }
    pods.push(pod);
  });

  const policies: ValidNetworkPolicy[] = [];
  const checkPolicy = referenceChecker("policy", "metadata.namespace", "metadata.name");
  input.policies.forEach((raw, i) => {
    const at = `policies[${i}]`;
    const result = validateNetworkPolicyObject(raw, at);
    if (!result.ok) {
      problems.push(...result.problems);
      return;
    }
    checkPolicy(at, result.value.namespace, result.value.name);
    policies.push(result.value);
  });

  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: { namespaces, pods, policies } };
}
