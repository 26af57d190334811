// ARM request bodies built from a normalised ClusterSpec (the SDKs' flattened models), and the tags
// that mark what this system created so that deletion touches nothing else.
import type { ManagedCluster } from "@azure/arm-containerservice";
import type { VirtualNetwork } from "@azure/arm-network";
import type { ClusterSpec } from "../spec/schema.js";
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
    agentPoolProfiles: [
      {
        name: spec.nodePool.name,
        count: spec.nodePool.count,
        vmSize: spec.nodePool.vmSize,
        mode: "System",
        osType: "Linux",
        type: "VirtualMachineScaleSets",
        vnetSubnetID: refs.subnetId,
      },
    ],
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

export const TERMINAL_PROVISIONING_STATES = ["Succeeded", "Failed", "Canceled"] as const;

export function isTerminalProvisioningState(state: string | undefined): boolean {
  return (TERMINAL_PROVISIONING_STATES as readonly string[]).includes(state ?? "");
}
