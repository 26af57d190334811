// The emulator's one clock. Latencies are given in emulated seconds and multiplied by the time scale,
// so `--time-scale 0.01` makes a 360 s AKS create take 3.6 s of wall time.
export interface Clock {
  /** Wall-clock epoch milliseconds. */
  now(): number;
  readonly scale: number;
  /** Wall milliseconds that `seconds` emulated seconds take. */
  toWallMs(seconds: number): number;
  sleep(seconds: number): Promise<void>;
}

export function scaledClock(scale: number, now: () => number = Date.now): Clock {
  if (!(scale >= 0)) throw new Error(`time scale must be >= 0, got ${scale}`);
  const toWallMs = (seconds: number) => Math.round(seconds * 1000 * scale);
  return {
    now,
    scale,
    toWallMs,
    sleep: (seconds) => {
      const ms = toWallMs(seconds);
      return ms <= 0 ? Promise.resolve() : new Promise((r) => setTimeout(r, ms));
    },
  };
}

/** Per-operation latency in emulated seconds (issue 4: realistic ARM and AKS timings). */
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
  clusterUpdate: number;
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
  clusterTagUpdate: 10,
  clusterDelete: 240,
};
