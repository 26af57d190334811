// The errors Microsoft.Network answers for virtual networks and subnets.
import { armErrors } from "../core/errors.js";

const last = (id: string) => id.split("/").pop()!;

export const NetworkErrors = armErrors({
  InvalidAddressPrefixFormat: {
    status: 400,
    text: (prefix: unknown, what: string, target: string) => ({
      message: `Address prefix ${String(prefix)} of ${what} is not a valid CIDR (expected a.b.c.d/n).`,
      target,
    }),
  },
  InvalidCIDRNotation: {
    status: 400,
    text: (prefix: string, what: string, network: string, target: string) => ({
      message: `The address prefix ${prefix} in resource ${what} has an invalid CIDR notation. For the given prefix length, the address prefix should be ${network}.`,
      target,
    }),
  },
  InvalidRequestFormat: {
    status: 400,
    text: (problem: string, target: string) => ({ message: `Cannot parse the request: ${problem}`, target }),
  },
  VnetAddressSpacesOverlap: {
    status: 400,
    text: (a: string, b: string, vnetId: string) =>
      `Address space ${a} overlaps with address space ${b} of the same virtual network ${vnetId}.`,
  },
  NetcfgSubnetRangeOutsideVnet: {
    status: 400,
    text: (subnetId: string, vnetId: string) =>
      `Subnet '${last(subnetId)}' is not valid because its IP address range is outside the IP address range of virtual network '${last(vnetId)}'.`,
  },
  NetcfgSubnetRangesOverlap: {
    status: 400,
    text: (subnetId: string, vnetId: string) =>
      `Subnet '${last(subnetId)}' is not valid because its IP address range overlaps with that of an existing subnet in virtual network '${last(vnetId)}'.`,
  },
  InUseSubnetCannotBeDeleted: {
    status: 400,
    text: (subnetId: string, userId: string) =>
      `Subnet ${last(subnetId)} is in use by ${userId} and cannot be deleted. In order to delete the subnet, delete all the resources within the subnet.`,
  },
  AnotherOperationInProgress: {
    status: 409,
    text: (id: string) =>
      `Another operation on this or dependent resource is in progress. To retrieve status of the operation use uri: ${id}.`,
  },
  /** A subnet that does not exist (Microsoft.Network answers NotFound, not ResourceNotFound). */
  NotFound: { status: 404, text: (id: string) => `Resource ${id} not found.` },
});
