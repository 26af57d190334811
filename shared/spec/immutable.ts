// What an update may not change (FieldImmutable), and the Kubernetes version rules of an update.
// Pure: the API compares the cluster's current spec with the requested one and answers 409 with one
// detail per path. The rules follow what AKS itself cannot change on an existing cluster: its
// identity and place (name, subscription, location, resource group), the whole network profile
// (plugin mode, policy engine, dataplane, every address range, the VNet and subnet), a node pool's
// VM size and availability zones (AKS: "you can't change the VM size of a node pool after you create
// it"; zones are chosen at creation only: add a new pool instead), Microsoft Entra integration and
// the OIDC issuer once on (neither can be turned off), and whether the API server is private.
// Our own: the team (the quota and every resource's tag name it) and the system pool's name.
import type { Problem } from "../validation/problems.js";
import type { ClusterSpec } from "./schema.js";

const CODE = "FieldImmutable";

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function show(v: unknown): string {
  return v === undefined ? "(absent)" : JSON.stringify(v);
}

function changed(path: string, from: unknown, to: unknown, why: string): Problem {
  return { path, code: CODE, message: `${path} cannot change (${show(from)} → ${show(to)}): ${why}` };
}

const NETWORK_FIELDS = [
  "pluginMode",
  "policy",
  "dataplane",
  "vnetName",
  "subnetName",
  "vnetAddressSpace",
  "subnetPrefix",
  "serviceCidr",
  "dnsServiceIp",
  "podCidr",
] as const;

const NEW_CLUSTER = "delete the cluster and create it again to change it";
const NEW_POOL =
  "AKS cannot change it on an existing node pool; add a new pool with it and remove the old one";

/** Every field `after` changes that AKS (or this API) cannot change in place: one problem per path. */
export function immutableViolations(before: ClusterSpec, after: ClusterSpec): Problem[] {
  const out: Problem[] = [];
  const check = (path: string, from: unknown, to: unknown, why: string) => {
    if (!same(from, to)) out.push(changed(path, from, to, why));
  };
  check("name", before.name, after.name, "the name is the cluster's identity");
  check("team", before.team, after.team, "the team owns the cluster, its quota and its tags");
  check("subscriptionId", before.subscriptionId, after.subscriptionId, NEW_CLUSTER);
  check("location", before.location, after.location, NEW_CLUSTER);
  check("resourceGroup", before.resourceGroup, after.resourceGroup, NEW_CLUSTER);
  for (const f of NETWORK_FIELDS)
    check(
      `network.${f}`,
      before.network[f],
      after.network[f],
      `AKS cannot change the network profile; ${NEW_CLUSTER}`,
    );

  check("nodePool.name", before.nodePool.name, after.nodePool.name, "the system pool keeps its name");
  check("nodePool.vmSize", before.nodePool.vmSize, after.nodePool.vmSize, NEW_POOL);
  check(
    "nodePool.availabilityZones",
    before.nodePool.availabilityZones,
    after.nodePool.availabilityZones,
    NEW_POOL,
  );
  after.nodePools.forEach((pool, i) => {
    const old = before.nodePools.find((p) => p.name === pool.name);
    if (!old) return; // a new pool: anything goes
    check(`nodePools[${i}].vmSize`, old.vmSize, pool.vmSize, NEW_POOL);
    check(`nodePools[${i}].availabilityZones`, old.availabilityZones, pool.availabilityZones, NEW_POOL);
  });

  if (before.aadProfile && !after.aadProfile)
    out.push(
      changed("aadProfile", before.aadProfile, undefined, "AKS cannot turn Microsoft Entra integration off"),
    );
  else if (before.aadProfile && after.aadProfile)
    check(
      "aadProfile.tenantID",
      before.aadProfile.tenantID,
      after.aadProfile.tenantID,
      "the cluster's Entra tenant is fixed once integration is on",
    );
  if (before.oidcIssuerProfile.enabled && !after.oidcIssuerProfile.enabled)
    out.push(
      changed("oidcIssuerProfile.enabled", true, false, "AKS cannot turn the OIDC issuer off once it is on"),
    );
  check(
    "apiServerAccessProfile.enablePrivateCluster",
    before.apiServerAccessProfile.enablePrivateCluster,
    after.apiServerAccessProfile.enablePrivateCluster,
    `AKS cannot make an existing API server private or public; ${NEW_CLUSTER}`,
  );
  return out;
}

/** Compares Kubernetes versions numerically ("1.9" < "1.10"; a minor without patch is its ".0"). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The minor version of a version ("1.33.3" → "1.33"). */
export function minorOf(version: string): string {
  return version.split(".").slice(0, 2).join(".");
}

/**
 * The Kubernetes version rules of an update: only forward (409 VersionDowngradeNotAllowed), and
 * only to a version the region offers (400 KubernetesVersionNotSupported; `offered` lists the
 * region's minor and patch versions, undefined when they were not read). An absent version keeps
 * the cluster's.
 */
export function versionProblems(
  before: string | undefined,
  after: string | undefined,
  offered: readonly string[] | undefined,
): { status: 400 | 409; problem: Problem } | undefined {
  if (after === undefined || after === before) return undefined;
  // A minor without patch ("1.33") means that minor's newest patch: "1.33" after "1.33.2" is no downgrade.
  const sameMinorUnpatched =
    after.split(".").length === 2 && before !== undefined && minorOf(after) === minorOf(before);
  if (before !== undefined && compareVersions(after, before) < 0 && !sameMinorUnpatched)
    return {
      status: 409,
      problem: {
        path: "kubernetesVersion",
        code: "VersionDowngradeNotAllowed",
        message: `kubernetesVersion cannot go back from ${before} to ${after}: AKS upgrades only forward`,
      },
    };
  if (offered && !offered.includes(after))
    return {
      status: 400,
      problem: {
        path: "kubernetesVersion",
        code: "KubernetesVersionNotSupported",
        message: `the region does not offer Kubernetes ${after}; it offers ${offered.join(", ")}`,
      },
    };
  return undefined;
}
