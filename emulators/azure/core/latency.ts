// How long each ARM operation takes, in emulated seconds (the clock in emulators/common/clock.ts
// turns them into wall time with the time scale).

/** Per-operation latency in emulated seconds, close to what ARM and AKS take. */
export interface LatencyProfile {
  resourceGroupWrite: number;
  resourceGroupDelete: number;
  virtualNetworkCreate: number;
  subnetCreate: number;
  networkDelete: number;
  identityCreate: number;
  identityDelete: number;
  roleAssignmentCreate: number;
  /** How long a new principal stays invisible to role assignments without principalType. */
  principalReplication: number;
  /** How long a new role assignment takes to be enforced (AKS checks it): 0 by default. */
  rolePropagation: number;
  clusterCreate: number;
  /** A cluster PUT that changes neither versions nor node counts (settings, tags). */
  clusterUpdate: number;
  /** A control-plane Kubernetes upgrade (API server, etcd, controllers), before any node. */
  controlPlaneUpgrade: number;
  /**
   * One surge batch of a node pool's upgrade: a surge node created, a node cordoned, drained and
   * reimaged. A pool of N nodes with a surge of S takes ceil(N / S) batches.
   */
  nodeUpgradeBatch: number;
  /** Node pools scaled, added or removed by one operation (their VMSS operations run in parallel). */
  poolScale: number;
  /** PATCH of a cluster's tags. */
  clusterTagUpdate: number;
  clusterDelete: number;
}

export const DEFAULT_LATENCY: LatencyProfile = {
  resourceGroupWrite: 1,
  resourceGroupDelete: 20,
  virtualNetworkCreate: 8,
  subnetCreate: 4,
  networkDelete: 10,
  identityCreate: 3,
  identityDelete: 1,
  roleAssignmentCreate: 2,
  principalReplication: 20,
  rolePropagation: 0,
  clusterCreate: 360,
  clusterUpdate: 120,
  controlPlaneUpgrade: 600,
  nodeUpgradeBatch: 300,
  poolScale: 180,
  clusterTagUpdate: 10,
  clusterDelete: 240,
};
