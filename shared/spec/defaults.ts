// Defaults applied to a ClusterSpec. They follow AKS's own defaults where AKS has one.
export const SPEC_DEFAULTS = {
  location: "eastus",
  nodePool: { name: "system", vmSize: "Standard_D2s_v5", count: 3 },
  // Secure by default (issue 15): see README.md, "Security posture".
  userNodePool: { count: 1 },
  autoscalerMaxCount: 5,
  skuTier: "Standard",
  upgradeChannel: "patch",
  nodeOSUpgradeChannel: "NodeImage",
  /** Weekly, Sunday 00:00 UTC for four hours (AKS's minimum window). */
  maintenanceWindow: {
    dayOfWeek: "Sunday",
    startTime: "00:00",
    durationHours: 4,
    utcOffset: "+00:00",
    intervalWeeks: 1,
  },
  /** AKS accepts at most 200 authorized IP ranges. */
  maxAuthorizedIPRanges: 200,
  network: {
    pluginMode: "overlay",
    policy: "cilium",
    vnetAddressSpace: "10.224.0.0/12",
    subnetPrefix: "10.224.0.0/16",
    serviceCidr: "10.0.0.0/16",
    podCidr: "10.244.0.0/16",
    subnetName: "aks-nodes",
  },
  onFailure: "rollback",
  /** Offset of the default DNS service IP inside serviceCidr (AKS uses .10). */
  dnsServiceIpOffset: 10,
} as const;

export const LIMITS = {
  documentBytes: 256 * 1024,
  namespaces: 50,
  workloadsPerNamespace: 50,
  policiesPerNamespace: 100,
  expectationsPerNamespace: 100,
  tags: 50,
  tagKeyLength: 512,
  tagValueLength: 256,
  nodeCountMin: 1,
  nodeCountMax: 1000,
  /** User node pools beside the system pool (AKS allows 100 pools per cluster). */
  userNodePools: 10,
  /** AKS: serviceCidr must be no larger than /12. */
  serviceCidrMaxSize: 12,
  /** Default max pods per node in node-subnet mode; each pod takes a subnet address. */
  nodeSubnetMaxPods: 30,
} as const;
