// ARM activities: plain async functions with typed inputs and outputs, callable without Functions.
// Each is idempotent (GET first, deterministic names, create-or-get), never waits for a long
// operation itself (it returns the poller's state and the orchestrator polls with durable timers),
// and throws only for transient failures.
import {
  restorePoller as restoreContainerServicePoller,
  type ManagedCluster,
} from "@azure/arm-containerservice";
import { restorePoller as restoreNetworkPoller } from "@azure/arm-network";
import { restorePoller as restoreResourcesPoller } from "@azure/arm-resources";
import { appConfig, type AppConfig } from "../../shared/config/index.js";
import { armClients, createArmClients, type ArmClients } from "../../shared/azure/clients.js";
import { retryAfterSeconds } from "../../shared/azure/retry-after.js";
import {
  classifyArmError,
  isBusy,
  scrub,
  TransientError,
  type StepError,
} from "../../shared/azure/errors.js";
import {
  isOwnedBy,
  isTerminalProvisioningState,
  managedClusterModel,
  ownedTags,
  ownerOf,
  POD_SECURITY_ASSIGNMENT_NAME,
  POLICY_API_VERSION,
  virtualNetworkModel,
  type Owner,
} from "../../shared/azure/models.js";
import {
  identityName,
  ids,
  ROLE_DEFINITIONS,
  roleAssignmentName,
  roleDefinitionId,
} from "../../shared/azure/names.js";
import type {
  ArmOperationKind,
  ClusterCreateInput,
  ClusterInfo,
  DeleteInput,
  DeleteOutcome,
  IdentityInput,
  IdentityOutput,
  LroStep,
  PolledResource,
  PollInput,
  ResourceGroupInput,
  ResourceGroupOutput,
  RoleAssignmentInput,
  RoleAssignmentOutput,
  VirtualNetworkInput,
  VirtualNetworkOutput,
} from "../../shared/provision/activity-io.js";
import type { ActivityResult } from "../../shared/provision/types.js";

export interface ArmDeps {
  config: AppConfig;
  clients(subscriptionId: string): ArmClients;
}

export function defaultArmDeps(): ArmDeps {
  const config = appConfig();
  return { config, clients: (sub) => armClients(config, sub) };
}

function statusOf(e: unknown): number | undefined {
  const s = (e as { statusCode?: unknown } | null)?.statusCode;
  return typeof s === "number" ? s : undefined;
}

export function isNotFound(e: unknown): boolean {
  return statusOf(e) === 404;
}

/** Transient → throw (retried by the orchestration); permanent → a value carrying ARM's code. */
function failure(e: unknown): StepError {
  const c = classifyArmError(e);
  if (c.kind === "transient") throw new TransientError(c);
  return { code: c.code, message: scrub(c.message), ...(c.statusCode ? { statusCode: c.statusCode } : {}) };
}

export async function guarded<T>(fn: () => Promise<T>): Promise<ActivityResult<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (e) {
    return { ok: false, error: failure(e) };
  }
}

export async function guardedLro<T>(fn: () => Promise<LroStep<T>>): Promise<LroStep<T>> {
  try {
    return await fn();
  } catch (e) {
    return { status: "failed", error: failure(e) };
  }
}

export async function getOrUndefined<T>(get: () => Promise<T>): Promise<T | undefined> {
  try {
    return await get();
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/** The minimal poller surface we use (core-lro 3 PollerLike). */
export interface StartedPoller<T> {
  submitted(): Promise<void>;
  serialize(): Promise<string>;
  readonly isDone: boolean;
  readonly result?: T;
  readonly operationState?: { status: string; error?: Error };
}

/** Sends the initial request and returns where the operation stands, never waiting for it. */
export async function submit<T, R>(
  poller: StartedPoller<T>,
  kind: ArmOperationKind,
  done: (result: T | undefined) => R,
): Promise<LroStep<R>> {
  await poller.submitted();
  if (poller.isDone) {
    if (poller.operationState?.status === "succeeded")
      return { status: "succeeded", value: done(poller.result) };
    return { status: "failed", error: lroError(poller.operationState?.error) };
  }
  return { status: "running", poller: { kind, state: await poller.serialize() } };
}

function lroError(e: Error | undefined): StepError {
  const c = classifyArmError(e ?? new Error("The long-running operation has failed"));
  return { code: c.code, message: scrub(c.message) };
}

// --- resource group ---------------------------------------------------------------------------

export async function ensureResourceGroup(
  input: ResourceGroupInput,
  deps: ArmDeps = defaultArmDeps(),
): Promise<ActivityResult<ResourceGroupOutput>> {
  return guarded(async () => {
    const { resources } = deps.clients(input.target.subscriptionId);
    const existing = await getOrUndefined(() => resources.resourceGroups.get(input.target.resourceGroup));
    if (existing) return { resourceGroupId: existing.id ?? ids.resourceGroup(input.target), created: false };
    const created = await resources.resourceGroups.createOrUpdate(input.target.resourceGroup, {
      location: input.location,
      tags: input.tags,
    });
    return { resourceGroupId: created.id ?? ids.resourceGroup(input.target), created: true };
  });
}

// --- virtual network + subnet ------------------------------------------------------------------

export async function ensureVirtualNetwork(
  input: VirtualNetworkInput,
  deps: ArmDeps = defaultArmDeps(),
): Promise<LroStep<VirtualNetworkOutput>> {
  return guardedLro(async () => {
    const { network } = deps.clients(input.target.subscriptionId);
    const { vnetName, subnetName, subnetPrefix } = input.spec.network;
    const rg = input.target.resourceGroup;
    const out: VirtualNetworkOutput = {
      vnetId: ids.vnet(input.target, vnetName),
      subnetId: ids.subnet(input.target, vnetName, subnetName),
    };
    const vnet = await getOrUndefined(() => network.virtualNetworks.get(rg, vnetName));
    // Ours and Failed (its create ended with a transient error): PUT it again, as it was created.
    const retryOurs = vnet?.provisioningState === "Failed" && isOwnedBy(vnet.tags, ownerOf(input.tags));
    if (!vnet || retryOurs) {
      const poller = network.virtualNetworks.createOrUpdate(
        rg,
        vnetName,
        virtualNetworkModel(input.spec, input.tags),
      );
      return submit(poller, "virtualNetworkCreate", () => out);
    }
    if (!isTerminalProvisioningState(vnet.provisioningState)) return { status: "running" };
    const subnet = vnet.subnets?.find((s) => s.name?.toLowerCase() === subnetName.toLowerCase());
    if (!subnet) {
      // A virtual network that existed before: add our subnet, never re-PUT the network (that
      // would drop its other subnets).
      const poller = network.subnets.createOrUpdate(rg, vnetName, subnetName, {
        addressPrefix: subnetPrefix,
      });
      return submit(poller, "subnetCreate", () => out);
    }
    const prefixes = [subnet.addressPrefix, ...(subnet.addressPrefixes ?? [])];
    if (!prefixes.includes(subnetPrefix))
      return {
        status: "failed",
        error: {
          code: "SubnetPrefixMismatch",
          message: `subnet ${subnetName} of virtual network ${vnetName} exists with ${prefixes.filter(Boolean).join(", ")}, not ${subnetPrefix}`,
        },
      };
    if (!isTerminalProvisioningState(subnet.provisioningState)) return { status: "running" };
    return {
      status: "succeeded",
      value: { vnetId: vnet.id ?? out.vnetId, subnetId: subnet.id ?? out.subnetId },
    };
  });
}

// --- user-assigned identity --------------------------------------------------------------------

export async function ensureIdentity(
  input: IdentityInput,
  deps: ArmDeps = defaultArmDeps(),
): Promise<ActivityResult<IdentityOutput>> {
  return guarded(async () => {
    const { msi } = deps.clients(input.target.subscriptionId);
    const rg = input.target.resourceGroup;
    const identity =
      (await getOrUndefined(() => msi.userAssignedIdentities.get(rg, input.identityName))) ??
      (await msi.userAssignedIdentities.createOrUpdate(rg, input.identityName, {
        location: input.location,
        tags: input.tags,
      }));
    if (!identity.principalId || !identity.clientId)
      throw new TransientError({ code: "IdentityNotReady", message: "the identity has no principalId yet" });
    return {
      identityId: identity.id ?? ids.identity(input.target, input.identityName),
      principalId: identity.principalId,
      clientId: identity.clientId,
    };
  });
}

// --- role assignment ---------------------------------------------------------------------------

/**
 * Network Contributor on the subnet for the cluster identity. principalType is given so ARM does not
 * look the principal up in a directory that has not replicated it yet; PrincipalNotFound is still
 * possible and is transient (the orchestration retries it with backoff).
 */
export async function assignSubnetRole(
  input: RoleAssignmentInput,
  deps: ArmDeps = defaultArmDeps(),
): Promise<ActivityResult<RoleAssignmentOutput>> {
  const name = roleAssignmentName(input.scope, input.principalId, input.roleGuid);
  const roleAssignmentId = ids.roleAssignment(input.scope, name);
  return guarded(async () => {
    const { authorization } = deps.clients(input.subscriptionId);
    try {
      const created = await authorization.roleAssignments.create(input.scope, name, {
        roleDefinitionId: roleDefinitionId(input.subscriptionId, input.roleGuid),
        principalId: input.principalId,
        principalType: input.principalType ?? "ServicePrincipal",
      });
      return { roleAssignmentId: created.id ?? roleAssignmentId, created: true };
    } catch (e) {
      // The same (scope, principal, role) already assigned, under this name or another: done.
      if (classifyArmError(e).code === "RoleAssignmentExists") return { roleAssignmentId, created: false };
      throw e;
    }
  });
}

// --- managed cluster ---------------------------------------------------------------------------

export function clusterInfo(
  mc: { id?: string; fqdn?: string; provisioningState?: string } | undefined,
  fallbackId: string,
): ClusterInfo {
  return {
    clusterId: mc?.id ?? fallbackId,
    ...(mc?.fqdn ? { fqdn: mc.fqdn } : {}),
    ...(mc?.provisioningState ? { provisioningState: mc.provisioningState } : {}),
  };
}

/**
 * Guarded create (as Azure Service Operator does it): GET first; PUT only when the cluster does not
 * exist or is in a terminal state; while it is Creating/Updating/Deleting report "running" and let
 * the orchestrator come back later. A cluster we did not create is never touched.
 */
export async function submitClusterCreate(
  input: ClusterCreateInput,
  deps: ArmDeps = defaultArmDeps(),
): Promise<LroStep<ClusterInfo>> {
  return guardedLro(async () => {
    const { containerService } = deps.clients(input.target.subscriptionId);
    const { resourceGroup, name } = input.target;
    const clusterId = ids.cluster(input.target);
    const existing = await getOrUndefined(() => containerService.managedClusters.get(resourceGroup, name));
    const owner: Owner = { instanceId: input.instanceId, clusterUid: input.clusterUid };
    if (existing && !isOwnedBy(existing.tags, owner))
      return {
        status: "failed",
        error: {
          code: "ClusterNotOwned",
          message: `managed cluster ${name} already exists in ${resourceGroup} and was not created by this request`,
        },
      };
    if (existing && !isTerminalProvisioningState(existing.provisioningState)) return { status: "running" };
    if (existing?.provisioningState === "Succeeded")
      return { status: "succeeded", value: clusterInfo(existing, clusterId) };
    const model = managedClusterModel(
      input.spec,
      { identityId: input.identityId, subnetId: input.subnetId },
      ownedTags(input.spec, owner),
    );
    const poller = containerService.managedClusters.createOrUpdate(resourceGroup, name, model);
    try {
      return await submit<ManagedCluster, ClusterInfo>(poller, "clusterCreate", (mc) =>
        clusterInfo(mc, clusterId),
      );
    } catch (e) {
      // Busy with another operation: an answer, not an exception, so the orchestrator waits for it
      // on durable timers up to the cluster's deadline instead of spending a few activity retries.
      const c = classifyArmError(e);
      if (isBusy(c)) return { status: "failed", error: { code: c.code, message: scrub(c.message) } };
      throw e;
    }
  });
}

/** The cluster's provisioning state by GET, for operations we hold no poller for. */
export async function getClusterState(
  input: { target: ClusterCreateInput["target"] },
  deps: ArmDeps = defaultArmDeps(),
): Promise<LroStep<ClusterInfo>> {
  return guardedLro<ClusterInfo>(async () => {
    const { containerService } = deps.clients(input.target.subscriptionId);
    const clusterId = ids.cluster(input.target);
    const mc = await getOrUndefined(() =>
      containerService.managedClusters.get(input.target.resourceGroup, input.target.name),
    );
    if (!mc)
      return { status: "failed", error: { code: "ResourceNotFound", message: `${clusterId} not found` } };
    if (!isTerminalProvisioningState(mc.provisioningState)) return { status: "running" };
    if (mc.provisioningState === "Succeeded")
      return { status: "succeeded", value: clusterInfo(mc, clusterId) };
    const reason = mc.status?.provisioningError;
    return {
      status: "failed",
      error: {
        code: reason?.code ?? "ClusterProvisioningFailed",
        message: scrub(reason?.message ?? `the cluster's provisioningState is ${mc.provisioningState}`),
      },
    };
  });
}

// --- polling any long-running operation from its serialized state --------------------------------

/**
 * One poll of a long-running operation restored from its serialized state (fresh clients: this may
 * run in another process after a restart). Exactly one GET of the operation, plus the final GET of
 * the resource when it has just succeeded.
 */
export async function pollArmOperation(
  input: PollInput,
  deps: Pick<ArmDeps, "config"> = defaultArmDeps(),
): Promise<LroStep<PolledResource>> {
  let retryAfter: number | undefined;
  const clients = createArmClients(deps.config, input.subscriptionId, (_status, headers) => {
    retryAfter = retryAfterSeconds(headers.get("retry-after")) ?? retryAfter;
  });
  const poller = restore(clients, input);
  try {
    await poller.poll();
  } catch (e) {
    if (!operationEnded(poller.operationState)) return readFailed(e, input, retryAfter);
  }
  const state = poller.operationState;
  if (state?.status === "succeeded") {
    const r = poller.result as { id?: string; fqdn?: string; provisioningState?: string } | undefined;
    return {
      status: "succeeded",
      value: {
        ...(r?.id ? { id: r.id } : {}),
        ...(r?.fqdn ? { fqdn: r.fqdn } : {}),
        ...(r?.provisioningState ? { provisioningState: r.provisioningState } : {}),
      },
    };
  }
  if (state?.status === "failed" || state?.status === "canceled")
    return { status: "failed", error: lroError(state.error) };
  return {
    status: "running",
    poller: { kind: input.kind, state: await poller.serialize() },
    ...(retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}),
  };
}

/**
 * core-lro throws when the operation ended Failed or Canceled, and also when one of its GETs failed,
 * marking its state failed with that RestError. Only the first is the operation's end.
 */
function operationEnded(state: { status: string; error?: Error } | undefined): boolean {
  return state?.status === "canceled" || (state?.status === "failed" && state.error?.name !== "RestError");
}

/**
 * Our read failed (the operation's status, or the resource once it succeeded), not the operation.
 * Transient: poll again later from the state we came with (the restored poller's state now says
 * failed). Permanent (the operation URL is gone, say): no poller, so the orchestrator re-reads the
 * resource itself.
 */
function readFailed(e: unknown, input: PollInput, retryAfter: number | undefined): LroStep<PolledResource> {
  const c = classifyArmError(e);
  const waitingFor: StepError = {
    code: c.code,
    message: scrub(c.message),
    ...(c.statusCode ? { statusCode: c.statusCode } : {}),
  };
  if (c.kind !== "transient") return { status: "running", waitingFor };
  return {
    status: "running",
    poller: { kind: input.kind, state: input.state },
    waitingFor,
    ...(retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}),
  };
}

interface RestoredPoller {
  poll(): Promise<unknown>;
  serialize(): Promise<string>;
  readonly result?: unknown;
  readonly operationState?: { status: string; error?: Error };
}

function restore(c: ArmClients, input: PollInput): RestoredPoller {
  switch (input.kind) {
    case "clusterCreate":
    case "clusterUpdate":
      return restoreContainerServicePoller(
        c.containerService,
        input.state,
        c.containerService.managedClusters.createOrUpdate,
      );
    case "clusterDelete":
      return restoreContainerServicePoller(
        c.containerService,
        input.state,
        c.containerService.managedClusters.delete,
      );
    case "agentPoolWrite":
      return restoreContainerServicePoller(
        c.containerService,
        input.state,
        c.containerService.agentPools.createOrUpdate,
      );
    case "agentPoolDelete":
      return restoreContainerServicePoller(
        c.containerService,
        input.state,
        c.containerService.agentPools.delete,
      );
    case "virtualNetworkCreate":
      return restoreNetworkPoller(c.network, input.state, c.network.virtualNetworks.createOrUpdate);
    case "subnetCreate":
      return restoreNetworkPoller(c.network, input.state, c.network.subnets.createOrUpdate);
    case "virtualNetworkDelete":
      return restoreNetworkPoller(c.network, input.state, c.network.virtualNetworks.delete);
    case "resourceGroupDelete":
      return restoreResourcesPoller(c.resources, input.state, c.resources.resourceGroups.delete);
  }
}

// --- deletion of what we created --------------------------------------------------------------

/**
 * Deletes one kind of resource of a cluster if, and only if, a fresh read shows it was created for
 * this cluster (its unique-id tag; role assignments carry no tags: theirs is derived from our
 * identity, so it is ours when the identity is) and nothing of anyone else depends on it: a virtual
 * network holding other subnets and a resource group holding other resources are kept. A failed
 * read throws or fails the step: it never leads to a delete. Long deletes return the poller state;
 * the orchestrator polls.
 */
export async function deleteOwnedResource(
  input: DeleteInput,
  deps: ArmDeps = defaultArmDeps(),
): Promise<LroStep<DeleteOutcome>> {
  return guardedLro<DeleteOutcome>(async () => {
    const c = deps.clients(input.target.subscriptionId);
    const t = input.target;
    const rg = t.resourceGroup;
    const { vnetName, subnetName } = input.spec.network;
    const gone = (resourceId: string): LroStep<DeleteOutcome> => ({
      status: "succeeded",
      value: { outcome: "absent", resourceId },
    });
    const notOwned = (resourceId: string): LroStep<DeleteOutcome> => ({
      status: "succeeded",
      value: { outcome: "notOwned", resourceId, reason: "it was not created for this cluster" },
    });
    const kept = (resourceId: string, reason: string): LroStep<DeleteOutcome> => ({
      status: "succeeded",
      value: { outcome: "kept", resourceId, reason },
    });
    const owner: Owner = { instanceId: input.instanceId, clusterUid: input.clusterUid };
    const started = <T>(poller: StartedPoller<T>, kind: ArmOperationKind, resourceId: string) =>
      submit<T, DeleteOutcome>(poller, kind, () => ({ outcome: "deleted", resourceId }));

    switch (input.kind) {
      case "cluster": {
        const id = ids.cluster(t);
        const mc = await getOrUndefined(() => c.containerService.managedClusters.get(rg, t.name));
        if (!mc) return gone(id);
        if (!isOwnedBy(mc.tags, owner)) return notOwned(id);
        if (input.keepSucceededCluster && mc.provisioningState === "Succeeded")
          return kept(
            id,
            "ARM reports it Succeeded: the cluster step failed on our reads or deadline, not on the cluster",
          );
        // Deleting: a delete is under way. Creating/Updating…: AKS refuses a delete with 409
        // OperationNotAllowed until that operation ends, so wait for it (the orchestrator asks again
        // on a durable timer) — a DELETE during the create removes the cluster once it exists.
        if (!isTerminalProvisioningState(mc.provisioningState)) return { status: "running" };
        // The pod security initiative assigned at the cluster's scope (ours: the cluster is, and the
        // name is fixed) goes first, by its own DELETE: ARM removes it with its scope, but nothing
        // of ours is left to depend on that (a kept resource group must hold nothing of ours).
        // Read first, as for the role assignment: only what is there is deleted.
        const policy = `${id}/providers/Microsoft.Authorization/policyAssignments/${POD_SECURITY_ASSIGNMENT_NAME}`;
        if (await getOrUndefined(() => c.resources.resources.getById(policy, POLICY_API_VERSION)))
          await c.resources.resources.beginDeleteByIdAndWait(policy, POLICY_API_VERSION);
        return started(c.containerService.managedClusters.delete(rg, t.name), "clusterDelete", id);
      }
      case "roleAssignment": {
        const identity = await getOrUndefined(() =>
          c.msi.userAssignedIdentities.get(rg, identityName(input.spec.name)),
        );
        const scope = ids.subnet(t, vnetName, subnetName);
        if (!identity?.principalId) return gone(ids.roleAssignment(scope, "unknown"));
        if (!isOwnedBy(identity.tags, owner)) return notOwned(ids.roleAssignment(scope, "unknown"));
        const name = roleAssignmentName(scope, identity.principalId, ROLE_DEFINITIONS.networkContributor);
        const id = ids.roleAssignment(scope, name);
        // ARM answers a delete of a missing assignment 204 too: read first, to report what was there.
        if (!(await getOrUndefined(() => c.authorization.roleAssignments.get(scope, name)))) return gone(id);
        try {
          await c.authorization.roleAssignments.delete(scope, name);
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
        return { status: "succeeded", value: { outcome: "deleted", resourceId: id } };
      }
      case "identity": {
        const name = identityName(input.spec.name);
        const id = ids.identity(t, name);
        const identity = await getOrUndefined(() => c.msi.userAssignedIdentities.get(rg, name));
        if (!identity) return gone(id);
        if (!isOwnedBy(identity.tags, owner)) return notOwned(id);
        await c.msi.userAssignedIdentities.delete(rg, name);
        return { status: "succeeded", value: { outcome: "deleted", resourceId: id } };
      }
      case "virtualNetwork": {
        const id = ids.vnet(t, vnetName);
        const vnet = await getOrUndefined(() => c.network.virtualNetworks.get(rg, vnetName));
        if (!vnet) return gone(id);
        if (!isOwnedBy(vnet.tags, owner)) return notOwned(id);
        if (vnet.provisioningState === "Deleting") return { status: "running" };
        const others = (vnet.subnets ?? [])
          .map((x) => x.name ?? "")
          .filter((n) => n.toLowerCase() !== subnetName.toLowerCase());
        if (others.length > 0) return kept(id, `it holds subnets created by others: ${others.join(", ")}`);
        return started(c.network.virtualNetworks.delete(rg, vnetName), "virtualNetworkDelete", id);
      }
      case "resourceGroup": {
        const id = ids.resourceGroup(t);
        const group = await getOrUndefined(() => c.resources.resourceGroups.get(rg));
        if (!group) return gone(id);
        if (!isOwnedBy(group.tags, owner)) return notOwned(id);
        if (group.properties?.provisioningState === "Deleting") return { status: "running" };
        // A group delete takes everything in it: only an empty group goes (ours were deleted before).
        const held: string[] = [];
        for await (const r of c.resources.resources.listByResourceGroup(rg)) held.push(r.id ?? r.name ?? "");
        if (held.length > 0)
          return kept(
            id,
            `it holds ${held.length} resource(s) not deleted with this cluster: ${held.slice(0, 5).join(", ")}${held.length > 5 ? ", …" : ""}`,
          );
        return started(c.resources.resourceGroups.delete(rg), "resourceGroupDelete", id);
      }
    }
  });
}
