// ARM request bodies built from a normalised ClusterSpec (the SDKs' flattened models), and the tags
// that mark what this system created so that deletion touches nothing else.
import type { AgentPool, MaintenanceConfiguration, ManagedCluster } from "@azure/arm-containerservice";
import type { VirtualNetwork } from "@azure/arm-network";
import type { ClusterSpec, NodePoolPlan } from "../spec/schema.js";
import { dnsPrefix } from "./names.js";

export const TAGS = {
  managedBy: "aks-vending-managed-by",
  instance: "aks-vending-instance",
  cluster: "aks-vending-cluster",
  team: "aks-vending-team",
  /** The owning cluster's unique id: one per life of a cluster (a new one after it was deleted). */
  clusterUid: "aks-vending-cluster-uid",
} as const;

/**
 * Who owns a resource: the cluster's orchestration instance id (the same for every cluster of that
 * name in that group, one after the other) and the cluster's unique id (undefined only in inputs
 * written before unique ids existed).
 */
export interface Owner {
  instanceId: string;
  clusterUid?: string | undefined;
}

/** The request's tags plus ours, on every resource we create. */
export function ownedTags(spec: ClusterSpec, owner: Owner): Record<string, string> {
  return {
    ...spec.tags,
    [TAGS.managedBy]: "aks-vending",
    [TAGS.instance]: owner.instanceId,
    [TAGS.cluster]: spec.name,
    [TAGS.team]: spec.team,
    ...(owner.clusterUid ? { [TAGS.clusterUid]: owner.clusterUid } : {}),
  };
}

/** The owner our tags name (what ownedTags wrote). */
export function ownerOf(tags: Record<string, string>): Owner {
  return { instanceId: tags[TAGS.instance] ?? "", clusterUid: tags[TAGS.clusterUid] };
}

/**
 * True when the resource was created for this very cluster: its unique-id tag matches. A resource
 * without one was created before unique ids existed and is matched on the instance id as then.
 */
export function isOwnedBy(tags: Record<string, string> | undefined, owner: Owner): boolean {
  const uid = tags?.[TAGS.clusterUid];
  if (uid !== undefined) return uid === owner.clusterUid;
  return tags?.[TAGS.instance] === owner.instanceId;
}

export function virtualNetworkModel(
  spec: ClusterSpec,
  tags: Record<string, string>,
): VirtualNetwork & { location: string } {
  return {
    location: spec.location,
    tags,
    addressSpace: { addressPrefixes: [spec.network.vnetAddressSpace] },
    subnets: [{ name: spec.network.subnetName, addressPrefix: spec.network.subnetPrefix }],
  };
}

/**
 * The managed cluster: the user-assigned identity as control-plane identity, the node pool in our
 * subnet, Azure CNI (overlay by default) with the requested policy engine. No dockerBridgeCidr
 * (removed from the API in 2023-04-01), no service principal.
 */
export function managedClusterModel(
  spec: ClusterSpec,
  refs: { identityId: string; subnetId: string },
  tags: Record<string, string>,
): ManagedCluster & { location: string } {
  const net = spec.network;
  return {
    location: spec.location,
    tags,
    identity: { type: "UserAssigned", userAssignedIdentities: { [refs.identityId]: {} } },
    dnsPrefix: dnsPrefix(spec.name),
    ...(spec.kubernetesVersion ? { kubernetesVersion: spec.kubernetesVersion } : {}),
    enableRbac: true,
    ...entraModel(spec),
    agentPoolProfiles: [spec.nodePool, ...spec.nodePools].map((pool) => ({
      name: pool.name,
      ...agentPoolModel(pool, refs.subnetId),
    })),
    ...securityProperties(spec),
    networkProfile: {
      networkPlugin: "azure",
      ...(net.pluginMode === "overlay" ? { networkPluginMode: "overlay", podCidr: net.podCidr } : {}),
      networkPolicy: net.policy,
      networkDataplane: net.dataplane,
      serviceCidr: net.serviceCidr,
      dnsServiceIP: net.dnsServiceIp,
      loadBalancerSku: "standard",
      outboundType: "loadBalancer",
    },
  };
}

/**
 * AKS-managed Entra ID with Azure RBAC, local accounts disabled unless the spec keeps them. Nothing
 * for the spec of a cluster requested while Entra ID was opt-in (its stored input has no aadProfile).
 */
function entraModel(spec: ClusterSpec): Pick<ManagedCluster, "aadProfile" | "disableLocalAccounts"> {
  if (!spec.aadProfile) return spec.disableLocalAccounts === false ? { disableLocalAccounts: false } : {};
  return {
    aadProfile: {
      managed: true,
      enableAzureRbac: spec.aadProfile.enableAzureRBAC,
      ...(spec.aadProfile.tenantID ? { tenantID: spec.aadProfile.tenantID } : {}),
    },
    disableLocalAccounts: spec.disableLocalAccounts ?? true,
  };
}

/** One node pool as the cluster's agentPoolProfiles (and the agentPools subresource) take it. */
export function agentPoolModel(pool: NodePoolPlan, subnetId: string): AgentPool {
  return {
    count: pool.count,
    vmSize: pool.vmSize,
    mode: pool.mode,
    osType: "Linux",
    type: "VirtualMachineScaleSets",
    vnetSubnetID: subnetId,
    enableAutoScaling: pool.enableAutoScaling,
    ...(pool.enableAutoScaling ? { minCount: pool.minCount, maxCount: pool.maxCount } : {}),
    ...(pool.availabilityZones ? { availabilityZones: pool.availabilityZones } : {}),
  };
}

/**
 * Secure by default (issue 15; README "Security posture"): tier, OIDC issuer and workload identity,
 * the Azure Policy add-on (and Container Insights when asked), auto-upgrade channels, API server
 * access. Kept apart from the networking above so each group reads (and merges) on its own.
 */
function securityProperties(spec: ClusterSpec): Partial<ManagedCluster> {
  const access = spec.apiServerAccessProfile;
  const insights = spec.monitoring?.containerInsights;
  return {
    sku: { name: "Base", tier: spec.sku.tier },
    oidcIssuerProfile: { enabled: spec.oidcIssuerProfile.enabled },
    securityProfile: { workloadIdentity: { enabled: spec.securityProfile.workloadIdentity.enabled } },
    addonProfiles: {
      azurepolicy: { enabled: spec.addonProfiles.azurepolicy.enabled },
      ...(insights
        ? {
            omsagent: {
              enabled: true,
              config: {
                logAnalyticsWorkspaceResourceID: insights.logAnalyticsWorkspaceId,
                useAADAuth: "true",
              },
            },
          }
        : {}),
    },
    autoUpgradeProfile: { ...spec.autoUpgradeProfile },
    apiServerAccessProfile: {
      ...(access.authorizedIPRanges ? { authorizedIPRanges: access.authorizedIPRanges } : {}),
      enablePrivateCluster: access.enablePrivateCluster,
    },
  };
}

/** The AKS-managed schedules the request's maintenance window fills (none for a channel that is off). */
export const MAINTENANCE_CONFIGURATIONS = {
  autoUpgrade: "aksManagedAutoUpgradeSchedule",
  nodeOSUpgrade: "aksManagedNodeOSUpgradeSchedule",
} as const;

export function maintenanceConfigurationModels(
  spec: ClusterSpec,
): { name: string; body: MaintenanceConfiguration }[] {
  const w = spec.maintenanceWindow;
  const body: MaintenanceConfiguration = {
    maintenanceWindow: {
      schedule: { weekly: { intervalWeeks: w.intervalWeeks, dayOfWeek: w.dayOfWeek } },
      durationHours: w.durationHours,
      startTime: w.startTime,
      utcOffset: w.utcOffset,
    },
  };
  const { upgradeChannel, nodeOSUpgradeChannel } = spec.autoUpgradeProfile;
  return [
    ...(upgradeChannel !== "none" ? [{ name: MAINTENANCE_CONFIGURATIONS.autoUpgrade, body }] : []),
    ...(nodeOSUpgradeChannel !== "None" && nodeOSUpgradeChannel !== "Unmanaged"
      ? [{ name: MAINTENANCE_CONFIGURATIONS.nodeOSUpgrade, body }]
      : []),
  ];
}

/** The built-in pod security initiatives, under their real ids (README "Security posture"). */
export const POD_SECURITY_INITIATIVES = {
  baseline: "/providers/Microsoft.Authorization/policySetDefinitions/a8640138-9b0a-4a28-b8cb-1666c838647d",
  restricted: "/providers/Microsoft.Authorization/policySetDefinitions/42b8ef37-b724-4e24-bbc8-7a7708edfe00",
} as const;
export const POD_SECURITY_ASSIGNMENT_NAME = "aksv-pod-security";
export const POLICY_API_VERSION = "2023-04-01";

/** The pod security initiative's assignment at the cluster's scope (undefined without the add-on). */
export function podSecurityAssignmentModel(
  spec: ClusterSpec,
  clusterId: string,
): { id: string; properties: Record<string, unknown> } | undefined {
  const pss = spec.podSecurityStandard;
  if (!pss) return undefined;
  return {
    id: `${clusterId}/providers/Microsoft.Authorization/policyAssignments/${POD_SECURITY_ASSIGNMENT_NAME}`,
    properties: {
      displayName: `[${spec.name}] Kubernetes cluster pod security ${pss.level} standards for Linux-based workloads`,
      description: "Assigned by aks-vending (ClusterSpec podSecurityStandard)",
      policyDefinitionId: POD_SECURITY_INITIATIVES[pss.level],
      parameters: { effect: { value: pss.effect === "deny" ? "Deny" : "Audit" } },
      enforcementMode: "Default",
    },
  };
}

export const TERMINAL_PROVISIONING_STATES = ["Succeeded", "Failed", "Canceled"] as const;

export function isTerminalProvisioningState(state: string | undefined): boolean {
  return (TERMINAL_PROVISIONING_STATES as readonly string[]).includes(state ?? "");
}
