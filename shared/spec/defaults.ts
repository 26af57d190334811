// Defaults applied to a ClusterSpec. They follow AKS's own defaults where AKS has one.
export const SPEC_DEFAULTS = {
  location: "eastus",
  nodePool: { name: "system", vmSize: "Standard_D2s_v5", count: 3 },
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
  /** AKS: serviceCidr must be no larger than /12. */
  serviceCidrMaxSize: 12,
  /** Default max pods per node in node-subnet mode; each pod takes a subnet address. */
  nodeSubnetMaxPods: 30,
} as const;
