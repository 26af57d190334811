// The ClusterSpec request document: structure, per-field rules and defaults (zod 4).
// Cross-field rules (address planning, references) live in rules/*.ts; normalise.ts derives the rest.
import { z } from "zod";
import { checkDns1035Label, checkDns1123Label, checkDns1123Subdomain } from "../kube/names.js";
import {
  ContainerPortSchema,
  LabelMapSchema,
  NetworkPolicySpecSchema,
  PolicyTypeSchema,
} from "../netpol/policy-schema.js";
import { addProblem, nameRule } from "../validation/problems.js";
import { LIMITS, SPEC_DEFAULTS } from "./defaults.js";
import { AZURE_REGIONS, normaliseRegion } from "./regions.js";
import { tagsRule } from "./rules/tags.js";

/** A string refined by a regular expression with our own code and message. */
function patterned(re: RegExp, code: string, what: string) {
  return z.string().superRefine((value, ctx) => {
    if (!re.test(value)) addProblem(ctx, code, `"${value}" is not a valid ${what}`);
  });
}

// AKS: 1-63 characters, letters, digits, '-' and '_', starting and ending with a letter or digit.
export const ClusterNameSchema = patterned(
  /^[A-Za-z0-9](?:[-_A-Za-z0-9]{0,61}[A-Za-z0-9])?$/,
  "InvalidClusterName",
  "cluster name: use 1-63 letters, digits, '-' or '_', starting and ending with a letter or digit",
);

// ARM: 1-90 characters, letters, digits, '_', '-', '.', '(' and ')', not ending in '.'.
export const ResourceGroupNameSchema = patterned(
  /^[-\p{L}\p{N}_.()]{0,89}[-\p{L}\p{N}_()]$/u,
  "InvalidResourceGroupName",
  "resource group name: use 1-90 letters, digits, '_', '-', '.', '(' or ')', not ending in '.'",
);

// Microsoft.Network names: 1-80 characters, starting with a letter or digit, ending with a letter, digit or '_'.
const NetworkResourceNameSchema = patterned(
  /^[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,78}[A-Za-z0-9_])?$/,
  "InvalidNetworkResourceName",
  "network resource name: use 1-80 letters, digits, '-', '_' or '.', starting with a letter or digit and ending with a letter, digit or '_'",
);

export const LocationSchema = z.string().superRefine((value, ctx) => {
  if (!AZURE_REGIONS.includes(normaliseRegion(value)))
    addProblem(
      ctx,
      "UnknownLocation",
      `"${value}" is not a known Azure region (for example "eastus", "westeurope")`,
    );
});

const SubscriptionIdSchema = patterned(
  /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
  "InvalidSubscriptionId",
  "subscription id: expected a GUID",
);

const CountSchema = z
  .number()
  .int()
  .superRefine((n, ctx) => {
    if (n < LIMITS.nodeCountMin || n > LIMITS.nodeCountMax)
      addProblem(
        ctx,
        "NodeCountOutOfRange",
        `node count ${n} must be between ${LIMITS.nodeCountMin} and ${LIMITS.nodeCountMax}`,
      );
  });

export const NodePoolSchema = z
  .strictObject({
    // AKS agent pool names: 1-12 lowercase letters and digits, starting with a letter.
    name: patterned(
      /^[a-z][a-z0-9]{0,11}$/,
      "InvalidNodePoolName",
      "node pool name: use 1-12 lowercase letters and digits, starting with a letter",
    ).default(SPEC_DEFAULTS.nodePool.name),
    vmSize: patterned(
      /^Standard_[A-Za-z0-9]+(?:_[A-Za-z0-9]+)*$/,
      "InvalidVmSize",
      'VM size (for example "Standard_D2s_v5")',
    ).default(SPEC_DEFAULTS.nodePool.vmSize),
    count: CountSchema.default(SPEC_DEFAULTS.nodePool.count),
  })
  .prefault({});

export const NetworkSchema = z
  .strictObject({
    pluginMode: z.enum(["overlay", "nodeSubnet"]).default(SPEC_DEFAULTS.network.pluginMode),
    policy: z.enum(["cilium", "calico", "azure"]).default(SPEC_DEFAULTS.network.policy),
    /** Derived from policy when absent: cilium → cilium, otherwise azure. */
    dataplane: z.enum(["cilium", "azure"]).optional(),
    vnetName: NetworkResourceNameSchema.optional(),
    subnetName: NetworkResourceNameSchema.optional(),
    vnetAddressSpace: z.string().optional(),
    subnetPrefix: z.string().optional(),
    serviceCidr: z.string().optional(),
    dnsServiceIp: z.string().optional(),
    podCidr: z.string().optional(),
  })
  .prefault({});

export const PortSchema = ContainerPortSchema;

export const WorkloadSchema = z.strictObject({
  // A workload's name is also its Service's name, so it must be a DNS-1035 label.
  name: z.string().superRefine(nameRule(checkDns1035Label)),
  image: patterned(
    /^(?=.{1,1024}$)[a-z0-9]+(?:[._-][a-z0-9]+)*(?::\d+)?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/,
    "InvalidImage",
    'container image reference (for example "nginx", "nginx:1.27" or "myregistry.azurecr.io/app@sha256:…")',
  ),
  /** Defaults to { app: <name> }. */
  labels: LabelMapSchema.optional(),
  ports: z.array(PortSchema).default([]),
  expose: z.boolean().default(false),
  replicas: z
    .number()
    .int()
    .superRefine((n, ctx) => {
      if (n < 1 || n > 50) addProblem(ctx, "ReplicasOutOfRange", `replicas ${n} must be between 1 and 50`);
    })
    .default(1),
});

export const NamedPolicySchema = z.strictObject({
  name: z.string().superRefine(nameRule(checkDns1123Subdomain)),
  spec: NetworkPolicySpecSchema,
});

export const ExpectationSchema = z.strictObject({
  from: z.strictObject({
    /** Namespace the probe pod runs in; defaults to the namespace that declares the expectation. */
    namespace: z.string().optional(),
    labels: LabelMapSchema.default({}),
  }),
  to: z.strictObject({
    service: z.string(),
    /** Defaults to the namespace that declares the expectation. */
    namespace: z.string().optional(),
    port: z.union([z.number().int(), z.string()]),
  }),
  allowed: z.boolean(),
});

export const NamespaceSchema = z.strictObject({
  name: z.string().superRefine(nameRule(checkDns1123Label)),
  labels: LabelMapSchema.default({}),
  /** Directions for which a default-deny policy (empty podSelector) is created before anything else. */
  defaultDeny: z.array(PolicyTypeSchema).default([]),
  workloads: z.array(WorkloadSchema).max(LIMITS.workloadsPerNamespace).default([]),
  networkPolicies: z.array(NamedPolicySchema).max(LIMITS.policiesPerNamespace).default([]),
  expectations: z.array(ExpectationSchema).max(LIMITS.expectationsPerNamespace).default([]),
});

export const TagsSchema = z.record(z.string(), z.string()).superRefine(tagsRule).default({});

export const ClusterSpecSchema = z.strictObject({
  name: ClusterNameSchema,
  team: z.string().superRefine(nameRule(checkDns1123Label)),
  subscriptionId: SubscriptionIdSchema.optional(),
  location: LocationSchema.default(SPEC_DEFAULTS.location),
  /** Defaults to "rg-<name>". */
  resourceGroup: ResourceGroupNameSchema.optional(),
  kubernetesVersion: patterned(
    /^\d+\.\d+(?:\.\d+)?$/,
    "InvalidKubernetesVersion",
    'Kubernetes version (for example "1.33")',
  ).optional(),
  nodePool: NodePoolSchema,
  network: NetworkSchema,
  namespaces: z.array(NamespaceSchema).max(LIMITS.namespaces).default([]),
  tags: TagsSchema,
  onFailure: z.enum(["keep", "rollback"]).default(SPEC_DEFAULTS.onFailure),
});

/** The document as a caller may send it. */
export type ClusterSpecInput = z.input<typeof ClusterSpecSchema>;
/** The document after structural parsing (defaults applied, not yet normalised). */
export type ParsedClusterSpec = z.output<typeof ClusterSpecSchema>;
export type NamespaceSpec = z.output<typeof NamespaceSchema>;
export type WorkloadSpec = z.output<typeof WorkloadSchema>;
export type ExpectationSpec = z.output<typeof ExpectationSchema>;
export type NamedPolicy = z.output<typeof NamedPolicySchema>;
export type ParsedNetwork = z.output<typeof NetworkSchema>;

/** The network section after normalisation: every address decided. */
export interface NetworkPlan {
  pluginMode: "overlay" | "nodeSubnet";
  policy: "cilium" | "calico" | "azure";
  dataplane: "cilium" | "azure";
  vnetName: string;
  subnetName: string;
  vnetAddressSpace: string;
  subnetPrefix: string;
  serviceCidr: string;
  dnsServiceIp: string;
  /** Present in overlay mode only. */
  podCidr?: string;
}

/** A validated, normalised ClusterSpec: what the orchestration consumes. */
export interface ClusterSpec extends Omit<ParsedClusterSpec, "network" | "resourceGroup" | "namespaces"> {
  resourceGroup: string;
  network: NetworkPlan;
  namespaces: (Omit<NamespaceSpec, "workloads"> & {
    workloads: (WorkloadSpec & { labels: Record<string, string> })[];
  })[];
}
