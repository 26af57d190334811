// ARM activities of an update (updateCluster): the cluster PUT with the spec's settings, the
// agentPools subresource (pools added, scaled, upgraded, removed), the upgrade's plan from the
// region's listing, and the revocation of role assignments. Like the create's: GET first, write only
// what differs, never while the cluster is busy (answer "running" and let the orchestrator come back
// on a durable timer), never wait for a long operation here, throw only for transient failures.
import type { AgentPool, ManagedCluster, ManagedClusterAgentPoolProfile } from "@azure/arm-containerservice";
import { classifyArmError, isBusy, scrub } from "../../shared/azure/errors.js";
import {
  agentPoolModel,
  isOwnedBy,
  isTerminalProvisioningState,
  managedClusterModel,
  ownedTags,
} from "../../shared/azure/models.js";
import { identityName, ids, roleAssignmentName } from "../../shared/azure/names.js";
import type {
  AgentPoolDeleteInput,
  AgentPoolInput,
  AgentPoolOutput,
  ClusterInfo,
  ClusterOwner,
  ClusterUpdateInput,
  LroStep,
  RevokeAccessInput,
  RevokeAccessOutput,
  UpgradePlanInput,
  UpgradePlanOutput,
} from "../../shared/provision/activity-io.js";
import { canonical, poolScale } from "../../shared/provision/changes.js";
import type { ActivityResult } from "../../shared/provision/types.js";
import { upgradePath } from "../../shared/provision/upgrade-path.js";
import type { ClusterTarget } from "../../shared/azure/names.js";
import {
  clusterInfo,
  defaultArmDeps,
  getOrUndefined,
  guarded,
  guardedLro,
  isNotFound,
  submit,
  type ArmDeps,
} from "./arm.js";

type Read = { ok: true; cluster: ManagedCluster } | { ok: false; step: LroStep<never> };

/** The cluster, when it is ours and not busy: otherwise what the activity answers instead. */
async function ownCluster(deps: ArmDeps, target: ClusterTarget, owner: ClusterOwner): Promise<Read> {
  const { containerService } = deps.clients(target.subscriptionId);
  const cluster = await getOrUndefined(() =>
    containerService.managedClusters.get(target.resourceGroup, target.name),
  );
  if (!cluster)
    return {
      ok: false,
      step: {
        status: "failed",
        error: { code: "ResourceNotFound", message: `${ids.cluster(target)} not found` },
      },
    };
  if (!isOwnedBy(cluster.tags, owner))
    return {
      ok: false,
      step: {
        status: "failed",
        error: {
          code: "ClusterNotOwned",
          message: `managed cluster ${target.name} was not created by aks-vending for this cluster`,
        },
      },
    };
  if (!isTerminalProvisioningState(cluster.provisioningState))
    return { ok: false, step: { status: "running" } };
  return { ok: true, cluster };
}

/** A write refused because the cluster is busy is an answer (waited for on durable timers), not a throw. */
async function submitted<T>(start: () => Promise<LroStep<T>>): Promise<LroStep<T>> {
  try {
    return await start();
  } catch (e) {
    const c = classifyArmError(e);
    if (isBusy(c)) return { status: "failed", error: { code: c.code, message: scrub(c.message) } };
    throw e;
  }
}

/** The writable fields of a pool as ARM shows it (read-only ones such as its state are not sent back). */
function writablePool(p: ManagedClusterAgentPoolProfile): ManagedClusterAgentPoolProfile {
  const keep = [
    "name",
    "count",
    "vmSize",
    "mode",
    "osType",
    "type",
    "vnetSubnetID",
    "enableAutoScaling",
    "minCount",
    "maxCount",
    "availabilityZones",
    "orchestratorVersion",
    "maxPods",
    "osDiskSizeGB",
    "osSKU",
    "nodeLabels",
    "nodeTaints",
  ] as const;
  const out: Record<string, unknown> = {};
  for (const k of keep) if (p[k] !== undefined) out[k] = p[k];
  return out as unknown as ManagedClusterAgentPoolProfile;
}

/** The cluster as this update wants it: the spec's settings, the running pools' versions kept. */
export function desiredCluster(
  input: ClusterUpdateInput,
  existing: ManagedCluster,
): ManagedCluster & { location: string } {
  const { target, spec } = input;
  const subnetId = ids.subnet(target, spec.network.vnetName, spec.network.subnetName);
  const identityId = ids.identity(target, identityName(spec.name));
  const model = managedClusterModel(spec, { identityId, subnetId }, ownedTags(spec, input.owner));
  const wanted = [spec.nodePool, ...spec.nodePools];
  const kubernetesVersion = input.kubernetesVersion ?? existing.kubernetesVersion;
  return {
    ...model,
    ...(kubernetesVersion ? { kubernetesVersion } : {}),
    // The pools as they are, each the spec still has scaled as it says; a pool's version changes
    // through the agentPools subresource (control plane first), never in this PUT.
    agentPoolProfiles: (existing.agentPoolProfiles ?? []).map((current) => {
      const pool = wanted.find((p) => p.name === current.name);
      if (!pool) return writablePool(current);
      return {
        ...writablePool(current),
        ...agentPoolModel(pool, current.vnetSubnetID ?? subnetId),
        name: current.name,
        ...(current.orchestratorVersion ? { orchestratorVersion: current.orchestratorVersion } : {}),
      };
    }),
  };
}

/** The settings an update PUTs, as one comparable value (what ARM shows against what is wanted). */
function settingsOf(mc: ManagedCluster): string {
  const ranges = mc.apiServerAccessProfile?.authorizedIPRanges ?? [];
  return canonical({
    tags: mc.tags ?? {},
    tier: mc.sku?.tier,
    kubernetesVersion: mc.kubernetesVersion,
    upgradeChannel: mc.autoUpgradeProfile?.upgradeChannel,
    nodeOSUpgradeChannel: mc.autoUpgradeProfile?.nodeOSUpgradeChannel,
    authorizedIPRanges: [...ranges].sort(),
    azurepolicy: mc.addonProfiles?.["azurepolicy"]?.enabled ?? false,
    omsagent: mc.addonProfiles?.["omsagent"]?.enabled ?? false,
    oidc: mc.oidcIssuerProfile?.enabled ?? false,
    workloadIdentity: mc.securityProfile?.workloadIdentity?.enabled ?? false,
    pools: (mc.agentPoolProfiles ?? []).map((p) => ({
      name: p.name,
      count: p.count,
      enableAutoScaling: p.enableAutoScaling ?? false,
      ...(p.enableAutoScaling ? { minCount: p.minCount, maxCount: p.maxCount } : {}),
    })),
  });
}

/**
 * The cluster PUT of an update (settings, existing pools' scale, or a control plane upgrade hop):
 * GET first; a cluster already as wanted is answered Succeeded without a write (so asking again
 * after a lost answer never writes twice); a busy one "running" (no PUT while another operation
 * runs); otherwise one PUT whose poller the orchestrator follows.
 */
export async function submitClusterUpdate(
  input: ClusterUpdateInput,
  deps: ArmDeps = defaultArmDeps(),
): Promise<LroStep<ClusterInfo>> {
  return guardedLro(async () => {
    const read = await ownCluster(deps, input.target, input.owner);
    if (!read.ok) return read.step;
    const clusterId = ids.cluster(input.target);
    const desired = desiredCluster(input, read.cluster);
    if (read.cluster.provisioningState === "Succeeded" && settingsOf(read.cluster) === settingsOf(desired))
      return { status: "succeeded", value: clusterInfo(read.cluster, clusterId) };
    const { containerService } = deps.clients(input.target.subscriptionId);
    const poller = containerService.managedClusters.createOrUpdate(
      input.target.resourceGroup,
      input.target.name,
      desired,
    );
    return submitted(() =>
      submit<ManagedCluster, ClusterInfo>(poller, "clusterUpdate", (mc) => clusterInfo(mc, clusterId)),
    );
  });
}

function poolMatches(current: AgentPool, input: AgentPoolInput): boolean {
  const scale = poolScale(input.pool);
  const now = {
    count: current.count,
    enableAutoScaling: current.enableAutoScaling ?? false,
    ...(current.enableAutoScaling ? { minCount: current.minCount, maxCount: current.maxCount } : {}),
  };
  const version =
    input.orchestratorVersion === undefined || current.orchestratorVersion === input.orchestratorVersion;
  return current.provisioningState === "Succeeded" && version && canonical(now) === canonical(scale);
}

/**
 * One pool through the agentPools subresource: created, scaled, or upgraded to `orchestratorVersion`.
 * GET first: a pool already as asked is not written; none while the cluster is busy.
 */
export async function ensureAgentPool(
  input: AgentPoolInput,
  deps: ArmDeps = defaultArmDeps(),
): Promise<LroStep<AgentPoolOutput>> {
  return guardedLro(async () => {
    const read = await ownCluster(deps, input.target, input.owner);
    if (!read.ok) return read.step;
    const { containerService } = deps.clients(input.target.subscriptionId);
    const { resourceGroup, name } = input.target;
    const poolId = `${ids.cluster(input.target)}/agentPools/${input.pool.name}`;
    const current = await getOrUndefined(() =>
      containerService.agentPools.get(resourceGroup, name, input.pool.name),
    );
    if (current && poolMatches(current, input))
      return { status: "succeeded", value: { poolId, outcome: "unchanged" } };
    const orchestratorVersion = input.orchestratorVersion ?? current?.orchestratorVersion;
    const body: AgentPool = {
      ...agentPoolModel(input.pool, current?.vnetSubnetID ?? input.subnetId),
      ...(orchestratorVersion ? { orchestratorVersion } : {}),
      ...(current?.maxPods !== undefined ? { maxPods: current.maxPods } : {}),
    };
    const poller = containerService.agentPools.createOrUpdate(resourceGroup, name, input.pool.name, body);
    return submitted(() =>
      submit<AgentPool, AgentPoolOutput>(poller, "agentPoolWrite", () => ({ poolId, outcome: "written" })),
    );
  });
}

/** A user pool the spec no longer has, deleted through the agentPools subresource (gone: done). */
export async function deleteAgentPool(
  input: AgentPoolDeleteInput,
  deps: ArmDeps = defaultArmDeps(),
): Promise<LroStep<AgentPoolOutput>> {
  return guardedLro<AgentPoolOutput>(async () => {
    const read = await ownCluster(deps, input.target, input.owner);
    if (!read.ok) return read.step;
    const { containerService } = deps.clients(input.target.subscriptionId);
    const { resourceGroup, name } = input.target;
    const poolId = `${ids.cluster(input.target)}/agentPools/${input.pool}`;
    const current = await getOrUndefined(() =>
      containerService.agentPools.get(resourceGroup, name, input.pool),
    );
    if (!current) return { status: "succeeded", value: { poolId, outcome: "absent" } };
    if (current.mode === "System")
      return {
        status: "failed",
        error: {
          code: "SystemPoolNotDeleted",
          message: `pool ${input.pool} is a System pool: it is never deleted by an update`,
        },
      };
    const poller = containerService.agentPools.delete(resourceGroup, name, input.pool);
    return submitted(() =>
      submit<void, AgentPoolOutput>(poller, "agentPoolDelete", () => ({ poolId, outcome: "deleted" })),
    );
  });
}

/**
 * Where the cluster stands and how it gets to `kubernetesVersion`: its control plane's patch, the
 * region's listing (upgradePath decides the hops), and the pools not at the target yet.
 */
export async function planKubernetesUpgrade(
  input: UpgradePlanInput,
  deps: ArmDeps = defaultArmDeps(),
): Promise<ActivityResult<UpgradePlanOutput>> {
  const read = await guarded(async () => {
    const { containerService } = deps.clients(input.target.subscriptionId);
    const cluster = await containerService.managedClusters.get(input.target.resourceGroup, input.target.name);
    const listing = await containerService.managedClusters.listKubernetesVersions(input.location);
    return { cluster, listing };
  });
  if (!read.ok) return read;
  const { cluster, listing } = read.value;
  const current = cluster.currentKubernetesVersion ?? cluster.kubernetesVersion ?? "";
  const path =
    cluster.kubernetesVersion === input.kubernetesVersion
      ? { ok: true as const, hops: [] }
      : upgradePath(current, input.kubernetesVersion, listing);
  if (!path.ok) return path;
  const pools = (cluster.agentPoolProfiles ?? [])
    .filter((p) => p.orchestratorVersion !== input.kubernetesVersion)
    .map((p) => p.name ?? "");
  return { ok: true, value: { current, controlPlane: path.hops, pools } };
}

/** The role assignments of grants the spec dropped, deleted by their deterministic names. */
export async function revokeClusterAccess(
  input: RevokeAccessInput,
  deps: ArmDeps = defaultArmDeps(),
): Promise<ActivityResult<RevokeAccessOutput>> {
  return guarded(async () => {
    const { authorization } = deps.clients(input.subscriptionId);
    const deleted: string[] = [];
    for (const a of input.assignments) {
      const name = roleAssignmentName(a.scope, a.principalId, a.roleGuid);
      // ARM answers a delete of a missing assignment 204 too: read first, to report what was there.
      if (!(await getOrUndefined(() => authorization.roleAssignments.get(a.scope, name)))) continue;
      try {
        await authorization.roleAssignments.delete(a.scope, name);
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      deleted.push(ids.roleAssignment(a.scope, name));
    }
    return { deleted };
  });
}
