// What a managedClusters PUT on an existing cluster changes, as AKS runs it: the control plane's and
// each pool's target versions (with AKS's version rules, versions.ts), what each pool shows while
// the operation runs (Upgrading, Scaling, Creating, Deleting, Updating), and how long it takes.
// Pure: the model (model.ts) stores the plan and applies its targets when the operation completes.
import type { LatencyProfile } from "../core/latency.js";
import { ContainerServiceErrors } from "./errors.js";
import type { AgentPoolProfile } from "./validation.js";
import {
  checkControlPlaneUpgrade,
  checkPoolUpgrade,
  checkPoolVersion,
  requestedVersion,
  resolveVersion,
} from "./versions.js";

/** AKS's default surge when a pool's upgradeSettings.maxSurge is not set. */
export const DEFAULT_MAX_SURGE = "10%";
/**
 * Only a count change adds or removes nodes; the autoscaler's bounds (enableAutoScaling, minCount,
 * maxCount) alone are a settings update of the pool.
 */
const SCALE_FIELDS = ["count"];
/** What AKS computes and answers; a PUT that sends them back (an agentPools PUT does) changes nothing. */
const READ_ONLY = [
  "name",
  "provisioningState",
  "currentOrchestratorVersion",
  "powerState",
  "nodeImageVersion",
];

export interface PoolPlan {
  /** The pool's orchestratorVersion as stored (what was asked: a minor or a patch). */
  orchestratorVersion: string;
  /** The version it runs once the operation completes. */
  target: string;
  /** What currentOrchestratorVersion shows while the operation runs (the old version; a new pool its target). */
  current: string;
  /** Its provisioningState while the operation runs. */
  state: string;
}

export interface UpdatePlan {
  kubernetesVersion: string;
  /** The control plane's version once the operation completes. */
  controlPlaneTarget: string;
  /** What currentKubernetesVersion shows while it runs. */
  controlPlaneCurrent: string;
  /** By pool name (lowercase). */
  pools: Map<string, PoolPlan>;
  /** Pools the PUT leaves out: AKS deletes them (they show Deleting until the operation completes). */
  removed: AgentPoolProfile[];
  /** Emulated seconds the update takes (the create's time is the model's). */
  durationSeconds: number;
}

export interface ClusterVersions {
  kubernetesVersion: string;
  currentKubernetesVersion: string;
  agentPoolProfiles: AgentPoolProfile[];
}

const key = (name: string) => name.toLowerCase();
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Nodes surged at once: maxSurge "N" or "N%" of the pool (rounded up), at least 1. */
export function surgeOf(pool: AgentPoolProfile): number {
  const raw = String(
    (pool["upgradeSettings"] as { maxSurge?: string } | undefined)?.maxSurge ?? DEFAULT_MAX_SURGE,
  );
  const n = Number.parseFloat(raw);
  if (!Number.isFinite(n) || n <= 0) return 1;
  return Math.max(1, raw.endsWith("%") ? Math.ceil((pool.count * n) / 100) : Math.floor(n));
}

/** The batches a pool's upgrade takes: ceil(count / surge). */
export function upgradeBatches(pool: AgentPoolProfile): number {
  return Math.ceil(pool.count / surgeOf(pool));
}

/**
 * Plans a PUT: `before` is the stored cluster (undefined for a create). Throws AKS's errors for a
 * version the region does not publish, a control-plane move off the upgrade paths, a pool above its
 * control plane or too far below it, a pool moved down, and a changed vmSize.
 */
export function planUpdate(
  requested: { kubernetesVersion?: string | undefined; pools: AgentPoolProfile[] },
  before: ClusterVersions | undefined,
  latency: LatencyProfile,
): UpdatePlan {
  // An update that names no version keeps the cluster's; a create gets the region's default.
  const kubernetesVersion = requestedVersion(requested.kubernetesVersion || before?.kubernetesVersion);
  const running = before?.currentKubernetesVersion;
  const controlPlaneTarget = resolveVersion(kubernetesVersion, running);
  if (running) checkControlPlaneUpgrade(running, controlPlaneTarget);
  const old = new Map((before?.agentPoolProfiles ?? []).map((p) => [key(p.name), p]));
  const pools = new Map<string, PoolPlan>();
  let upgradeSeconds = 0;
  let scaled = false;
  for (const pool of requested.pools) {
    const was = old.get(key(pool.name));
    const wasVersion = was?.["currentOrchestratorVersion"] as string | undefined;
    if (was && pool.vmSize !== undefined && was.vmSize !== undefined && pool.vmSize !== was.vmSize)
      throw ContainerServiceErrors.PropertyChangeNotAllowed("agentPoolProfile.vmSize");
    const asked = pool["orchestratorVersion"] as string | undefined;
    // A pool that names no version keeps its own; a new one runs the control plane's.
    const orchestratorVersion =
      asked || (was?.["orchestratorVersion"] as string | undefined) || kubernetesVersion;
    const target = asked ? resolveVersion(asked, wasVersion) : (wasVersion ?? controlPlaneTarget);
    if (wasVersion) checkPoolUpgrade(wasVersion, target, controlPlaneTarget);
    checkPoolVersion(pool.name, target, controlPlaneTarget);
    let state: string;
    if (!was) {
      state = "Creating";
      scaled = true;
    } else if (wasVersion !== undefined && target !== wasVersion) {
      state = "Upgrading";
      upgradeSeconds += upgradeBatches(pool) * latency.nodeUpgradeBatch;
      if (pool.count !== was.count) scaled = true;
    } else if (SCALE_FIELDS.some((f) => !same(pool[f], was[f]))) {
      state = "Scaling";
      scaled = true;
    } else if (
      Object.keys(pool).some((f) => !READ_ONLY.includes(f) && pool[f] !== undefined && !same(pool[f], was[f]))
    )
      state = "Updating";
    else state = was["provisioningState"] === "Succeeded" ? "Succeeded" : "Updating";
    pools.set(key(pool.name), { orchestratorVersion, target, current: wasVersion ?? target, state });
  }
  const removed = [...old.values()].filter((p) => !pools.has(key(p.name)));
  if (removed.length > 0) scaled = true;
  const controlPlaneSeconds =
    running !== undefined && running !== controlPlaneTarget ? latency.controlPlaneUpgrade : 0;
  const busySeconds = controlPlaneSeconds + upgradeSeconds + (scaled ? latency.poolScale : 0);
  return {
    kubernetesVersion,
    controlPlaneTarget,
    controlPlaneCurrent: running ?? controlPlaneTarget,
    pools,
    removed,
    durationSeconds: busySeconds > 0 ? busySeconds : latency.clusterUpdate,
  };
}
