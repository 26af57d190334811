// What an update of an existing cluster has to do: the difference between the spec the cluster has
// reached (previousSpec) and the one asked for, as the work updateCluster runs (which steps, which
// pools, which namespaces, which role assignments go). Pure and deterministic: the orchestrator
// calls it on its input, so every replay plans the same. Under `reconcile` (drift repair) every part
// the spec describes is applied again, whatever previousSpec says.
import type { KeptObjects } from "../kube/prune.js";
import { accessAssignments, type AccessAssignment, type AccessGrant } from "../spec/access.js";
import { defaultDenyPolicyName } from "../spec/rules/namespaces.js";
import type { ClusterSpec, NodePoolPlan } from "../spec/schema.js";

export interface UpdatePlan {
  /** The cluster PUT: tags, tier, channels, API server ranges, add-ons, existing pools' scale. */
  clusterSettings: boolean;
  /** The maintenance configurations (window or channels changed, and a channel is on). */
  maintenance: boolean;
  /** The pod security initiative's assignment (its level or effect changed). */
  policyAssignment: boolean;
  /** User pools to create through the agentPools subresource. */
  poolsAdded: NodePoolPlan[];
  /** User pools to delete through the agentPools subresource. */
  poolsRemoved: string[];
  /** The Kubernetes version to bring the cluster to, when it changed (or reconcile and one is set). */
  kubernetesVersion?: string;
  /** Assign the grants (and the app's Cluster Admin) again: Entra ID clusters whose grants changed. */
  grantAccess: boolean;
  /** Role assignments of the previous grants the new ones no longer hold. */
  revokeAccess: AccessAssignment[];
  /** Namespaces to seed (added or changed), in the spec's order. */
  seed: string[];
  /** Something seeded before is gone from the spec (a namespace, workload, Service or policy). */
  prune: boolean;
  /** Verify again (there are expectations or grants, and something changed). */
  verify: boolean;
}

export interface PlanInput {
  spec: ClusterSpec;
  previousSpec: ClusterSpec;
  access?: AccessGrant[];
  previousAccess?: AccessGrant[];
  reconcile?: boolean;
}

/**
 * JSON with sorted keys (by code unit, not locale: the same in every process that replays): two
 * values are the same setting whatever order their keys came in.
 */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

const same = (a: unknown, b: unknown): boolean => canonical(a) === canonical(b);

/** What a pool PUT changes in place: the node count and the autoscaler (never its VM size or zones). */
export function poolScale(
  p: NodePoolPlan,
): Pick<NodePoolPlan, "count" | "enableAutoScaling" | "minCount" | "maxCount"> {
  return {
    count: p.count,
    enableAutoScaling: p.enableAutoScaling,
    ...(p.enableAutoScaling ? { minCount: p.minCount, maxCount: p.maxCount } : {}),
  };
}

/** The cluster settings one managed cluster PUT applies, for pools that exist before and after. */
function clusterSettings(spec: ClusterSpec, pools: ReadonlySet<string>): unknown {
  return {
    tags: spec.tags,
    sku: spec.sku,
    autoUpgradeProfile: spec.autoUpgradeProfile,
    apiServerAccessProfile: spec.apiServerAccessProfile,
    addonProfiles: spec.addonProfiles,
    oidcIssuerProfile: spec.oidcIssuerProfile,
    securityProfile: spec.securityProfile,
    monitoring: spec.monitoring ?? null,
    aadProfile: spec.aadProfile ?? null,
    disableLocalAccounts: spec.disableLocalAccounts ?? null,
    pools: allPools(spec)
      .filter((p) => pools.has(p.name))
      .map((p) => ({ name: p.name, ...poolScale(p) })),
  };
}

export function allPools(spec: ClusterSpec): NodePoolPlan[] {
  return [spec.nodePool, ...spec.nodePools];
}

/** The Kubernetes objects a spec seeds, by namespace: what pruning keeps. */
export type SeededObjects = KeptObjects;

export function seededObjects(spec: ClusterSpec): SeededObjects[] {
  return spec.namespaces.map((ns) => ({
    namespace: ns.name,
    networkPolicies: [
      ...(ns.defaultDeny.length > 0 ? [defaultDenyPolicyName(ns.defaultDeny)] : []),
      ...ns.networkPolicies.map((p) => p.name),
    ],
    deployments: ns.workloads.map((w) => w.name),
    services: ns.workloads.filter((w) => w.expose).map((w) => w.name),
  }));
}

/** True when `after` no longer has an object `before` seeded. */
function somethingRemoved(before: SeededObjects[], after: SeededObjects[]): boolean {
  const now = new Map(after.map((o) => [o.namespace, o]));
  return before.some((b) => {
    const a = now.get(b.namespace);
    if (!a) return true;
    const gone = (x: string[], y: string[]) => x.some((name) => !y.includes(name));
    return (
      gone(b.networkPolicies, a.networkPolicies) ||
      gone(b.deployments, a.deployments) ||
      gone(b.services, a.services)
    );
  });
}

const assignmentKey = (a: AccessAssignment) =>
  `${a.scope.toLowerCase()}|${a.roleGuid}|${a.principalId.toLowerCase()}`;

/** The role assignments `previous` grants and `current` does not (the app's own is in neither). */
export function revokedAssignments(
  previous: AccessGrant[],
  current: AccessGrant[],
  clusterId: string,
): AccessAssignment[] {
  const kept = new Set(accessAssignments(current, clusterId).map(assignmentKey));
  return accessAssignments(previous, clusterId).filter((a) => !kept.has(assignmentKey(a)));
}

export function planUpdate(input: PlanInput, clusterId: string): UpdatePlan {
  const { spec, previousSpec: prev } = input;
  const all = input.reconcile === true;
  const prevPools = new Set(allPools(prev).map((p) => p.name));
  const kept = new Set(
    allPools(spec)
      .filter((p) => prevPools.has(p.name))
      .map((p) => p.name),
  );
  const clusterSettingsChanged = !same(clusterSettings(prev, kept), clusterSettings(spec, kept));

  const channelsOn = spec.autoUpgradeProfile.upgradeChannel !== "none" || maintenanceNodeChannel(spec);
  const maintenanceChanged =
    !same(prev.maintenanceWindow, spec.maintenanceWindow) ||
    !same(prev.autoUpgradeProfile, spec.autoUpgradeProfile);

  const previousNamespaces = new Map(prev.namespaces.map((ns) => [ns.name, ns]));
  const seed = spec.namespaces
    .filter((ns) => all || !same(previousNamespaces.get(ns.name), ns))
    .map((ns) => ns.name);

  const aad = spec.aadProfile !== undefined;
  const access = aad ? (input.access ?? []) : [];
  const previousAccess = prev.aadProfile ? (input.previousAccess ?? []) : [];
  const revokeAccess = aad ? revokedAssignments(previousAccess, access, clusterId) : [];
  const grantAccess = aad && (all || !same(previousAccess, access) || !prev.aadProfile);

  const versionChanged =
    spec.kubernetesVersion !== undefined && spec.kubernetesVersion !== prev.kubernetesVersion;
  const plan: UpdatePlan = {
    clusterSettings: all || clusterSettingsChanged,
    maintenance: channelsOn && (all || maintenanceChanged),
    policyAssignment:
      spec.podSecurityStandard !== undefined &&
      (all || !same(prev.podSecurityStandard, spec.podSecurityStandard)),
    poolsAdded: spec.nodePools.filter((p) => all || !prevPools.has(p.name)),
    poolsRemoved: prev.nodePools.map((p) => p.name).filter((name) => !kept.has(name)),
    ...(spec.kubernetesVersion !== undefined && (all || versionChanged)
      ? { kubernetesVersion: spec.kubernetesVersion }
      : {}),
    grantAccess,
    revokeAccess,
    seed,
    prune: all || somethingRemoved(seededObjects(prev), seededObjects(spec)),
    verify: false,
  };
  const expectations = spec.namespaces.some((ns) => ns.expectations.length > 0);
  plan.verify = (expectations || access.length > 0) && (all || changesAnything(plan));
  return plan;
}

function maintenanceNodeChannel(spec: ClusterSpec): boolean {
  const c = spec.autoUpgradeProfile.nodeOSUpgradeChannel;
  return c !== "None" && c !== "Unmanaged";
}

/** True when the plan has any work (an update that changes nothing ends at once). */
export function changesAnything(plan: UpdatePlan): boolean {
  return (
    plan.clusterSettings ||
    plan.maintenance ||
    plan.policyAssignment ||
    plan.poolsAdded.length > 0 ||
    plan.poolsRemoved.length > 0 ||
    plan.kubernetesVersion !== undefined ||
    plan.grantAccess ||
    plan.revokeAccess.length > 0 ||
    plan.seed.length > 0 ||
    plan.prune
  );
}
