// NetworkPolicySpec (networking.k8s.io/v1) as the API server validates and defaults it.
// Used by the ClusterSpec validator, the NetworkPolicy engine and the Kubernetes emulator.
import { z } from "zod";
import { checkLabelKey, checkLabelValue, checkPortName, NAME_FORMATS } from "../kube/names.js";
import { contains, parseCidr } from "../network/cidr.js";
import { addProblem, labelsRule, nameRule } from "../validation/problems.js";

// `.meta()` holds what the API's OpenAPI document publishes of a field (the rules as JSON Schema facts).
export const LabelMapSchema = z
  .record(z.string(), z.string())
  .superRefine(labelsRule)
  .meta({
    description: "Kubernetes labels",
    examples: [{ app: "webapp", role: "frontend" }],
    propertyNames: NAME_FORMATS.labelKey,
    additionalProperties: { type: "string", ...NAME_FORMATS.labelValue },
  });

export const LabelSelectorRequirementSchema = z
  .strictObject({
    key: z.string(),
    operator: z.enum(["In", "NotIn", "Exists", "DoesNotExist"]),
    values: z.array(z.string()).optional(),
  })
  .superRefine((req, ctx) => {
    const values = req.values ?? [];
    if ((req.operator === "In" || req.operator === "NotIn") && values.length === 0)
      addProblem(ctx, "SelectorValuesRequired", `operator ${req.operator} needs at least one value`, [
        "values",
      ]);
    if ((req.operator === "Exists" || req.operator === "DoesNotExist") && values.length > 0)
      addProblem(ctx, "SelectorValuesNotAllowed", `operator ${req.operator} must not have values`, [
        "values",
      ]);
    const keyProblem = checkLabelKey(req.key);
    if (keyProblem) addProblem(ctx, keyProblem.code, keyProblem.message, ["key"]);
    for (const [i, value] of values.entries()) {
      const problem = checkLabelValue(value);
      if (problem) addProblem(ctx, problem.code, problem.message, ["values", i]);
    }
  });

export const LabelSelectorSchema = z.strictObject({
  matchLabels: LabelMapSchema.optional(),
  matchExpressions: z.array(LabelSelectorRequirementSchema).optional(),
});

export const IPBlockSchema = z
  .strictObject({ cidr: z.string(), except: z.array(z.string()).optional() })
  .superRefine((block, ctx) => {
    const outer = parseCidr(block.cidr);
    if (!outer.ok) {
      addProblem(ctx, "InvalidCidr", `"${block.cidr}" is not a valid IPv4 CIDR`, ["cidr"]);
      return;
    }
    for (const [i, text] of (block.except ?? []).entries()) {
      const inner = parseCidr(text);
      if (!inner.ok) addProblem(ctx, "InvalidCidr", `"${text}" is not a valid IPv4 CIDR`, ["except", i]);
      else if (!contains(outer.cidr, inner.cidr) || inner.cidr.prefix <= outer.cidr.prefix)
        addProblem(
          ctx,
          "IpBlockExceptNotStrictSubset",
          `except "${text}" must be a strict subset of cidr "${block.cidr}"`,
          ["except", i],
        );
    }
  });

export const NetworkPolicyPeerSchema = z
  .strictObject({
    podSelector: LabelSelectorSchema.optional(),
    namespaceSelector: LabelSelectorSchema.optional(),
    ipBlock: IPBlockSchema.optional(),
  })
  .superRefine((peer, ctx) => {
    const selectors = Number(peer.podSelector !== undefined) + Number(peer.namespaceSelector !== undefined);
    if (peer.ipBlock !== undefined && selectors > 0)
      addProblem(
        ctx,
        "PeerTypeConflict",
        "may not specify more than 1 peer type: ipBlock cannot be combined with podSelector or namespaceSelector",
      );
    if (peer.ipBlock === undefined && selectors === 0)
      addProblem(ctx, "PeerRequired", "must specify a peer: podSelector, namespaceSelector or ipBlock");
  });

/** A port number's range, as the published schema states it. */
export const PORT_RANGE = { minimum: 1, maximum: 65535 } as const;

/** A port number, 1-65535. */
export const PortNumberSchema = z
  .number()
  .int()
  .superRefine((n, ctx) => {
    if (n < 1 || n > 65535) addProblem(ctx, "PortOutOfRange", `port ${n} must be between 1 and 65535`);
  })
  .meta(PORT_RANGE);

/** A container port as a pod (or a ClusterSpec workload) declares it; protocol defaults to TCP. */
export const ContainerPortSchema = z.strictObject({
  name: z.string().superRefine(nameRule(checkPortName)).meta(NAME_FORMATS.portName).optional(),
  port: PortNumberSchema,
  protocol: z.enum(["TCP", "UDP", "SCTP"]).default("TCP"),
});

export const NetworkPolicyPortSchema = z
  .strictObject({
    protocol: z.enum(["TCP", "UDP", "SCTP"]).optional(),
    // Checked by the refinement below (PortOutOfRange, port names); published as their range.
    port: z.union([z.number().int().meta(PORT_RANGE), z.string().meta(NAME_FORMATS.portName)]).optional(),
    endPort: z.number().int().meta(PORT_RANGE).optional(),
  })
  .superRefine((p, ctx) => {
    if (typeof p.port === "number" && (p.port < 1 || p.port > 65535))
      addProblem(ctx, "PortOutOfRange", `port ${p.port} must be between 1 and 65535`, ["port"]);
    if (typeof p.port === "string") {
      const problem = checkPortName(p.port);
      if (problem) addProblem(ctx, problem.code, problem.message, ["port"]);
    }
    if (p.endPort !== undefined) {
      if (typeof p.port !== "number")
        addProblem(ctx, "EndPortWithoutNumericPort", "endPort may only be set together with a numeric port", [
          "endPort",
        ]);
      else if (p.endPort < p.port)
        addProblem(
          ctx,
          "EndPortLessThanPort",
          `endPort ${p.endPort} must be greater than or equal to port ${p.port}`,
          ["endPort"],
        );
      else if (p.endPort > 65535)
        addProblem(ctx, "PortOutOfRange", `endPort ${p.endPort} must be between 1 and 65535`, ["endPort"]);
    }
  });

export const NetworkPolicyIngressRuleSchema = z.strictObject({
  ports: z.array(NetworkPolicyPortSchema).optional(),
  from: z.array(NetworkPolicyPeerSchema).optional(),
});

export const NetworkPolicyEgressRuleSchema = z.strictObject({
  ports: z.array(NetworkPolicyPortSchema).optional(),
  to: z.array(NetworkPolicyPeerSchema).optional(),
});

export const PolicyTypeSchema = z.enum(["Ingress", "Egress"]);

export const NetworkPolicySpecSchema = z
  .strictObject({
    podSelector: LabelSelectorSchema.optional(),
    ingress: z.array(NetworkPolicyIngressRuleSchema).optional(),
    egress: z.array(NetworkPolicyEgressRuleSchema).optional(),
    policyTypes: z.array(PolicyTypeSchema).optional(),
  })
  .superRefine((spec, ctx) => {
    const types = spec.policyTypes ?? [];
    if (types.length > 2)
      addProblem(ctx, "TooManyPolicyTypes", "policyTypes may have at most 2 entries", ["policyTypes"]);
    else if (new Set(types).size !== types.length)
      addProblem(ctx, "DuplicatePolicyType", "policyTypes must not repeat an entry", ["policyTypes"]);
  });

export type LabelSelector = z.infer<typeof LabelSelectorSchema>;
export type NetworkPolicyPeer = z.infer<typeof NetworkPolicyPeerSchema>;
export type NetworkPolicyPort = z.infer<typeof NetworkPolicyPortSchema>;
export type NetworkPolicySpecInput = z.infer<typeof NetworkPolicySpecSchema>;
export type PolicyType = z.infer<typeof PolicyTypeSchema>;

/**
 * The API server's defaulting (SetDefaults_NetworkPolicy): policyTypes is ["Ingress"] plus "Egress"
 * when egress rules exist, unless given; each port's protocol defaults to TCP; podSelector to {}.
 * Rules keep `ports`/`from`/`to` absent when absent (absent and empty differ: absent = all).
 */
export function defaultNetworkPolicySpec(spec: NetworkPolicySpecInput): NetworkPolicySpecInput & {
  podSelector: LabelSelector;
  policyTypes: PolicyType[];
} {
  const withProtocol = (ports: NetworkPolicyPort[] | undefined) =>
    ports?.map((p) => ({ ...p, protocol: p.protocol ?? "TCP" }));
  const policyTypes: PolicyType[] =
    spec.policyTypes && spec.policyTypes.length > 0
      ? spec.policyTypes
      : (spec.egress?.length ?? 0) > 0
        ? ["Ingress", "Egress"]
        : ["Ingress"];
  return {
    podSelector: spec.podSelector ?? {},
    ...(spec.ingress
      ? { ingress: spec.ingress.map((r) => ({ ...r, ...(r.ports ? { ports: withProtocol(r.ports) } : {}) })) }
      : {}),
    ...(spec.egress
      ? { egress: spec.egress.map((r) => ({ ...r, ...(r.ports ? { ports: withProtocol(r.ports) } : {}) })) }
      : {}),
    policyTypes,
  };
}
