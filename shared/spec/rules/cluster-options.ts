// Cross-field rules of the security and operations settings, as AKS applies them, and the
// normalisation of the node pools (autoscaler bounds, zones) and of the pod security initiative.
// Codes are ours and stable; each message says what AKS would answer and how to fix the request.
import { parseCidr } from "../../network/cidr.js";
import type { Problem } from "../../validation/problems.js";
import type { ParsedPodSecurityStandard } from "../cluster-options.js";
import { SPEC_DEFAULTS } from "../defaults.js";
import type { NodePoolPlan, ParsedNodePool, ParsedUserNodePool } from "../node-pools.js";
import { regionHasZones } from "../regions.js";

export interface ClusterOptionsInput {
  location: string;
  nodePool: ParsedNodePool;
  nodePools: ParsedUserNodePool[];
  oidcIssuerProfile: { enabled: boolean };
  securityProfile: { workloadIdentity: { enabled: boolean } };
  addonProfiles: { azurepolicy: { enabled: boolean } };
  podSecurityStandard?: ParsedPodSecurityStandard | undefined;
  autoUpgradeProfile: { upgradeChannel: string; nodeOSUpgradeChannel: string };
  apiServerAccessProfile: { authorizedIPRanges?: string[] | undefined; enablePrivateCluster: boolean };
}

export interface ClusterOptionsPlan {
  errors: Problem[];
  warnings: Problem[];
  nodePool: NodePoolPlan;
  nodePools: NodePoolPlan[];
  podSecurityStandard?: ParsedPodSecurityStandard;
}

function planPool(
  pool: ParsedNodePool | ParsedUserNodePool,
  mode: NodePoolPlan["mode"],
  path: string,
  zoned: boolean,
  location: string,
  errors: Problem[],
): NodePoolPlan {
  const err = (field: string, code: string, message: string) =>
    errors.push({ path: `${path}.${field}`, code, message });
  let bounds: { minCount: number; maxCount: number } | undefined;
  if (pool.enableAutoScaling) {
    const minCount = pool.minCount ?? pool.count;
    const maxCount = pool.maxCount ?? Math.max(pool.count, minCount, SPEC_DEFAULTS.autoscalerMaxCount);
    if (minCount > maxCount)
      err(
        "minCount",
        "AutoscalerMinGreaterThanMax",
        `minCount ${minCount} is greater than maxCount ${maxCount} (AKS: InvalidParameter, "maxCount must be greater than or equal to minCount")`,
      );
    else if (pool.count < minCount || pool.count > maxCount)
      err(
        "count",
        "NodeCountOutsideAutoscalerRange",
        `count ${pool.count} must be between minCount ${minCount} and maxCount ${maxCount} when the autoscaler is on`,
      );
    bounds = { minCount, maxCount };
  } else
    for (const field of ["minCount", "maxCount"] as const)
      if (pool[field] !== undefined)
        err(
          field,
          "AutoscalerCountWithoutAutoscaling",
          `${field} applies only with the cluster autoscaler: set enableAutoScaling to true or remove ${field} (AKS refuses min/max counts on a pool without autoscaling)`,
        );
  if (pool.availabilityZones && !zoned)
    err(
      "availabilityZones",
      "AvailabilityZoneNotSupported",
      `region "${location}" has no availability zones: remove availabilityZones`,
    );
  if (pool.availabilityZones && new Set(pool.availabilityZones).size !== pool.availabilityZones.length)
    err("availabilityZones", "DuplicateAvailabilityZone", "each availability zone may be named once");
  const zones = pool.availabilityZones ?? (zoned ? ["1", "2", "3"] : undefined);
  return {
    name: pool.name,
    vmSize: pool.vmSize,
    count: pool.count,
    mode,
    enableAutoScaling: pool.enableAutoScaling,
    ...(bounds ?? {}),
    ...(zones ? { availabilityZones: [...zones] } : {}),
  };
}

function checkAuthorizedRanges(ranges: string[], errors: Problem[]): void {
  const at = (i: number) => `apiServerAccessProfile.authorizedIPRanges[${i}]`;
  ranges.forEach((range, i) => {
    const cidr = parseCidr(range.includes("/") ? range : `${range}/32`);
    if (!cidr.ok)
      errors.push({
        path: at(i),
        code: "InvalidAuthorizedIPRange",
        message: `"${range}" is not an IPv4 address or CIDR`,
      });
  });
  const closed = ranges.findIndex((r) => r === "0.0.0.0/32");
  if (closed >= 0 && ranges.length > 1)
    errors.push({
      path: at(closed),
      code: "InvalidAuthorizedIPRange",
      message:
        'Setting apiServerAuthorizedIPRange to 0.0.0.0/32 is not allowed with other IP ranges (AKS: InvalidParameter): "0.0.0.0/32" alone closes the public endpoint',
    });
}

export function planClusterOptions(o: ClusterOptionsInput): ClusterOptionsPlan {
  const errors: Problem[] = [];
  const warnings: Problem[] = [];
  const zoned = regionHasZones(o.location);
  const nodePool = planPool(o.nodePool, "System", "nodePool", zoned, o.location, errors);
  const nodePools = o.nodePools.map((p, i) =>
    planPool(p, "User", `nodePools[${i}]`, zoned, o.location, errors),
  );

  const seen = new Set([nodePool.name]);
  nodePools.forEach((p, i) => {
    if (seen.has(p.name))
      errors.push({
        path: `nodePools[${i}].name`,
        code: "DuplicateNodePoolName",
        message: `node pool name "${p.name}" is already used in this cluster`,
      });
    seen.add(p.name);
  });

  if (o.securityProfile.workloadIdentity.enabled && !o.oidcIssuerProfile.enabled)
    errors.push({
      path: "securityProfile.workloadIdentity.enabled",
      code: "WorkloadIdentityRequiresOidcIssuer",
      message:
        "Enabling workload identity requires enabling the OIDC issuer: set oidcIssuerProfile.enabled to true (AKS: InvalidParameter)",
    });

  let podSecurityStandard: ParsedPodSecurityStandard | undefined;
  if (o.addonProfiles.azurepolicy.enabled)
    podSecurityStandard = o.podSecurityStandard ?? { level: "baseline", effect: "audit" };
  else if (o.podSecurityStandard)
    errors.push({
      path: "podSecurityStandard",
      code: "AzurePolicyAddonRequired",
      message:
        "the pod security initiative is evaluated in the cluster by the Azure Policy add-on: set addonProfiles.azurepolicy.enabled to true or remove podSecurityStandard",
    });

  const { upgradeChannel, nodeOSUpgradeChannel } = o.autoUpgradeProfile;
  if (upgradeChannel === "node-image" && nodeOSUpgradeChannel !== "NodeImage")
    errors.push({
      path: "autoUpgradeProfile.nodeOSUpgradeChannel",
      code: "NodeOSUpgradeChannelConflict",
      message: `the node-image upgrade channel upgrades node images itself: nodeOSUpgradeChannel must be NodeImage, not ${nodeOSUpgradeChannel} (AKS: InvalidParameter)`,
    });

  const access = o.apiServerAccessProfile;
  const ranges = access.authorizedIPRanges;
  if (ranges && access.enablePrivateCluster)
    errors.push({
      path: "apiServerAccessProfile.authorizedIPRanges",
      code: "PrivateClusterWithAuthorizedIPRanges",
      message:
        "Private cluster cannot be enabled with AuthorizedIPRanges (AKS: InvalidParameter): a private API server has no public endpoint to restrict",
    });
  if (ranges) {
    checkAuthorizedRanges(ranges, errors);
    warnings.push({
      path: "apiServerAccessProfile.authorizedIPRanges",
      code: "ApiServerReachability",
      message:
        "the app seeds and verifies the cluster through its API server: its outbound addresses must be in authorizedIPRanges",
    });
  }
  if (access.enablePrivateCluster)
    warnings.push({
      path: "apiServerAccessProfile.enablePrivateCluster",
      code: "ApiServerReachability",
      message:
        "the app seeds and verifies the cluster through its API server: the app must reach the cluster's VNet (VNet integration and the private DNS zone)",
    });

  return { errors, warnings, nodePool, nodePools, ...(podSecurityStandard ? { podSecurityStandard } : {}) };
}

/** The most nodes the pools may reach: what the node subnet must have room for. */
export function maxNodes(pools: readonly NodePoolPlan[]): number {
  return pools.reduce((n, p) => n + Math.max(p.count, p.maxCount ?? 0), 0);
}
