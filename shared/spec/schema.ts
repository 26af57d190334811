// The ClusterSpec request document: structure, per-field rules and defaults (zod 4).
// Cross-field rules (address planning, references) live in rules/*.ts; normalise.ts derives the rest.
// `.meta()` carries what the published OpenAPI document says of a field (description, examples, and
// the limits a refinement checks as JSON Schema facts: pattern, minimum, maximum), so the document
// is generated from these schemas (shared/api/openapi.ts) and cannot tell another story.
import { z } from "zod";
import { checkDns1035Label, checkDns1123Label, checkDns1123Subdomain, NAME_FORMATS } from "../kube/names.js";
import {
  ContainerPortSchema,
  LabelMapSchema,
  NetworkPolicySpecSchema,
  PolicyTypeSchema,
  PORT_RANGE,
} from "../netpol/policy-schema.js";
import { addProblem, nameRule } from "../validation/problems.js";
import { LIMITS, SPEC_DEFAULTS } from "./defaults.js";
import {
  AddonProfilesSchema,
  ApiServerAccessProfileSchema,
  AutoUpgradeProfileSchema,
  MaintenanceWindowSchema,
  MonitoringSchema,
  OidcIssuerProfileSchema,
  PodSecurityStandardSchema,
  SecurityProfileSchema,
  SkuSchema,
  type ParsedPodSecurityStandard,
} from "./cluster-options.js";
import { boundedInt, patterned } from "./fields.js";
import { NodePoolSchema, UserNodePoolSchema, type NodePoolPlan } from "./node-pools.js";
import { AZURE_REGIONS, normaliseRegion } from "./regions.js";
import { tagsRule } from "./rules/tags.js";
import { AadProfileSchema, DisableLocalAccountsSchema } from "./entra.js";
import { AccessSchema } from "./access.js";

// AKS: 1-63 characters, letters, digits, '-' and '_', starting and ending with a letter or digit.
export const ClusterNameSchema = patterned(
  /^[A-Za-z0-9](?:[-_A-Za-z0-9]{0,61}[A-Za-z0-9])?$/,
  "InvalidClusterName",
  "cluster name: use 1-63 letters, digits, '-' or '_', starting and ending with a letter or digit",
).meta({
  description: "The AKS cluster's name, unique across the API (the URL of its status is /clusters/{name})",
  examples: ["tipsAndTricksAKSCluster"],
});

// ARM: 1-90 characters, letters, digits, '_', '-', '.', '(' and ')', not ending in '.'.
export const ResourceGroupNameSchema = patterned(
  /^[-\p{L}\p{N}_.()]{0,89}[-\p{L}\p{N}_()]$/u,
  "InvalidResourceGroupName",
  "resource group name: use 1-90 letters, digits, '_', '-', '.', '(' or ')', not ending in '.'",
).meta({ examples: ["akstips"] });

// Microsoft.Network names: 1-80 characters, starting with a letter or digit, ending with a letter, digit or '_'.
const NetworkResourceNameSchema = patterned(
  /^[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,78}[A-Za-z0-9_])?$/,
  "InvalidNetworkResourceName",
  "network resource name: use 1-80 letters, digits, '-', '_' or '.', starting with a letter or digit and ending with a letter, digit or '_'",
);

export const LocationSchema = z
  .string()
  .superRefine((value, ctx) => {
    if (!AZURE_REGIONS.includes(normaliseRegion(value)))
      addProblem(
        ctx,
        "UnknownLocation",
        `"${value}" is not a known Azure region (for example "eastus", "westeurope")`,
      );
  })
  .meta({
    description: `An Azure region by name ("eastus") or display name ("East US"); the deployment's default when absent`,
    examples: ["eastus", "westeurope"],
  });

const SubscriptionIdSchema = patterned(
  /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
  "InvalidSubscriptionId",
  "subscription id: expected a GUID",
);

export { NodePoolSchema, UserNodePoolSchema, type NodePoolPlan };

export const NetworkSchema = z
  .strictObject({
    pluginMode: z.enum(["overlay", "nodeSubnet"]).default(SPEC_DEFAULTS.network.pluginMode),
    policy: z.enum(["cilium", "calico", "azure"]).default(SPEC_DEFAULTS.network.policy),
    dataplane: z
      .enum(["cilium", "azure"])
      .optional()
      .meta({ description: "Derived from policy when absent: cilium → cilium, otherwise azure" }),
    vnetName: NetworkResourceNameSchema.optional(),
    subnetName: NetworkResourceNameSchema.optional(),
    vnetAddressSpace: z
      .string()
      .optional()
      .meta({ description: "IPv4 CIDR of the VNet", examples: [SPEC_DEFAULTS.network.vnetAddressSpace] }),
    subnetPrefix: z
      .string()
      .optional()
      .meta({
        description: "IPv4 CIDR of the node subnet, inside vnetAddressSpace",
        examples: [SPEC_DEFAULTS.network.subnetPrefix],
      }),
    serviceCidr: z
      .string()
      .optional()
      .meta({
        description: `IPv4 CIDR of Kubernetes services, outside the VNet, at most /${LIMITS.serviceCidrMaxSize} wide`,
        examples: [SPEC_DEFAULTS.network.serviceCidr],
      }),
    dnsServiceIp: z
      .string()
      .optional()
      .meta({
        description: `IPv4 address of the cluster DNS service inside serviceCidr (default: its .${SPEC_DEFAULTS.dnsServiceIpOffset})`,
        examples: ["10.0.0.10"],
      }),
    podCidr: z
      .string()
      .optional()
      .meta({
        description: "IPv4 CIDR of pods (overlay mode only)",
        examples: [SPEC_DEFAULTS.network.podCidr],
      }),
  })
  .prefault({})
  .meta({ description: "Azure CNI networking; every address left out is planned so that nothing overlaps" });

export const PortSchema = ContainerPortSchema;

export const WorkloadSchema = z.strictObject({
  // A workload's name is also its Service's name, so it must be a DNS-1035 label.
  name: z
    .string()
    .superRefine(nameRule(checkDns1035Label))
    .meta({ ...NAME_FORMATS.dns1035Label, description: "Also the name of its Service" }),
  image: patterned(
    /^(?=.{1,1024}$)[a-z0-9]+(?:[._-][a-z0-9]+)*(?::\d+)?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/,
    "InvalidImage",
    'container image reference (for example "nginx", "nginx:1.27" or "myregistry.azurecr.io/app@sha256:…")',
  ).meta({ examples: ["nginx", "nginx:1.27"] }),
  labels: LabelMapSchema.optional().meta({ description: "The pods' labels; defaults to { app: <name> }" }),
  ports: z.array(PortSchema).default([]),
  expose: z
    .boolean()
    .default(false)
    .meta({ description: "Create a ClusterIP Service named after the workload" }),
  replicas: boundedInt(1, 50, "ReplicasOutOfRange", "replicas").default(1),
});

export const NamedPolicySchema = z.strictObject({
  name: z.string().superRefine(nameRule(checkDns1123Subdomain)).meta(NAME_FORMATS.dns1123Subdomain),
  spec: NetworkPolicySpecSchema,
});

export const ExpectationSchema = z
  .strictObject({
    from: z.strictObject({
      namespace: z.string().optional().meta({
        description:
          "Namespace the probe pod runs in; defaults to the namespace that declares the expectation",
      }),
      labels: LabelMapSchema.default({}).meta({ description: "Labels of the probe pod" }),
    }),
    to: z.strictObject({
      service: z.string().meta({ description: "A workload's Service" }),
      namespace: z
        .string()
        .optional()
        .meta({ description: "Defaults to the namespace that declares the expectation" }),
      // Only ports the target workload declares are accepted (rules/namespaces.ts), so 1-65535.
      port: z
        .union([z.number().int().meta(PORT_RANGE), z.string().meta(NAME_FORMATS.portName)])
        .meta({ description: "Port number or name" }),
    }),
    allowed: z.boolean().meta({ description: "Whether the connection must succeed (true) or be refused" }),
  })
  .meta({
    description:
      "A connection the NetworkPolicies must allow or deny: checked by the policy engine before anything is created, then probed on the cluster",
  });

export const NamespaceSchema = z.strictObject({
  name: z.string().superRefine(nameRule(checkDns1123Label)).meta(NAME_FORMATS.dns1123Label),
  labels: LabelMapSchema.default({}),
  defaultDeny: z.array(PolicyTypeSchema).default([]).meta({
    description:
      "Directions for which a default-deny policy (empty podSelector) is created before anything else",
  }),
  workloads: z.array(WorkloadSchema).max(LIMITS.workloadsPerNamespace).default([]),
  networkPolicies: z.array(NamedPolicySchema).max(LIMITS.policiesPerNamespace).default([]),
  expectations: z.array(ExpectationSchema).max(LIMITS.expectationsPerNamespace).default([]),
});

export const TagsSchema = z
  .record(z.string(), z.string())
  .superRefine(tagsRule)
  .meta({
    description:
      "Azure tags for every resource created (names starting with microsoft, azure, windows or aks-vending are reserved)",
    maxProperties: LIMITS.tags,
    propertyNames: { minLength: 1, maxLength: LIMITS.tagKeyLength, pattern: "^[^<>%&\\\\?/]+$" },
    additionalProperties: { type: "string", maxLength: LIMITS.tagValueLength },
  })
  .default({});

export const ClusterSpecSchema = z
  .strictObject({
    name: ClusterNameSchema,
    team: z
      .string()
      .superRefine(nameRule(checkDns1123Label))
      .meta({
        ...NAME_FORMATS.dns1123Label,
        description: "The team that owns the cluster: one of the caller's teams",
        examples: ["platform"],
      }),
    subscriptionId: SubscriptionIdSchema.optional().meta({
      description: "The Azure subscription; the deployment's when absent",
    }),
    location: LocationSchema.default(SPEC_DEFAULTS.location),
    resourceGroup: ResourceGroupNameSchema.optional().meta({
      description: 'The resource group to create; defaults to "rg-<name>" (or the deployment\'s only one)',
    }),
    kubernetesVersion: patterned(
      /^\d+\.\d+(?:\.\d+)?$/,
      "InvalidKubernetesVersion",
      'Kubernetes version (for example "1.33")',
    )
      .optional()
      .meta({ description: "AKS's default when absent", examples: ["1.33"] }),
    nodePool: NodePoolSchema,
    network: NetworkSchema,
    // Identity and access (shared/spec/entra.ts).
    aadProfile: AadProfileSchema,
    disableLocalAccounts: DisableLocalAccountsSchema,
    access: AccessSchema,
    // Secure by default (issue 15): node pools, control plane, identity, policy, upgrades, access.
    nodePools: z.array(UserNodePoolSchema).max(LIMITS.userNodePools).default([]).meta({
      description: "User node pools beside the system pool, created with the cluster",
    }),
    sku: SkuSchema,
    oidcIssuerProfile: OidcIssuerProfileSchema,
    securityProfile: SecurityProfileSchema,
    addonProfiles: AddonProfilesSchema,
    podSecurityStandard: PodSecurityStandardSchema.optional(),
    autoUpgradeProfile: AutoUpgradeProfileSchema,
    maintenanceWindow: MaintenanceWindowSchema,
    apiServerAccessProfile: ApiServerAccessProfileSchema,
    monitoring: MonitoringSchema.optional(),
    namespaces: z.array(NamespaceSchema).max(LIMITS.namespaces).default([]),
    tags: TagsSchema,
    driftPolicy: z.enum(["report", "repair"]).default("report").meta({
      description:
        "What the periodic drift check does with a difference between the cluster and this spec: report it in the status, or repair it",
    }),
    onFailure: z.enum(["keep", "rollback"]).default(SPEC_DEFAULTS.onFailure).meta({
      description:
        "What a failed provisioning leaves: rollback deletes what it created, keep leaves it to inspect",
    }),
  })
  .meta({ description: "A request for one AKS cluster (see examples/seed-tutorial.json)" });

/** The document as a caller may send it. */
export type ClusterSpecInput = z.input<typeof ClusterSpecSchema>;
/** The document after structural parsing (defaults applied, not yet normalised). */
export type ParsedClusterSpec = z.output<typeof ClusterSpecSchema>;
export type NamespaceSpec = z.output<typeof NamespaceSchema>;
export type WorkloadSpec = z.output<typeof WorkloadSchema>;
export type ExpectationSpec = z.output<typeof ExpectationSchema>;
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
export interface ClusterSpec extends Omit<
  ParsedClusterSpec,
  | "network"
  | "resourceGroup"
  | "namespaces"
  | "nodePool"
  | "nodePools"
  | "podSecurityStandard"
  | "aadProfile"
  | "disableLocalAccounts"
> {
  // Always set by validation now (Entra ID by default); absent in the stored inputs of clusters
  // requested while Entra ID was opt-in, whose reads and deletes still take the local-accounts path.
  aadProfile?: ParsedClusterSpec["aadProfile"];
  disableLocalAccounts?: boolean;
  resourceGroup: string;
  // Secure by default (issue 15): pools with autoscaler bounds and zones decided; the pod security
  // initiative present exactly when the azurepolicy add-on is on.
  nodePool: NodePoolPlan;
  nodePools: NodePoolPlan[];
  podSecurityStandard?: ParsedPodSecurityStandard;
  network: NetworkPlan;
  namespaces: (Omit<NamespaceSpec, "workloads"> & {
    workloads: (WorkloadSpec & { labels: Record<string, string> })[];
  })[];
}
