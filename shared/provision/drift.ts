// The drift check's pure half: the desired ClusterSpec against what ARM and Kubernetes hold, as
// DriftItem[] (paths in spec terms). No I/O and no clock here: the activity
// (orchestrations/activities/drift.ts) reads one cluster and calls these; the monitor
// (orchestrations/driftMonitor.ts) stamps when each difference was first seen.
import type { AgentPool, ManagedCluster } from "@azure/arm-containerservice";
import { TAGS } from "../azure/models.js";
import type { ClusterTarget } from "../azure/names.js";
import type { ClusterSpec, NodePoolPlan } from "../spec/schema.js";
import type { DriftItem, ProvisionInput } from "./types.js";

/** A difference as the check finds it; the monitor adds `detectedAt`. */
export type DriftFinding = Omit<DriftItem, "detectedAt">;

/** The external event that hands a running monitor a new generation's desired state. */
export const DRIFT_DESIRED_EVENT = "desired";

/** Input of the driftMonitor orchestration (instance `driftInstanceId(baseInstanceId)`). */
export interface DriftMonitorInput {
  /** The cluster's create instance id (provisionInstanceId of its target). */
  baseInstanceId: string;
  /** The generation whose spec is the desired state (a create is generation 1). */
  generation: number;
  /**
   * That generation's input (the create's ProvisionInput, or the update's UpdateInput): the spec,
   * the target, the timings and the cluster's unique id. Never a credential.
   */
  desired: ProvisionInput;
  /** Seconds between two checks (AKSV_DRIFT_INTERVAL_SECONDS, already time-scaled). */
  intervalSeconds: number;
  /** Carried over continueAsNew: the last round's report (so `detectedAt` survives). */
  last?: DriftStatus;
  /**
   * Carried over continueAsNew: a check has found the cluster. Until then a missing cluster is one
   * not created yet (the monitor starts with the create), not one that is gone.
   */
  seen?: boolean;
}

/** What the monitor publishes as custom status (the status document's `drift` comes from here). */
export interface DriftStatus {
  drift: DriftItem[];
  /** When the last check began to read ARM and Kubernetes (absent before the first check). */
  checkedAt?: string;
  /** The generation `drift` was measured against. */
  generation: number;
  /** Why the last round did not check (the cluster was busy with an operation). */
  skipped?: string;
  /** driftPolicy "repair": when the last repair ran and how it ended. */
  repair?: { at: string; outcome: "Succeeded" | "Failed"; error?: string };
}

/** Input of the checkDrift activity: one cluster, its desired spec and its life. */
export interface DriftCheckInput {
  target: ClusterTarget;
  spec: ClusterSpec;
  /** The cluster's unique id: a cluster of the same name from another life is not this one. */
  clusterUid?: string;
  baseInstanceId: string;
}

/**
 * What one check saw: the cluster is gone (404, or another life of it), busy with an operation
 * (provisioningState not Succeeded: nothing is reported), or read, with what differs.
 */
export type DriftObservation =
  | { cluster: "absent" }
  | { cluster: "busy"; provisioningState: string }
  | { cluster: "present"; found: DriftFinding[] };

// --- ARM -----------------------------------------------------------------------------------------

const PRESENT = "present";
const ABSENT = "absent";

function sameSet(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  const x = [...new Set(a ?? [])].sort();
  const y = [...new Set(b ?? [])].sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

function poolDrift(path: string, want: NodePoolPlan, have: AgentPool | undefined): DriftFinding[] {
  if (!have) return [{ path, expected: PRESENT, actual: ABSENT }];
  const out: DriftFinding[] = [];
  const field = (name: string, expected: unknown, actual: unknown) => {
    if (expected !== actual) out.push({ path: `${path}.${name}`, expected, actual: actual ?? null });
  };
  field("vmSize", want.vmSize, have.vmSize);
  field("enableAutoScaling", want.enableAutoScaling, have.enableAutoScaling ?? false);
  if (want.enableAutoScaling) {
    field("minCount", want.minCount, have.minCount);
    field("maxCount", want.maxCount, have.maxCount);
    // The autoscaler moves the count between the bounds: only a count outside them is drift.
    const count = have.count ?? 0;
    if (have.enableAutoScaling && (count < (want.minCount ?? 0) || count > (want.maxCount ?? count)))
      out.push({
        path: `${path}.count`,
        expected: { minCount: want.minCount, maxCount: want.maxCount },
        actual: count,
      });
  } else field("count", want.count, have.count);
  if (!sameSet(want.availabilityZones, have.availabilityZones))
    out.push({
      path: `${path}.availabilityZones`,
      expected: want.availabilityZones ?? [],
      actual: have.availabilityZones ?? [],
    });
  return out;
}

function versionParts(v: string): number[] {
  return v.split(".").map((p) => Number(p));
}

/**
 * Kubernetes version drift, at the precision the spec gives ("1.33" or "1.33.2"). Auto-upgrade is
 * not drift: under the "patch" channel a later patch of the same minor is what was asked, under
 * "stable"/"rapid" any later version; otherwise the version must be the spec's.
 */
function versionDrift(spec: ClusterSpec, actual: string | undefined): DriftFinding[] {
  const expected = spec.kubernetesVersion;
  if (!expected || !actual) return [];
  const want = versionParts(expected);
  const have = versionParts(actual).slice(0, want.length);
  const cmp = (a: number[], b: number[]) => {
    for (let i = 0; i < Math.max(a.length, b.length); i++)
      if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
    return 0;
  };
  const channel = spec.autoUpgradeProfile.upgradeChannel;
  let ok = cmp(have, want) === 0;
  if (channel === "patch") ok = cmp(have.slice(0, 2), want.slice(0, 2)) === 0 && cmp(have, want) >= 0;
  if (channel === "stable" || channel === "rapid") ok = cmp(have, want) >= 0;
  return ok ? [] : [{ path: "kubernetesVersion", expected, actual }];
}

/** The request's tags against the cluster's, our ownership tags aside (they are checked as ownership). */
function tagDrift(spec: ClusterSpec, tags: Record<string, string> | undefined): DriftFinding[] {
  const ours = new Set<string>(Object.values(TAGS));
  const have = Object.fromEntries(Object.entries(tags ?? {}).filter(([k]) => !ours.has(k)));
  const out: DriftFinding[] = [];
  for (const key of [...new Set([...Object.keys(spec.tags), ...Object.keys(have)])].sort()) {
    const expected = spec.tags[key] ?? null;
    const actual = have[key] ?? null;
    if (expected !== actual) out.push({ path: `tags.${key}`, expected, actual });
  }
  return out;
}

/**
 * The cluster as ARM holds it against the spec: the pools (count, autoscaler bounds, size, zones;
 * a pool missing or one nobody asked for), the tags, the Kubernetes version and every setting the
 * spec sets (tier, OIDC issuer, workload identity, add-ons, upgrade channels, API server access,
 * Entra ID).
 */
export function armDrift(spec: ClusterSpec, mc: ManagedCluster): DriftFinding[] {
  const out: DriftFinding[] = [];
  const pools = mc.agentPoolProfiles ?? [];
  const byName = (name: string) => pools.find((p) => p.name?.toLowerCase() === name.toLowerCase());
  out.push(...poolDrift("nodePool", spec.nodePool, byName(spec.nodePool.name)));
  for (const pool of spec.nodePools)
    out.push(...poolDrift(`nodePools[${pool.name}]`, pool, byName(pool.name)));
  const wanted = new Set([spec.nodePool, ...spec.nodePools].map((p) => p.name.toLowerCase()));
  for (const pool of pools)
    if (!wanted.has((pool.name ?? "").toLowerCase()))
      out.push({ path: `nodePools[${pool.name ?? ""}]`, expected: ABSENT, actual: PRESENT });

  out.push(...tagDrift(spec, mc.tags));
  out.push(...versionDrift(spec, mc.currentKubernetesVersion ?? mc.kubernetesVersion));

  const field = (path: string, expected: unknown, actual: unknown) => {
    if (expected !== actual) out.push({ path, expected, actual: actual ?? null });
  };
  field("sku.tier", spec.sku.tier, mc.sku?.tier);
  field("oidcIssuerProfile.enabled", spec.oidcIssuerProfile.enabled, mc.oidcIssuerProfile?.enabled ?? false);
  field(
    "securityProfile.workloadIdentity.enabled",
    spec.securityProfile.workloadIdentity.enabled,
    mc.securityProfile?.workloadIdentity?.enabled ?? false,
  );
  field(
    "addonProfiles.azurepolicy.enabled",
    spec.addonProfiles.azurepolicy.enabled,
    mc.addonProfiles?.["azurepolicy"]?.enabled ?? false,
  );
  const workspace = spec.monitoring?.containerInsights.logAnalyticsWorkspaceId ?? null;
  const oms = mc.addonProfiles?.["omsagent"];
  const haveWorkspace = oms?.enabled ? (oms.config?.["logAnalyticsWorkspaceResourceID"] ?? null) : null;
  if ((workspace ?? "").toLowerCase() !== (haveWorkspace ?? "").toLowerCase())
    out.push({
      path: "monitoring.containerInsights.logAnalyticsWorkspaceId",
      expected: workspace,
      actual: haveWorkspace,
    });
  field(
    "autoUpgradeProfile.upgradeChannel",
    spec.autoUpgradeProfile.upgradeChannel,
    mc.autoUpgradeProfile?.upgradeChannel,
  );
  field(
    "autoUpgradeProfile.nodeOSUpgradeChannel",
    spec.autoUpgradeProfile.nodeOSUpgradeChannel,
    mc.autoUpgradeProfile?.nodeOSUpgradeChannel,
  );
  const ranges = spec.apiServerAccessProfile.authorizedIPRanges ?? [];
  const haveRanges = mc.apiServerAccessProfile?.authorizedIPRanges ?? [];
  if (!sameSet(ranges, haveRanges))
    out.push({ path: "apiServerAccessProfile.authorizedIPRanges", expected: ranges, actual: haveRanges });
  field(
    "apiServerAccessProfile.enablePrivateCluster",
    spec.apiServerAccessProfile.enablePrivateCluster,
    mc.apiServerAccessProfile?.enablePrivateCluster ?? false,
  );
  if (spec.aadProfile)
    field(
      "aadProfile.enableAzureRBAC",
      spec.aadProfile.enableAzureRBAC,
      mc.aadProfile?.enableAzureRbac ?? false,
    );
  else if (mc.aadProfile) out.push({ path: "aadProfile", expected: null, actual: PRESENT });
  const localAccountsOff = spec.disableLocalAccounts ?? Boolean(spec.aadProfile);
  field("disableLocalAccounts", localAccountsOff, mc.disableLocalAccounts ?? false);
  return out;
}

// --- Kubernetes ----------------------------------------------------------------------------------

/** Metadata the API server writes itself: never drift. */
const SERVER_METADATA = new Set([
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "managedFields",
  "selfLink",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
]);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** An object as JSON without what the server owns (status, server metadata), undefined keys dropped. */
function comparable(obj: unknown): Json {
  const copy = JSON.parse(JSON.stringify(obj ?? null)) as Json;
  if (isObject(copy)) {
    delete copy["status"];
    const meta = copy["metadata"];
    if (isObject(meta)) for (const key of SERVER_METADATA) delete meta[key];
  }
  return copy;
}

function leafDiff(
  path: string,
  expected: Json | undefined,
  actual: Json | undefined,
  out: DriftFinding[],
): void {
  if (isObject(expected) && isObject(actual)) {
    for (const key of [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort())
      leafDiff(`${path}.${key}`, expected[key], actual[key], out);
    return;
  }
  // Lists are compared whole: a NetworkPolicy's rules, a container's ports mean something in order.
  if (JSON.stringify(expected ?? null) !== JSON.stringify(actual ?? null))
    out.push({ path, expected: expected ?? null, actual: actual ?? null });
}

/**
 * A Kubernetes object as it is (`actual`) against what applying ours would make of it (`expected`:
 * the server's dry run of our server-side apply, so the server's defaults are on both sides and
 * fields other managers own are left alone): each differing leaf, under `path`.
 */
export function kubeObjectDrift(path: string, expected: unknown, actual: unknown): DriftFinding[] {
  const out: DriftFinding[] = [];
  leafDiff(path, comparable(expected), comparable(actual), out);
  return out;
}

/** An object the spec asks for and the cluster does not have. */
export function missingObject(path: string): DriftFinding {
  return { path, expected: PRESENT, actual: ABSENT };
}

/** An object carrying our managed-by mark that the spec does not ask for (any more). */
export function unexpectedObject(path: string): DriftFinding {
  return { path, expected: ABSENT, actual: PRESENT };
}

// --- the monitor's bookkeeping -----------------------------------------------------------------

const key = (f: DriftFinding) =>
  `${f.path}\u0000${JSON.stringify(f.expected)}\u0000${JSON.stringify(f.actual)}`;

/**
 * The findings of this round as DriftItems: an item seen the round before (same path, expected and
 * actual) keeps its `detectedAt`; a new one is stamped `now`.
 */
export function stampDrift(
  found: readonly DriftFinding[],
  previous: readonly DriftItem[],
  now: string,
): DriftItem[] {
  const seen = new Map(previous.map((item) => [key(item), item.detectedAt]));
  return found.map((f) => ({ ...f, detectedAt: seen.get(key(f)) ?? now }));
}

/**
 * Does anything found need more than seeding namespaces again: ARM drift (anything not under
 * `namespaces[…]`), or an object of ours the spec does not ask for (seeding adds, it never prunes)?
 * Those are repaired by updateCluster.
 */
export function hasUnseedableDrift(items: readonly DriftFinding[]): boolean {
  return items.some((i) => !i.path.startsWith("namespaces[") || i.expected === ABSENT);
}

/** The namespaces of the spec with something missing or edited (seeding them again repairs it). */
export function namespacesWithDrift(
  spec: ClusterSpec,
  items: readonly DriftFinding[],
): ClusterSpec["namespaces"] {
  return spec.namespaces.filter((ns) =>
    items.some((i) => i.path.startsWith(`namespaces[${ns.name}]`) && i.expected !== ABSENT),
  );
}

/** A monitor's custom status, if `v` is one. */
export function asDriftStatus(v: unknown): DriftStatus | undefined {
  return isObject(v) && Array.isArray(v["drift"]) && typeof v["generation"] === "number"
    ? (v as unknown as DriftStatus)
    : undefined;
}
