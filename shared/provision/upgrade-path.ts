// The Kubernetes upgrade path of a cluster, from the region's listing (GET
// …/locations/{loc}/kubernetesVersions, KubernetesVersionListResult): AKS upgrades the control plane
// one minor version at a time, only forward, and only to versions the listing offers from the patch
// it runs (`patchVersions[patch].upgrades`). Pure: the activity reads, this decides.
import type { StepError } from "../azure/errors.js";

/** The listing as the SDK answers it (only what the path needs). */
export interface VersionListing {
  values?: { version?: string; patchVersions?: Record<string, { upgrades?: string[] }> }[];
}

type Parsed = { major: number; minor: number; patch?: number };

export function parseVersion(v: string): Parsed | undefined {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?$/.exec(v.trim());
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), ...(m[3] !== undefined ? { patch: Number(m[3]) } : {}) };
}

function compare(a: Parsed, b: Parsed): number {
  return a.major - b.major || a.minor - b.minor || (a.patch ?? 0) - (b.patch ?? 0);
}

/** The newest listed patch of a minor version (what AKS runs for the alias "1.x"). */
function newestPatch(listing: VersionListing, minor: string): string | undefined {
  const entry = listing.values?.find((v) => v.version === minor);
  const patches = Object.keys(entry?.patchVersions ?? {})
    .map((p) => ({ p, parsed: parseVersion(p) }))
    .filter((x): x is { p: string; parsed: Parsed } => x.parsed !== undefined)
    .sort((a, b) => compare(a.parsed, b.parsed));
  return patches.at(-1)?.p;
}

/** The versions the listing lets a cluster at `patch` go to (undefined: the patch is not listed). */
function upgradesFrom(listing: VersionListing, patch: string): string[] | undefined {
  for (const v of listing.values ?? []) {
    const found = v.patchVersions?.[patch];
    if (found) return found.upgrades ?? [];
  }
  return undefined;
}

export type UpgradePath = { ok: true; hops: string[] } | { ok: false; error: StepError };

/**
 * The control plane's hops from the patch it runs (`currentPatch`, e.g. "1.33.3") to `target` ("1.34"
 * or "1.34.1"): one per minor version, each but the last as its minor alias (AKS takes the newest
 * patch), the last as the spec writes it. Empty when the cluster is there already. A downgrade, a
 * minor the region does not offer, or a hop the listing does not allow from where the cluster would
 * be is refused before anything is written.
 */
export function upgradePath(currentPatch: string, target: string, listing: VersionListing): UpgradePath {
  const from = parseVersion(currentPatch);
  const to = parseVersion(target);
  if (!from || !to)
    return refuse("InvalidKubernetesVersion", `cannot compare versions ${currentPatch} and ${target}`);
  if (to.major !== from.major)
    return refuse("UpgradePathNotFound", `no upgrade path from ${currentPatch} to ${target} (major version)`);
  const downgrade = () =>
    refuse(
      "KubernetesVersionDowngradeNotAllowed",
      `the cluster runs ${currentPatch}: Kubernetes versions only go forward (asked for ${target})`,
    );
  if (to.minor < from.minor) return downgrade();
  const exact = to.patch !== undefined;
  if (to.minor === from.minor) {
    if (!exact || to.patch === from.patch) return { ok: true, hops: [] };
    if (to.patch! < (from.patch ?? 0)) return downgrade();
    const allowed = upgradesFrom(listing, currentPatch);
    if (allowed && !allowed.includes(target)) return noPath(currentPatch, target, allowed);
    return { ok: true, hops: [target] };
  }
  const hops: string[] = [];
  let at = currentPatch;
  for (let minor = from.minor + 1; minor <= to.minor; minor++) {
    const alias = `${to.major}.${minor}`;
    const last = minor === to.minor;
    const hop = last ? target : alias;
    const entry = listing.values?.find((v) => v.version === alias);
    const lands = last && exact ? target : newestPatch(listing, alias);
    if (!entry || !lands || (last && exact && !entry.patchVersions?.[target]))
      return refuse("KubernetesVersionNotSupported", `Kubernetes ${hop} is not offered in this region`);
    const allowed = upgradesFrom(listing, at);
    // A patch the listing no longer names (out of its window) is held to AKS's rule only: one minor.
    const reaches = (u: string) => (last && exact ? u === target : minorVersion(u) === alias);
    if (allowed && !allowed.some(reaches)) return noPath(at, hop, allowed);
    hops.push(hop);
    at = lands;
  }
  return { ok: true, hops };
}

function noPath(from: string, to: string, allowed: string[]): UpgradePath {
  return refuse(
    "UpgradePathNotFound",
    `no upgrade from ${from} to ${to} in this region (it offers ${allowed.join(", ") || "none"})`,
  );
}

function refuse(code: string, message: string): UpgradePath {
  return { ok: false, error: { code, message } };
}

/** "1.34" of "1.34.2" (the step names' version). */
export function minorVersion(v: string): string {
  const p = parseVersion(v);
  return p ? `${p.major}.${p.minor}` : v;
}
