// Address planning as AKS enforces it: decides every network address (applying defaults that fit
// the caller's ranges) and reports what AKS would reject, with AKS's own codes where it has one.
import {
  AKS_RESERVED_RANGES,
  containsAddress,
  contains,
  nthAddress,
  overlaps,
  parseCidr,
  parseIPv4,
  type Cidr,
} from "../../network/cidr.js";
import type { Problem } from "../../validation/problems.js";
import { LIMITS, SPEC_DEFAULTS } from "../defaults.js";
import type { NetworkPlan, ParsedNetwork } from "../schema.js";

export interface NetworkPlanning {
  plan: NetworkPlan;
  errors: Problem[];
  warnings: Problem[];
}

type CidrField = "vnetAddressSpace" | "subnetPrefix" | "serviceCidr" | "podCidr";

const SERVICE_CIDR_CANDIDATES = [SPEC_DEFAULTS.network.serviceCidr, "172.16.0.0/16", "192.168.0.0/16"];
const POD_CIDR_CANDIDATES = [SPEC_DEFAULTS.network.podCidr, "172.20.0.0/14", "192.168.0.0/16"];
/** Azure reserves 5 addresses in every subnet. */
const AZURE_SUBNET_RESERVED = 5;

function mustParse(text: string): Cidr {
  const p = parseCidr(text);
  if (!p.ok) throw new Error(`internal default ${text} is not a CIDR`);
  return p.cidr;
}

/**
 * Plans the cluster network. `clusterName` names the VNet by default; `nodeCount` sizes the subnet
 * and pod CIDR checks (undefined when the node pool itself is invalid).
 */
export function planNetwork(
  network: ParsedNetwork,
  clusterName: string,
  nodeCount: number | undefined,
): NetworkPlanning {
  const errors: Problem[] = [];
  const warnings: Problem[] = [];
  const at = (field: string) => `network.${field}`;
  const err = (field: string, code: string, message: string) =>
    errors.push({ path: at(field), code, message });
  const warn = (field: string, code: string, message: string) =>
    warnings.push({ path: at(field), code, message });

  // 1. Parse what the caller gave. A field that does not parse takes no part in the rules below.
  const given: Partial<Record<CidrField, Cidr>> = {};
  const broken = new Set<CidrField>();
  for (const field of ["vnetAddressSpace", "subnetPrefix", "serviceCidr", "podCidr"] as const) {
    const text = network[field];
    if (text === undefined) continue;
    const p = parseCidr(text);
    if (!p.ok) {
      broken.add(field);
      err(
        field,
        "InvalidCidr",
        p.reason === "NotIPv4"
          ? `"${text}" is not IPv4: only IPv4 ranges are supported`
          : `"${text}" is not a valid CIDR (expected a.b.c.d/n)`,
      );
    } else if (p.hostBitsSet) {
      broken.add(field);
      err(
        field,
        "CidrHostBitsSet",
        `"${text}" has host bits set: did you mean "${p.cidr.network.toString()}/${p.cidr.prefix}"?`,
      );
    } else given[field] = p.cidr;
  }

  // 2. Defaults that fit the caller's ranges.
  const defaultVnet = mustParse(SPEC_DEFAULTS.network.vnetAddressSpace);
  const vnet =
    given.vnetAddressSpace ??
    (given.subnetPrefix && !contains(defaultVnet, given.subnetPrefix) ? given.subnetPrefix : defaultVnet);
  const subnet =
    given.subnetPrefix ??
    (given.vnetAddressSpace
      ? mustParse(
          `${given.vnetAddressSpace.network.toString()}/${Math.max(16, given.vnetAddressSpace.prefix)}`,
        )
      : mustParse(SPEC_DEFAULTS.network.subnetPrefix));
  const overlay = network.pluginMode === "overlay";
  const pick = (candidates: readonly string[], avoid: Cidr[]) =>
    mustParse(candidates.find((c) => !avoid.some((a) => overlaps(mustParse(c), a))) ?? candidates[0]!);
  const service =
    given.serviceCidr ??
    pick(SERVICE_CIDR_CANDIDATES, [vnet, subnet, ...(given.podCidr ? [given.podCidr] : [])]);
  const pod = overlay ? (given.podCidr ?? pick(POD_CIDR_CANDIDATES, [vnet, subnet, service])) : undefined;

  let dnsServiceIp = network.dnsServiceIp ?? nthAddress(service, SPEC_DEFAULTS.dnsServiceIpOffset);
  const dnsInt = parseIPv4(dnsServiceIp);
  if (dnsInt === undefined)
    err("dnsServiceIp", "InvalidIpAddress", `"${dnsServiceIp}" is not a valid IPv4 address`);
  else if (!broken.has("serviceCidr")) {
    if (!containsAddress(service, dnsInt))
      err(
        "dnsServiceIp",
        "DnsServiceIpOutOfServiceCidr",
        `${dnsServiceIp} is not inside serviceCidr ${service.text}`,
      );
    else if (dnsInt === service.first || dnsInt === service.first + 1 || dnsInt === service.last)
      err(
        "dnsServiceIp",
        "InvalidDnsServiceIp",
        `${dnsServiceIp} must not be the network, first (.1, used by kubernetes.default) or broadcast address of serviceCidr ${service.text}; use for example ${nthAddress(service, 10)}`,
      );
  }
  if (dnsInt === undefined) dnsServiceIp = network.dnsServiceIp ?? "";

  // 3. Dataplane and policy combinations AKS accepts.
  const dataplane = network.dataplane ?? (network.policy === "cilium" ? "cilium" : "azure");
  if (network.policy === "cilium" && dataplane !== "cilium")
    err(
      "dataplane",
      "CiliumPolicyRequiresCiliumDataplane",
      'policy "cilium" requires dataplane "cilium"; remove dataplane or set it to "cilium"',
    );
  if (dataplane === "cilium" && network.policy !== "cilium")
    err(
      "policy",
      "CiliumDataplaneRequiresCiliumPolicy",
      `dataplane "cilium" enforces policy itself: policy must be "cilium", not "${network.policy}"`,
    );
  if (network.policy === "azure")
    warn(
      "policy",
      "AzureNetworkPolicyManagerRetiring",
      'Azure Network Policy Manager reaches end of support on Linux on 2028-09-30 (Windows 2026-09-30); use "cilium" (the default) for new clusters',
    );
  if (!overlay && network.podCidr !== undefined)
    err(
      "podCidr",
      "PodCidrNotAllowed",
      'podCidr applies to overlay mode only: in "nodeSubnet" mode pods take addresses from the subnet',
    );

  // 4. Address rules, each only over ranges that parsed.
  const ok = (field: CidrField) => !broken.has(field);
  const ranges: [CidrField, Cidr | undefined][] = [
    ["vnetAddressSpace", vnet],
    ["subnetPrefix", subnet],
    ["serviceCidr", service],
    ["podCidr", pod],
  ];
  for (const [field, range] of ranges) {
    if (!range || !ok(field)) continue;
    const reserved = AKS_RESERVED_RANGES.find((r) => overlaps(r, range));
    if (reserved)
      err(
        field,
        "ReservedRangeOverlap",
        `${range.text} overlaps ${reserved.text}, which AKS reserves; choose another range`,
      );
  }
  if (ok("vnetAddressSpace") && ok("subnetPrefix") && !contains(vnet, subnet))
    err(
      "subnetPrefix",
      "SubnetNotInVnet",
      `subnet ${subnet.text} is not inside the VNet address space ${vnet.text}`,
    );
  if (ok("serviceCidr")) {
    if (service.prefix < LIMITS.serviceCidrMaxSize)
      err(
        "serviceCidr",
        "ServiceCidrTooLarge",
        `serviceCidr ${service.text} is larger than /${LIMITS.serviceCidrMaxSize}; use a /${LIMITS.serviceCidrMaxSize} or smaller block`,
      );
    if (ok("subnetPrefix") && overlaps(service, subnet))
      err(
        "serviceCidr",
        "ServiceCidrOverlapExistingSubnetsCidr",
        `serviceCidr ${service.text} overlaps the subnet ${subnet.text}; choose a range outside the VNet`,
      );
    else if (ok("vnetAddressSpace") && overlaps(service, vnet))
      warn(
        "serviceCidr",
        "ServiceCidrOverlapsVnetAddressSpace",
        `serviceCidr ${service.text} overlaps the VNet address space ${vnet.text} (no subnet): AKS accepts this, but no future subnet may use that range`,
      );
  }
  if (pod && ok("podCidr")) {
    if (ok("subnetPrefix") && overlaps(pod, subnet))
      err("podCidr", "PodCidrOverlapsSubnet", `podCidr ${pod.text} overlaps the subnet ${subnet.text}`);
    else if (ok("vnetAddressSpace") && overlaps(pod, vnet))
      warn(
        "podCidr",
        "PodCidrOverlapsVnetAddressSpace",
        `podCidr ${pod.text} overlaps the VNet address space ${vnet.text}: pods could not reach VNet addresses in that range`,
      );
    if (ok("serviceCidr") && overlaps(pod, service))
      err(
        "podCidr",
        "PodCidrOverlapsServiceCidr",
        `podCidr ${pod.text} overlaps serviceCidr ${service.text}`,
      );
    // Overlay hands each node a /24 of the pod CIDR.
    if (nodeCount !== undefined && (pod.prefix > 24 || 2 ** (24 - pod.prefix) < nodeCount + 1))
      err(
        "podCidr",
        "PodCidrTooSmall",
        `podCidr ${pod.text} cannot give a /24 to each of ${nodeCount} nodes plus one for upgrades`,
      );
  }
  if (nodeCount !== undefined && ok("subnetPrefix")) {
    // One surge node during upgrades; in node-subnet mode every pod also takes a subnet address.
    const perNode = overlay ? 1 : 1 + LIMITS.nodeSubnetMaxPods;
    const needed = (nodeCount + 1) * perNode;
    const usable = subnet.size - AZURE_SUBNET_RESERVED;
    if (usable < needed)
      err(
        "subnetPrefix",
        "SubnetTooSmall",
        `subnet ${subnet.text} has ${Math.max(usable, 0)} usable addresses; ${nodeCount} nodes need ${needed}${overlay ? "" : ` (node-subnet mode: ${LIMITS.nodeSubnetMaxPods} pods per node)`}`,
      );
  }

  return {
    plan: {
      pluginMode: network.pluginMode,
      policy: network.policy,
      dataplane,
      vnetName: network.vnetName ?? `vnet-${clusterName}`,
      subnetName: network.subnetName ?? SPEC_DEFAULTS.network.subnetName,
      vnetAddressSpace: network.vnetAddressSpace ?? vnet.text,
      subnetPrefix: network.subnetPrefix ?? subnet.text,
      serviceCidr: network.serviceCidr ?? service.text,
      dnsServiceIp,
      ...(overlay ? { podCidr: network.podCidr ?? pod!.text } : {}),
    },
    errors,
    warnings,
  };
}
