// The Kubernetes versions the emulated region offers and AKS's version rules. The listing has the
// 2023+ shape (`locations/{loc}/kubernetesVersions`, KubernetesVersionListResult: one entry per minor
// with its patches, each patch with its upgrade paths — later patches of its minor and the next
// minor's patches, as the spec's example publishes them) and the older orchestrators list
// (`locations/{loc}/orchestrators?resource-type=managedClusters`, what az 2.45's `aks get-versions`
// reads: one entry per patch). A cluster created without a version gets the region's default.
//
// The rules (the SDK's documentation of `kubernetesVersion` and `orchestratorVersion`, and "Upgrade
// an AKS cluster"): a version given as <major.minor> means that minor's newest patch, except that
// the same minor again keeps the running patch (no upgrade); the control plane moves only along the
// region's upgrade paths (one minor at a time, patch upgrades within a minor, never down); a node
// pool is never above the control plane and at most two minors below it.
import { ContainerServiceErrors } from "./errors.js";

interface RegionMinor {
  /** The minor version, as `kubernetesVersion` names it. */
  version: string;
  /** Its patches the region offers, oldest first; a cluster of that minor runs the newest. */
  patches: readonly string[];
  isDefault?: boolean;
  isPreview?: boolean;
}

export const REGION_VERSIONS: readonly RegionMinor[] = [
  { version: "1.31", patches: ["1.31.10", "1.31.11"] },
  { version: "1.32", patches: ["1.32.6", "1.32.7"] },
  { version: "1.33", patches: ["1.33.2", "1.33.3"], isDefault: true },
  { version: "1.34", patches: ["1.34.0"], isPreview: true },
];

/** How many minors a node pool may be below its control plane ("within two minor versions"). */
export const POOL_MINOR_SKEW = 2;

export const DEFAULT_VERSION = REGION_VERSIONS.find((v) => v.isDefault)!.version;

const newest = (m: RegionMinor): string => m.patches[m.patches.length - 1]!;
const minorOf = (version: string): string => version.split(".").slice(0, 2).join(".");
const minorNumber = (version: string): number => Number(version.split(".")[1]);
const patchNumber = (version: string): number => Number(version.split(".")[2] ?? 0);
const isPatch = (version: string): boolean => version.split(".").length > 2;

/** -1, 0 or 1 as full versions a and b compare (same major). */
export function compareVersions(a: string, b: string): number {
  return Math.sign(minorNumber(a) - minorNumber(b) || patchNumber(a) - patchNumber(b));
}

/** The version a cluster asked for, or the region's default for an absent or empty one (az sends ""). */
export function requestedVersion(version: string | undefined): string {
  return version ? version : DEFAULT_VERSION;
}

/** Whether the region publishes `version` (a minor it lists, or one of its patches). */
export function isSupported(version: string): boolean {
  const minor = REGION_VERSIONS.find((m) => m.version === minorOf(version));
  return !!minor && (!isPatch(version) || minor.patches.includes(version));
}

/**
 * The full patch version `requested` means for something running `running` (undefined: a new
 * cluster or pool): a patch as given; a minor its newest patch, or the running patch when it is
 * already on that minor (AKS: "Updating the cluster with the same <major.minor> … will not trigger
 * an upgrade"). Throws K8sVersionNotSupported for a version the region does not publish.
 */
export function resolveVersion(requested: string, running: string | undefined): string {
  if (!isSupported(requested)) throw ContainerServiceErrors.K8sVersionNotSupported(requested);
  if (isPatch(requested)) return requested;
  if (running && minorOf(running) === requested) return running;
  return newest(REGION_VERSIONS.find((m) => m.version === requested)!);
}

/** The full patch version a new cluster of `version` runs (kept for callers that need no rules). */
export function currentVersion(version: string): string {
  return isSupported(version) ? resolveVersion(version, undefined) : version;
}

/** Where a patch may upgrade to: later patches of its minor, then every patch of the next minor. */
export function upgradesOf(patch: string): string[] {
  const i = REGION_VERSIONS.findIndex((m) => m.version === minorOf(patch));
  if (i < 0) return [];
  const later = REGION_VERSIONS[i]!.patches.filter((p) => compareVersions(p, patch) > 0);
  return [...later, ...(REGION_VERSIONS[i + 1]?.patches ?? [])];
}

/** The control plane may move from `from` to `to` only along the region's upgrade paths. */
export function checkControlPlaneUpgrade(from: string, to: string): void {
  if (from === to || upgradesOf(from).includes(to)) return;
  // AKS lists the available upgrades newest first.
  throw ContainerServiceErrors.UpgradeNotAllowed(from, to, [...upgradesOf(from)].reverse());
}

/** A pool's version against its control plane's: never above it, at most two minors below. */
export function checkPoolVersion(pool: string, poolVersion: string, controlPlane: string): void {
  const below = minorNumber(controlPlane) - minorNumber(poolVersion);
  if (below < 0 || (below === 0 && patchNumber(poolVersion) > patchNumber(controlPlane)))
    throw ContainerServiceErrors.NodePoolMcVersionIncompatible(
      pool,
      poolVersion,
      controlPlane,
      below < 0
        ? `Minor version of node pool version ${minorNumber(poolVersion)} is bigger than control plane version ${minorNumber(controlPlane)}.`
        : `Patch version of node pool version ${patchNumber(poolVersion)} is bigger than control plane version ${patchNumber(controlPlane)}.`,
    );
  if (below > POOL_MINOR_SKEW)
    throw ContainerServiceErrors.NodePoolMcVersionIncompatible(
      pool,
      poolVersion,
      controlPlane,
      `Minor version of node pool version ${minorNumber(poolVersion)} is more than ${POOL_MINOR_SKEW} behind control plane version ${minorNumber(controlPlane)}.`,
    );
}

/**
 * A pool never moves down (AKS has no downgrade); up, it may go to any version the region publishes
 * up to its control plane's (the skew rule above bounds it).
 */
export function checkPoolUpgrade(from: string, to: string, controlPlane: string): void {
  if (compareVersions(to, from) >= 0) return;
  throw ContainerServiceErrors.UpgradeNotAllowed(from, to, poolUpgradesOf(from, controlPlane).reverse());
}

/** Where a pool running `current` may upgrade to: the region's later patches up to its control plane's. */
export function poolUpgradesOf(current: string, controlPlane: string): string[] {
  return REGION_VERSIONS.flatMap((m) => m.patches).filter(
    (p) => compareVersions(p, current) > 0 && compareVersions(p, controlPlane) <= 0,
  );
}

/** Upgrade entries of an upgrade profile: each version, marked when the region has it in preview. */
export function upgradeItems(versions: string[]): { kubernetesVersion: string; isPreview?: boolean }[] {
  return versions.map((v) => ({
    kubernetesVersion: v,
    ...(REGION_VERSIONS.find((m) => m.version === minorOf(v))?.isPreview ? { isPreview: true } : {}),
  }));
}

/** GET …/locations/{loc}/kubernetesVersions (KubernetesVersionListResult). */
export function kubernetesVersions() {
  return {
    values: REGION_VERSIONS.map((v) => ({
      version: v.version,
      capabilities: { supportPlan: ["KubernetesOfficial"] },
      ...(v.isDefault ? { isDefault: true } : {}),
      isPreview: v.isPreview ?? false,
      patchVersions: Object.fromEntries(v.patches.map((p) => [p, { upgrades: upgradesOf(p) }])),
    })),
  };
}

/** GET …/locations/{loc}/orchestrators?resource-type=managedClusters (OrchestratorVersionProfileListResult). */
export function orchestrators(sub: string, location: string) {
  return {
    id: `/subscriptions/${sub}/providers/Microsoft.ContainerService/locations/${location}/orchestrators`,
    name: "default",
    type: "Microsoft.ContainerService/locations/orchestrators",
    properties: {
      orchestrators: REGION_VERSIONS.flatMap((v) =>
        v.patches.map((patch) => {
          const upgrades = upgradesOf(patch);
          return {
            orchestratorType: "Kubernetes",
            orchestratorVersion: patch,
            ...(v.isDefault && patch === newest(v) ? { default: true } : {}),
            ...(v.isPreview ? { isPreview: true } : {}),
            ...(upgrades.length > 0
              ? {
                  upgrades: upgrades.map((u) => ({ orchestratorType: "Kubernetes", orchestratorVersion: u })),
                }
              : {}),
          };
        }),
      ),
    },
  };
}
