// What AKS checks on a managedClusters PUT, reusing the project's own address planning
// (shared/spec/rules/network.ts) and mapping its problem codes to AKS's codes and targets. Pure:
// the model (model.ts) gathers the facts about the subnet, this decides.
import { overlaps, parseCidr } from "../../../shared/network/cidr.js";
import { planNetwork } from "../../../shared/spec/rules/network.js";
import { ClusterNameSchema, type ParsedNetwork } from "../../../shared/spec/schema.js";
import { LIMITS } from "../../../shared/spec/defaults.js";
import type { Problem } from "../../../shared/validation/problems.js";
import type { ArmError } from "../core/errors.js";
import { ContainerServiceErrors } from "./errors.js";

const AKS_DEFAULTS = { serviceCidr: "10.0.0.0/16", podCidr: "10.244.0.0/16" };

export interface AgentPoolProfile {
  name: string;
  count: number;
  vmSize?: string;
  mode?: string;
  osType?: string;
  vnetSubnetID?: string;
  [key: string]: unknown;
}

export interface NetworkProfile {
  networkPlugin?: string;
  networkPluginMode?: string;
  networkPolicy?: string;
  networkDataplane?: string;
  podCidr?: string;
  serviceCidr?: string;
  dnsServiceIP?: string;
  outboundType?: string;
  loadBalancerSku?: string;
  dockerBridgeCidr?: string;
  [key: string]: unknown;
}

export interface ClusterRequest {
  name: string;
  location: string;
  identity?: { type?: string; userAssignedIdentities?: Record<string, unknown> };
  properties: {
    kubernetesVersion?: string;
    dnsPrefix?: string;
    agentPoolProfiles?: AgentPoolProfile[];
    networkProfile?: NetworkProfile;
    servicePrincipalProfile?: { clientId?: string };
    aadProfile?: AadProfile;
    disableLocalAccounts?: boolean;
    enableRBAC?: boolean;
    [key: string]: unknown;
  };
}

export interface AadProfile {
  managed?: boolean;
  enableAzureRBAC?: boolean;
  tenantID?: string;
  adminGroupObjectIDs?: string[] | null;
  clientAppID?: string;
  serverAppID?: string;
  serverAppSecret?: string;
  [key: string]: unknown;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * AKS's rules for Entra ID integration and local accounts; the stored aadProfile (the tenant
 * defaulted to the subscription's) and disableLocalAccounts (false when not given, as AKS answers).
 */
export function validateAad(
  props: ClusterRequest["properties"],
  tenantId: string,
): { aadProfile?: AadProfile; disableLocalAccounts: boolean } {
  const aad = props.aadProfile;
  const disableLocalAccounts = props.disableLocalAccounts === true;
  if (props.disableLocalAccounts !== undefined && typeof props.disableLocalAccounts !== "boolean")
    throw invalid("disableLocalAccounts must be a boolean.", "disableLocalAccounts");
  if (aad === undefined || aad === null) {
    if (disableLocalAccounts) throw ContainerServiceErrors.LocalAccountsNeedAad();
    return { disableLocalAccounts };
  }
  if (aad.managed !== true)
    throw invalid(
      "Azure AD integration (legacy) with clientAppID, serverAppID and serverAppSecret is no longer supported; set aadProfile.managed to true for AKS-managed Microsoft Entra integration.",
      "aadProfile.managed",
    );
  if (aad.clientAppID !== undefined || aad.serverAppID !== undefined || aad.serverAppSecret !== undefined)
    throw invalid(
      "clientAppID, serverAppID and serverAppSecret cannot be set with AKS-managed Microsoft Entra integration.",
      "aadProfile",
    );
  if (props.enableRBAC === false)
    throw invalid(
      "AKS-managed Microsoft Entra integration requires Kubernetes RBAC: enableRBAC cannot be false.",
      "enableRBAC",
    );
  if (aad.tenantID !== undefined && !GUID.test(aad.tenantID))
    throw invalid(`The tenant id '${aad.tenantID}' is not a valid GUID.`, "aadProfile.tenantID");
  for (const g of aad.adminGroupObjectIDs ?? [])
    if (!GUID.test(g))
      throw invalid(`The group object id '${g}' is not a valid GUID.`, "aadProfile.adminGroupObjectIDs");
  return {
    aadProfile: {
      ...aad,
      managed: true,
      enableAzureRBAC: aad.enableAzureRBAC === true,
      tenantID: aad.tenantID ?? tenantId,
      // Left out when none are given: the REST spec's model is an array, never null.
      ...(aad.adminGroupObjectIDs ? { adminGroupObjectIDs: aad.adminGroupObjectIDs } : {}),
    },
    disableLocalAccounts,
  };
}

/** What validation needs to know about the subnet the node pool joins. */
export interface SubnetFacts {
  id: string;
  prefix: string;
  /** The VNet address prefix that contains the subnet. */
  vnetPrefix: string;
  /** Prefixes of the VNet's other subnets. */
  siblingPrefixes: string[];
  /** Addresses already taken by other clusters' nodes and pods. */
  usedAddresses: number;
}

const invalid = ContainerServiceErrors.InvalidParameter;

// AKS names its targets after the wire properties.
const TARGETS: Record<string, string> = {
  "network.serviceCidr": "networkProfile.serviceCIDR",
  "network.dnsServiceIp": "networkProfile.dnsServiceIP",
  "network.podCidr": "networkProfile.podCIDR",
  "network.subnetPrefix": "agentPoolProfile.vnetSubnetID",
  "network.vnetAddressSpace": "agentPoolProfile.vnetSubnetID",
  "network.dataplane": "networkProfile.networkDataplane",
  "network.policy": "networkProfile.networkPolicy",
};
// Our codes that AKS spells differently; the rest become InvalidParameter.
type AksCode =
  | "InvalidParameter"
  | "DnsServiceIpOutOfServiceCidr"
  | "ServiceCidrOverlapExistingSubnetsCidr"
  | "InsufficientSubnetSize";
const CODES: Record<string, AksCode> = {
  DnsServiceIpOutOfServiceCidr: "DnsServiceIpOutOfServiceCidr",
  ServiceCidrOverlapExistingSubnetsCidr: "ServiceCidrOverlapExistingSubnetsCidr",
  SubnetTooSmall: "InsufficientSubnetSize",
};

function toArm(problems: Problem[]): ArmError | undefined {
  const details = problems.map((p) => ({
    code: CODES[p.code] ?? "InvalidParameter",
    message: p.message,
    target: TARGETS[p.path] ?? p.path,
  }));
  const first = details[0];
  if (!first) return undefined;
  return ContainerServiceErrors[first.code](
    first.message,
    first.target,
    details.length > 1 ? details : undefined,
  );
}

export function pluginModeOf(np: NetworkProfile): "overlay" | "nodeSubnet" {
  if (np.networkPlugin === "kubenet") return "overlay";
  return np.networkPluginMode?.toLowerCase() === "overlay" ? "overlay" : "nodeSubnet";
}

/** Checks the request's shape; returns the normalised network profile AKS would store. */
export function validateCluster(req: ClusterRequest, subnet: SubnetFacts | undefined): NetworkProfile {
  if (!ClusterNameSchema.safeParse(req.name).success)
    throw invalid(
      `The name '${req.name}' is invalid: use 1-63 letters, digits, '-' or '_', starting and ending with a letter or digit.`,
      "name",
    );
  const props = req.properties;
  const np: NetworkProfile = { ...(props.networkProfile ?? {}) };
  if (np.dockerBridgeCidr !== undefined)
    throw invalid(
      "The property 'dockerBridgeCidr' is not supported in api-version 2023-04-01 and later: the docker bridge is no longer used since the move to containerd. Remove it from networkProfile.",
      "networkProfile.dockerBridgeCidr",
    );
  const pools = props.agentPoolProfiles ?? [];
  if (pools.length === 0) throw invalid("At least one agent pool profile is required.", "agentPoolProfiles");
  if (!pools.some((p) => (p.mode ?? "System") === "System"))
    throw ContainerServiceErrors.MustDefineAtLeastOneSystemPool();
  for (const p of pools) {
    if (!/^[a-z][a-z0-9]{0,11}$/.test(p.name ?? ""))
      throw invalid(
        `Agent pool name '${p.name}' is invalid: 1-12 lowercase letters and digits, starting with a letter.`,
        "agentPoolProfile.name",
      );
    if (!Number.isInteger(p.count) || p.count < LIMITS.nodeCountMin || p.count > LIMITS.nodeCountMax)
      throw invalid(
        `Agent pool '${p.name}' count ${String(p.count)} must be between ${LIMITS.nodeCountMin} and ${LIMITS.nodeCountMax}.`,
        "agentPoolProfile.count",
      );
  }
  const version = props.kubernetesVersion;
  // An empty version (az sends "") means the region's default, as an absent one does.
  if (version !== undefined && version !== "" && !/^1\.(3[0-9])(\.\d+)?$/.test(version))
    throw ContainerServiceErrors.K8sVersionNotSupported(version);

  const plugin = np.networkPlugin ?? "azure";
  if (!["azure", "kubenet", "none"].includes(plugin))
    throw invalid(`Network plugin '${plugin}' is not supported.`, "networkProfile.networkPlugin");
  const mode = pluginModeOf({ ...np, networkPlugin: plugin });
  const rawPolicy = np.networkPolicy?.toLowerCase();
  const dataplane = np.networkDataplane?.toLowerCase();
  if (rawPolicy !== undefined && !["cilium", "calico", "azure", "none"].includes(rawPolicy))
    throw invalid(`Network policy '${np.networkPolicy}' is not supported.`, "networkProfile.networkPolicy");
  if (dataplane !== undefined && !["cilium", "azure"].includes(dataplane))
    throw invalid(
      `Network dataplane '${np.networkDataplane}' is not supported.`,
      "networkProfile.networkDataplane",
    );
  if (plugin === "kubenet" && (rawPolicy === "azure" || rawPolicy === "cilium"))
    throw invalid(
      `Network policy '${rawPolicy}' requires network plugin 'azure'.`,
      "networkProfile.networkPolicy",
    );
  // "none" has no policy-specific rules; plan it as calico (the policy that adds no constraint).
  const policy =
    rawPolicy === undefined || rawPolicy === "none"
      ? dataplane === "cilium"
        ? "cilium"
        : "calico"
      : rawPolicy;
  const network: ParsedNetwork = {
    pluginMode: mode,
    policy: policy as ParsedNetwork["policy"],
    ...(dataplane ? { dataplane: dataplane as ParsedNetwork["dataplane"] } : {}),
    ...(subnet ? { vnetAddressSpace: subnet.vnetPrefix, subnetPrefix: subnet.prefix } : {}),
    // AKS's fixed defaults (it does not pick around the VNet as the ClusterSpec planner does).
    serviceCidr: np.serviceCidr ?? AKS_DEFAULTS.serviceCidr,
    ...(np.dnsServiceIP !== undefined ? { dnsServiceIp: np.dnsServiceIP } : {}),
    ...(np.podCidr !== undefined || mode === "overlay"
      ? { podCidr: np.podCidr ?? AKS_DEFAULTS.podCidr }
      : {}),
  };
  const nodes = pools.reduce((n, p) => n + p.count, 0);
  const planning = planNetwork(network, req.name, nodes);
  const rejected = toArm(planning.errors);
  if (rejected) throw rejected;
  const plan = planning.plan;

  if (subnet) {
    const service = parseCidr(plan.serviceCidr);
    const other = subnet.siblingPrefixes.find((s) => {
      const c = parseCidr(s);
      return service.ok && c.ok && overlaps(service.cidr, c.cidr);
    });
    if (other)
      throw ContainerServiceErrors.ServiceCidrOverlapExistingSubnetsCidr(
        `The specified service CIDR ${plan.serviceCidr} is conflicted with an existing subnet CIDR ${other}.`,
        "networkProfile.serviceCIDR",
      );
    // Addresses this cluster takes from the subnet: one per node plus a surge node, and in
    // node-subnet mode one per pod as well (same rule as planNetwork's SubnetTooSmall).
    const perNode = mode === "overlay" ? 1 : 1 + LIMITS.nodeSubnetMaxPods;
    const needed = (nodes + 1) * perNode;
    const p = parseCidr(subnet.prefix);
    const free = p.ok ? p.cidr.size - 5 - subnet.usedAddresses : 0;
    if (subnet.usedAddresses > 0 && free < needed)
      throw ContainerServiceErrors.SubnetIsFull(subnet.id, subnet.prefix, needed, Math.max(free, 0));
  }
  return {
    ...np,
    networkPlugin: plugin,
    ...(mode === "overlay" && plugin === "azure" ? { networkPluginMode: "overlay" } : {}),
    networkPolicy: rawPolicy ?? "none",
    ...(plugin === "azure" ? { networkDataplane: plan.dataplane } : {}),
    serviceCidr: plan.serviceCidr,
    dnsServiceIP: plan.dnsServiceIp,
    ...(plan.podCidr ? { podCidr: plan.podCidr } : {}),
    outboundType: np.outboundType ?? "loadBalancer",
    loadBalancerSku: np.loadBalancerSku ?? "standard",
    serviceCidrs: [plan.serviceCidr],
    ...(plan.podCidr ? { podCidrs: [plan.podCidr] } : {}),
    ipFamilies: ["IPv4"],
  };
}

/** Addresses a cluster takes from its node subnet. */
export function addressesUsed(profile: NetworkProfile, pools: AgentPoolProfile[]): number {
  const nodes = pools.reduce((n, p) => n + p.count, 0);
  return (nodes + 1) * (pluginModeOf(profile) === "overlay" ? 1 : 1 + LIMITS.nodeSubnetMaxPods);
}
