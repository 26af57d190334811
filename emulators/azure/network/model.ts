// Virtual networks and subnets: the address rules Microsoft.Network enforces, with its error codes.
import { contains, overlaps, parseCidr, type Cidr } from "../../../shared/network/cidr.js";
import { ArmError } from "../core/errors.js";
import type { Store, StoredResource } from "../core/store.js";

export const VNET_TYPE = "Microsoft.Network/virtualNetworks";
export const SUBNET_TYPE = "Microsoft.Network/virtualNetworks/subnets";
export const CLUSTER_TYPE = "Microsoft.ContainerService/managedClusters";

export interface SubnetProperties {
  provisioningState: string;
  addressPrefix: string;
  delegations: unknown[];
  privateEndpointNetworkPolicies: string;
  privateLinkServiceNetworkPolicies: string;
}

export function parsePrefix(text: unknown, what: string, target: string): Cidr {
  const p = typeof text === "string" ? parseCidr(text) : undefined;
  if (!p || !p.ok)
    throw new ArmError(
      400,
      "InvalidAddressPrefixFormat",
      `Address prefix ${String(text)} of ${what} is not a valid CIDR (expected a.b.c.d/n).`,
      target,
    );
  if (p.hostBitsSet)
    throw new ArmError(
      400,
      "InvalidCIDRNotation",
      `The address prefix ${text as string} in resource ${what} has an invalid CIDR notation. For the given prefix length, the address prefix should be ${p.cidr.network.toString()}/${p.cidr.prefix}.`,
      target,
    );
  return p.cidr;
}

/** Checks a VNet's address space: valid, non-overlapping prefixes. */
export function checkAddressSpace(vnetId: string, prefixes: unknown): Cidr[] {
  if (!Array.isArray(prefixes) || prefixes.length === 0)
    throw new ArmError(
      400,
      "InvalidRequestFormat",
      "Cannot parse the request: addressSpace.addressPrefixes must be a non-empty array.",
      "properties.addressSpace.addressPrefixes",
    );
  const cidrs = prefixes.map((p, i) =>
    parsePrefix(p, vnetId, `properties.addressSpace.addressPrefixes[${i}]`),
  );
  cidrs.forEach((a, i) =>
    cidrs.slice(i + 1).forEach((b) => {
      if (overlaps(a, b))
        throw new ArmError(
          400,
          "VnetAddressSpacesOverlap",
          `Address space ${a.text} overlaps with address space ${b.text} of the same virtual network ${vnetId}.`,
        );
    }),
  );
  return cidrs;
}

/** Checks that each subnet lies inside the address space and that subnets do not overlap. */
export function checkSubnets(vnetId: string, space: Cidr[], subnets: { id: string; prefix: Cidr }[]): void {
  for (const s of subnets)
    if (!space.some((a) => contains(a, s.prefix)))
      throw new ArmError(
        400,
        "NetcfgSubnetRangeOutsideVnet",
        `Subnet '${s.id.split("/").pop()!}' is not valid because its IP address range is outside the IP address range of virtual network '${vnetId.split("/").pop()!}'.`,
      );
  subnets.forEach((a, i) =>
    subnets.slice(i + 1).forEach((b) => {
      if (overlaps(a.prefix, b.prefix))
        throw new ArmError(
          400,
          "NetcfgSubnetRangesOverlap",
          `Subnet '${b.id.split("/").pop()!}' is not valid because its IP address range overlaps with that of an existing subnet in virtual network '${vnetId.split("/").pop()!}'.`,
        );
    }),
  );
}

/** The managed clusters whose node pools use a subnet. */
export function subnetUsers(store: Store, subnetId: string): StoredResource[] {
  const id = subnetId.toLowerCase();
  return Object.values(store.state.resources).filter(
    (r) =>
      r.type.toLowerCase() === CLUSTER_TYPE.toLowerCase() &&
      (
        (r.body["properties"] as { agentPoolProfiles?: { vnetSubnetID?: string }[] }).agentPoolProfiles ?? []
      ).some((a) => a.vnetSubnetID?.toLowerCase() === id),
  );
}

export function assertSubnetUnused(store: Store, subnetId: string): void {
  const users = subnetUsers(store, subnetId);
  if (users.length > 0)
    throw new ArmError(
      400,
      "InUseSubnetCannotBeDeleted",
      `Subnet ${subnetId.split("/").pop()!} is in use by ${users[0]!.id} and cannot be deleted. In order to delete the subnet, delete all the resources within the subnet.`,
    );
}

export function subnetPrefix(subnet: StoredResource): string {
  return (subnet.body["properties"] as unknown as SubnetProperties).addressPrefix;
}
