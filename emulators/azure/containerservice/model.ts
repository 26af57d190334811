// Microsoft.ContainerService/managedClusters: a validated create or update runs as a long-running
// operation (Creating → Succeeded/Failed over the emulated create time) that registers the cluster
// with the Kubernetes emulator; no other write while one runs; delete unregisters it; credentials are
// kubeconfigs for its API server there.
import { createHash, randomBytes } from "node:crypto";
import { contains, parseCidr } from "../../../shared/network/cidr.js";
import { hasPermission } from "../authorization/model.js";
import {
  provisioningState,
  removeTree,
  requireResourceGroup,
  type ProviderContext,
  type ResourceRef,
} from "../core/context.js";
import { ArmErrors } from "../core/errors.js";
import { NO_FAULT, type FaultCheck } from "../core/faults.js";
import type { Json, JsonObject, Operation, Principal, StoredResource } from "../core/store.js";
import { findTracked, findTrackedOrNone, trackedId, trackedResource } from "../core/tracked.js";
import { AKS_AAD_SERVER_APP_ID, guidFrom, type TokenIssuer } from "../identity/issuer.js";
import { IDENTITY_TYPE, identityProperties } from "../managedidentity/model.js";
import { SUBNET_TYPE, subnetPrefix, subnetUsers } from "../network/model.js";
import { ContainerServiceErrors } from "./errors.js";
import { kubeconfig, type ClusterEndpoint, type KubeRegistrar } from "./kube.js";
import { answeredOptions, validateClusterOptions, validatePoolOptions } from "./options.js";
import {
  addressesUsed,
  pluginModeOf,
  validateCluster,
  type AgentPoolProfile,
  type ClusterRequest,
  type NetworkProfile,
  type SubnetFacts,
  validateAad,
  type AadProfile,
} from "./validation.js";
import { planUpdate } from "./updates.js";
import { poolUpgradesOf, upgradeItems, upgradesOf } from "./versions.js";

export const CLUSTER_TYPE = "Microsoft.ContainerService/managedClusters";
export const SUBNET_JOIN_ACTION = "Microsoft.Network/virtualNetworks/subnets/join/action";
const TERMINAL = ["Succeeded", "Failed", "Canceled"];
const CREATE = "containerservice/createOrUpdate";
const DELETE = "containerservice/delete";
const NETWORK_FIELDS = ["serviceCidr", "dnsServiceIP", "podCidr", "networkPlugin"] as const;
const { InvalidParameter } = ContainerServiceErrors;

interface ClusterProps {
  provisioningState: string;
  kubernetesVersion: string;
  dnsPrefix: string;
  fqdn: string;
  resourceUID?: string;
  agentPoolProfiles: AgentPoolProfile[];
  networkProfile: NetworkProfile;
  [key: string]: Json | undefined | AgentPoolProfile[] | NetworkProfile;
}

/** Stored with a create or update until its operation completes: what it moves to then. */
interface PendingUpdate {
  controlPlane: string;
  /** Target versions by pool name (lowercase). */
  pools: Record<string, string>;
  /** Pools (lowercase names) removed by the update. */
  removed: string[];
}

function props(r: StoredResource): ClusterProps {
  return r.body["properties"] as unknown as ClusterProps;
}

/** The kubelet identity AKS creates in the node resource group (`<cluster>-agentpool`). */
function kubeletIdentity(sub: string, nodeResourceGroup: string, cluster: string) {
  const resourceId = `/subscriptions/${sub}/resourcegroups/${nodeResourceGroup}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${cluster}-agentpool`;
  return {
    kubeletidentity: {
      resourceId,
      clientId: guidFrom(`kubelet-client:${resourceId.toLowerCase()}`),
      objectId: guidFrom(`kubelet-object:${resourceId.toLowerCase()}`),
    },
  };
}

function agentPoolBody(clusterId: string, pool: AgentPoolProfile): JsonObject {
  const { name, ...properties } = pool;
  return {
    id: `${clusterId}/agentPools/${name}`,
    name,
    type: "Microsoft.ContainerService/managedClusters/agentPools",
    properties: properties as unknown as JsonObject,
  };
}

/** The exec user AKS writes into an Entra ID cluster's user kubeconfig (kubelogin, device code). */
function kubeloginExec(tenantId: string) {
  return {
    apiVersion: "client.authentication.k8s.io/v1beta1",
    command: "kubelogin",
    args: [
      "get-token",
      "--environment",
      "AzurePublicCloud",
      "--server-id",
      AKS_AAD_SERVER_APP_ID,
      "--client-id",
      AZURE_CLI_AKS_CLIENT_ID,
      "--tenant-id",
      tenantId,
      "--login",
      "devicecode",
    ],
    env: null,
    installHint:
      "\nkubelogin is not installed which is required to connect to AAD enabled cluster.\n\nTo learn more, please go to https://aka.ms/aks/kubelogin\n",
    provideClusterInfo: false,
  };
}

export function isTerminal(state: string | undefined): boolean {
  return state === undefined || TERMINAL.includes(state);
}

export interface ContainerServiceDeps {
  issuer: TokenIssuer;
  kube: KubeRegistrar;
  caPem: string;
  /** Where a cluster with Azure RBAC reads its role assignments (the emulator's access endpoint). */
  accessUrl(clusterId: string): string;
}

/** The Azure CLI's public client, which AKS names in the kubelogin arguments it hands out. */
export const AZURE_CLI_AKS_CLIENT_ID = "80faf920-1908-4b52-b5ef-a8e7bedfc67a";

/** A cluster PUT's content as the request gives it (the name comes from the path). */
export type ClusterInput = Omit<ClusterRequest, "name"> & { tags: JsonObject; sku?: unknown };

export class ManagedClusters {
  constructor(
    private readonly ctx: ProviderContext,
    private readonly deps: ContainerServiceDeps,
  ) {
    const { store } = ctx;
    ctx.lro.register(CREATE, async (op: Operation) => {
      const r = store.get(op.resourceId);
      if (!r) return { status: "Failed", error: { code: "NotFound", message: "The cluster was deleted." } };
      if (op.failWith) {
        this.setState(r, "Failed", "busy");
        return { status: "Failed", error: op.failWith };
      }
      // The versions move and removed pools go when the operation completes, not when it starts:
      // the Kubernetes emulator is told the nodes and versions the cluster now runs.
      this.applyPending(r);
      try {
        await this.register(r);
      } catch (e) {
        this.setState(r, "Failed", "busy");
        return { status: "Failed", error: { code: "InternalOperationError", message: (e as Error).message } };
      }
      this.setState(r, "Succeeded", "all");
      return { status: "Succeeded" };
    });
    ctx.lro.register(DELETE, async (op) => {
      await removeTree(ctx, op.resourceId);
      return { status: "Succeeded" };
    });
    ctx.onDelete.push(async (r) => {
      if (r.type === CLUSTER_TYPE) await deps.kube.unregister(r.id);
    });
  }

  get(ref: ResourceRef): StoredResource {
    return findTracked(this.ctx, ref, CLUSTER_TYPE);
  }

  async createOrUpdate(
    ref: ResourceRef,
    input: ClusterInput,
    fault: FaultCheck = NO_FAULT,
  ): Promise<{ cluster: StoredResource; created: boolean; operation: Operation }> {
    const { store, latency } = this.ctx;
    requireResourceGroup(this.ctx, ref.sub, ref.rg, true);
    const id = trackedId(ref, CLUSTER_TYPE);
    const existing = store.get(id);
    if (existing) this.notBusy(existing);
    const { tags, sku: requestedSku, ...rest } = input;
    const request: ClusterRequest = { name: ref.name, ...rest };
    const pools = request.properties.agentPoolProfiles ?? [];
    const subnet = this.subnetFacts(pools, id);
    const networkProfile = validateCluster(request, subnet);
    const { aadProfile, disableLocalAccounts } = validateAad(request.properties, this.ctx.tenantId);
    for (const pool of pools) validatePoolOptions(pool, input.location);
    validateClusterOptions(request.properties, requestedSku, existing ? props(existing) : undefined);
    if (existing) {
      const before = props(existing).networkProfile;
      for (const field of NETWORK_FIELDS)
        if (before[field] !== networkProfile[field])
          throw ContainerServiceErrors.PropertyChangeNotAllowed(`networkProfile.${field}`);
    }
    const { principalId, identity } = this.clusterPrincipal(request);
    if (
      subnet &&
      principalId &&
      !hasPermission(store, principalId, SUBNET_JOIN_ACTION, subnet.id, this.ctx.clock.now())
    )
      throw ContainerServiceErrors.LinkedAuthorizationFailed(principalId, SUBNET_JOIN_ACTION, subnet.id);

    const { failWith, factor } = fault();
    const name = (existing?.body["name"] as string | undefined) ?? ref.name;
    const location = input.location;
    const dnsPrefix =
      request.properties.dnsPrefix ?? `${name.slice(0, 30)}-${ref.rg.slice(0, 10)}-${ref.sub.slice(0, 6)}`;
    const fqdn =
      (existing ? props(existing).fqdn : undefined) ??
      `${dnsPrefix.toLowerCase()}-${createHash("sha256").update(id.toLowerCase()).digest("hex").slice(0, 8)}.hcp.${location}.azmk8s.io`;
    const before = existing ? props(existing) : undefined;
    const plan = planUpdate(
      { kubernetesVersion: request.properties.kubernetesVersion, pools },
      before && {
        kubernetesVersion: before.kubernetesVersion,
        currentKubernetesVersion: String(before["currentKubernetesVersion"] ?? before.kubernetesVersion),
        agentPoolProfiles: before.agentPoolProfiles,
      },
      latency,
    );
    const nodeResourceGroup = `MC_${ref.rg}_${name}_${location}`;
    const state = existing ? "Updating" : "Creating";
    const options = answeredOptions(request.properties, requestedSku, {
      sub: ref.sub,
      name,
      location,
      tenantId: this.ctx.tenantId,
      nodeResourceGroup,
      dnsPrefix,
      clusterId: id,
    });
    const cluster = trackedResource(existing, ref, CLUSTER_TYPE, {
      location,
      tags,
      sku: options.sku,
      identity,
      properties: {
        ...(request.properties as JsonObject),
        ...options.properties,
        provisioningState: state,
        powerState: { code: "Running" },
        kubernetesVersion: plan.kubernetesVersion,
        currentKubernetesVersion: plan.controlPlaneCurrent,
        dnsPrefix,
        fqdn,
        azurePortalFQDN: fqdn.replace(".hcp.", ".portal.hcp."),
        agentPoolProfiles: [
          ...pools.map((pool) => {
            const was = before?.agentPoolProfiles.find(
              (p) => p.name.toLowerCase() === pool.name.toLowerCase(),
            );
            const poolPlan = plan.pools.get(pool.name.toLowerCase())!;
            return {
              ...pool,
              mode: pool.mode ?? was?.mode ?? "System",
              osType: pool.osType ?? was?.osType ?? "Linux",
              vmSize: pool.vmSize ?? was?.vmSize ?? "Standard_D2s_v5",
              type: "VirtualMachineScaleSets",
              orchestratorVersion: poolPlan.orchestratorVersion,
              currentOrchestratorVersion: poolPlan.current,
              provisioningState: existing ? poolPlan.state : state,
              powerState: { code: "Running" },
              maxPods:
                pool["maxPods"] ??
                was?.["maxPods"] ??
                (pluginModeOf(networkProfile) === "overlay" ? 250 : 30),
            };
          }),
          // The pools the PUT leaves out are deleted: they show Deleting until the operation ends.
          ...plan.removed.map((pool) => ({ ...pool, provisioningState: "Deleting" })),
        ] as unknown as Json,
        networkProfile: networkProfile as unknown as Json,
        nodeResourceGroup,
        // A cluster with a managed identity answers the placeholder service principal "msi" (az reads it).
        ...(identity["type"] !== "None" ? { servicePrincipalProfile: { clientId: "msi" } } : {}),
        identityProfile: (request.properties.identityProfile ??
          kubeletIdentity(ref.sub, nodeResourceGroup, name)) as unknown as Json,
        // As AKS: one per life of the cluster (a delete and a create under the same id get a new
        // one), kept by updates. The fqdn alone cannot tell them apart here: it derives from the id.
        resourceUID: (existing ? props(existing).resourceUID : undefined) ?? randomBytes(12).toString("hex"),
        enableRBAC: true,
        ...(aadProfile ? { aadProfile: aadProfile as unknown as Json } : {}),
        disableLocalAccounts,
        maxAgentPools: 100,
        supportPlan: "KubernetesOfficial",
      },
    });
    cluster.internal = existing?.internal ?? { adminToken: randomBytes(24).toString("hex") };
    // What the operation's completion applies: the versions reached and the pools deleted.
    const pending: PendingUpdate = {
      controlPlane: plan.controlPlaneTarget,
      pools: Object.fromEntries([...plan.pools].map(([name, p]) => [name, p.target])),
      removed: plan.removed.map((p) => p.name.toLowerCase()),
    };
    cluster.internal["pending"] = pending as unknown as JsonObject;
    store.put(cluster);
    const operation = this.start(
      cluster,
      existing ? "update" : "create",
      (existing ? plan.durationSeconds : latency.clusterCreate) * factor,
      failWith,
    );
    return { cluster, created: !existing, operation };
  }

  /** The cluster's node pools as the agentPools subresource shows them. */
  agentPools(ref: ResourceRef): JsonObject[] {
    const cluster = this.get(ref);
    return props(cluster).agentPoolProfiles.map((pool) => agentPoolBody(cluster.id, pool));
  }

  agentPool(ref: ResourceRef, pool: string): JsonObject {
    const found = this.agentPools(ref).find((p) => String(p["name"]).toLowerCase() === pool.toLowerCase());
    if (!found) throw ArmErrors.ResourceNotFound(`${CLUSTER_TYPE}/${ref.name}/agentPools/${pool}`, ref.rg);
    return found;
  }

  /**
   * PUT or DELETE of one agent pool: the cluster's update with its agentPoolProfiles changed, so the
   * two views stay one (the same validation, the same Updating operation).
   */
  async writeAgentPool(
    ref: ResourceRef,
    pool: string,
    profile: Record<string, unknown> | undefined,
  ): Promise<{ pool?: JsonObject; created: boolean; operation: Operation }> {
    const cluster = this.get(ref);
    const p = props(cluster);
    const same = (x: AgentPoolProfile) => String(x.name).toLowerCase() === pool.toLowerCase();
    const was = p.agentPoolProfiles.find(same);
    const others = p.agentPoolProfiles.filter((x) => !same(x));
    // An agentPools PUT of an existing pool keeps what it does not name of the pool's identity
    // (AKS fills vmSize, mode, OS, subnet and version from the pool); the rest is as sent.
    const kept = was
      ? Object.fromEntries(
          ["vmSize", "mode", "osType", "vnetSubnetID", "orchestratorVersion", "upgradeSettings"]
            .filter((f) => was[f] !== undefined)
            .map((f) => [f, was[f]]),
        )
      : {};
    const written =
      profile && ({ ...kept, ...profile, name: was?.name ?? pool } as unknown as AgentPoolProfile);
    // In place: the pools keep their order (the first is the one AKS created with the cluster).
    const pools = !written
      ? others
      : was
        ? p.agentPoolProfiles.map((x) => (same(x) ? written : x))
        : [...others, written];
    const created = !was;
    // AKS refuses to delete the last System pool, whatever else the cluster has.
    if (!profile && was?.mode === "System" && !others.some((x) => x.mode === "System"))
      throw ContainerServiceErrors.MustDefineAtLeastOneSystemPool();
    const { operation, cluster: updated } = await this.createOrUpdate(ref, {
      location: cluster.body["location"] as string,
      tags: (cluster.body["tags"] as JsonObject | undefined) ?? {},
      identity: cluster.body["identity"] as ClusterInput["identity"],
      sku: cluster.body["sku"],
      properties: { ...(p as ClusterInput["properties"]), agentPoolProfiles: pools },
    });
    const answered = props(updated).agentPoolProfiles.find(same);
    return {
      ...(answered && profile ? { pool: agentPoolBody(updated.id, answered) } : {}),
      created,
      operation,
    };
  }

  /**
   * GET …/upgradeProfiles/default (ManagedClusterUpgradeProfile, what `az aks get-upgrades` reads):
   * the control plane's running version and its upgrade paths, each pool's and the versions it may
   * move to (up to the control plane's).
   */
  upgradeProfile(ref: ResourceRef): JsonObject {
    const cluster = this.get(ref);
    const p = props(cluster);
    const controlPlane = String(p["currentKubernetesVersion"]);
    return {
      id: `${cluster.id}/upgradeprofiles/default`,
      name: "default",
      type: `${CLUSTER_TYPE}/upgradeprofiles`,
      properties: {
        controlPlaneProfile: {
          kubernetesVersion: controlPlane,
          name: "master",
          osType: "Linux",
          upgrades: upgradeItems(upgradesOf(controlPlane)),
        },
        agentPoolProfiles: p.agentPoolProfiles.map((pool) => this.poolUpgrades(pool, controlPlane)),
      },
    };
  }

  /** GET …/agentPools/{pool}/upgradeProfiles/default (AgentPoolUpgradeProfile). */
  agentPoolUpgradeProfile(ref: ResourceRef, name: string): JsonObject {
    const cluster = this.get(ref);
    const p = props(cluster);
    const pool = p.agentPoolProfiles.find((x) => x.name.toLowerCase() === name.toLowerCase());
    if (!pool) throw ArmErrors.ResourceNotFound(`${CLUSTER_TYPE}/${ref.name}/agentPools/${name}`, ref.rg);
    const { name: _name, ...profile } = this.poolUpgrades(pool, String(p["currentKubernetesVersion"]));
    return {
      id: `${cluster.id}/agentPools/${pool.name}/upgradeprofiles/default`,
      name: "default",
      type: `${CLUSTER_TYPE}/agentPools/upgradeProfiles`,
      properties: profile,
    };
  }

  private poolUpgrades(pool: AgentPoolProfile, controlPlane: string) {
    const running = String(pool["currentOrchestratorVersion"]);
    return {
      name: pool.name,
      kubernetesVersion: running,
      osType: pool.osType ?? "Linux",
      upgrades: upgradeItems(poolUpgradesOf(running, controlPlane)),
    };
  }

  /** PATCH: only tags, as managedClusters.updateTags sends; a short Updating operation. */
  updateTags(ref: ResourceRef, tags: JsonObject): { cluster: StoredResource; operation: Operation } {
    const cluster = this.get(ref);
    this.notBusy(cluster);
    cluster.body["tags"] = tags;
    delete cluster.internal["pending"];
    this.setState(cluster, "Updating", "none");
    return { cluster, operation: this.start(cluster, "update", this.ctx.latency.clusterTagUpdate) };
  }

  /** Starts the delete (a second DELETE gets the running one); nothing when there is no cluster. */
  delete(ref: ResourceRef): Operation | undefined {
    const cluster = findTrackedOrNone(this.ctx, ref, CLUSTER_TYPE);
    if (!cluster) return undefined;
    if (provisioningState(cluster) === "Deleting") {
      const running = this.ctx.lro.active(cluster.id)[0];
      if (running) return running;
    } else this.notBusy(cluster);
    this.setState(cluster, "Deleting", "all");
    return this.start(cluster, "delete", this.ctx.latency.clusterDelete);
  }

  /** A kubeconfig for the cluster's API server: the admin token, or a token for `caller`. */
  async kubeconfig(ref: ResourceRef, kind: "admin" | "user", caller: Principal | undefined): Promise<string> {
    const r = this.get(ref);
    const state = props(r).provisioningState;
    if (state === "Creating" || state === "Deleting") throw ContainerServiceErrors.OperationNotAllowed(state);
    if (state === "Failed" && !r.internal["endpoint"]) throw ContainerServiceErrors.BadRequest();
    const p = props(r);
    if (kind === "admin" && p["disableLocalAccounts"] === true)
      throw ContainerServiceErrors.StaticCredentialNotAllowed();
    let endpoint = r.internal["endpoint"] as unknown as ClusterEndpoint | undefined;
    if (!endpoint && this.deps.kube.configured) endpoint = await this.register(r);
    const name = r.body["name"] as string;
    const aad = p["aadProfile"] as AadProfile | undefined;
    // An Entra ID cluster's user credential holds no secret: its user is kubelogin (exec plugin).
    const user =
      kind === "user" && aad?.managed
        ? { exec: kubeloginExec(aad.tenantID ?? this.ctx.tenantId) }
        : undefined;
    const token =
      user !== undefined
        ? undefined
        : kind === "admin"
          ? (endpoint?.adminToken ?? (r.internal["adminToken"] as string))
          : (
              await this.deps.issuer.issue({
                audience: AKS_AAD_SERVER_APP_ID,
                subject: caller?.id ?? "anonymous",
                objectId: caller?.id ?? "anonymous",
                ...(caller?.appId ? { appId: caller.appId } : {}),
              })
            ).token;
    return kubeconfig({
      clusterName: name,
      // AKS names both contexts after the cluster; az get-credentials --admin appends "-admin".
      contextName: name,
      userName: `cluster${kind === "admin" ? "Admin" : "User"}_${ref.rg}_${name}`,
      server: endpoint?.server ?? `https://${props(r).fqdn}:443`,
      certificateAuthorityData:
        endpoint?.certificateAuthorityData ?? Buffer.from(this.deps.caPem).toString("base64"),
      ...(user ? { user } : { token: token! }),
    });
  }

  private notBusy(r: StoredResource): void {
    const state = props(r).provisioningState;
    if (!isTerminal(state)) throw ContainerServiceErrors.OperationNotAllowed(state);
  }

  /**
   * The cluster's provisioningState, and its pools': all of them, only those the running operation
   * touches ("busy": not Succeeded), or none (a tag PATCH leaves the pools alone).
   */
  private setState(r: StoredResource, state: string, pools: "all" | "busy" | "none"): void {
    const p = props(r);
    p.provisioningState = state;
    if (pools !== "none")
      for (const pool of p.agentPoolProfiles)
        if (pools === "all" || pool["provisioningState"] !== "Succeeded") pool["provisioningState"] = state;
    this.ctx.store.put(r);
  }

  /** Applies a completed create or update: current versions reach their targets, removed pools go. */
  private applyPending(r: StoredResource): void {
    const pending = r.internal["pending"] as unknown as PendingUpdate | undefined;
    if (!pending) return;
    const p = props(r);
    p["currentKubernetesVersion"] = pending.controlPlane;
    p.agentPoolProfiles = p.agentPoolProfiles.filter(
      (pool) => !pending.removed.includes(pool.name.toLowerCase()),
    );
    for (const pool of p.agentPoolProfiles) {
      const target = pending.pools[pool.name.toLowerCase()];
      if (target) pool["currentOrchestratorVersion"] = target;
    }
    delete r.internal["pending"];
    this.ctx.store.put(r);
  }

  /** Starts the cluster's long-running operation (its location is the cluster's). */
  private start(
    r: StoredResource,
    kind: Operation["kind"],
    durationSeconds: number,
    failWith?: { code: string; message: string },
  ): Operation {
    return this.ctx.lro.start({
      subscriptionId: r.id.split("/")[2]!,
      providerNamespace: "Microsoft.ContainerService",
      location: r.body["location"] as string,
      resourceId: r.id,
      handler: kind === "delete" ? DELETE : CREATE,
      kind,
      durationSeconds,
      ...(failWith ? { failWith } : {}),
    });
  }

  private async register(r: StoredResource): Promise<ClusterEndpoint | undefined> {
    const { kube, issuer } = this.deps;
    if (!kube.configured) return undefined;
    const p = props(r);
    const aad = p["aadProfile"] as AadProfile | undefined;
    const mode = pluginModeOf(p.networkProfile);
    const subnetId = p.agentPoolProfiles[0]?.vnetSubnetID;
    const subnet = subnetId ? this.ctx.store.get(subnetId) : undefined;
    const endpoint = await kube.register({
      resourceId: r.id,
      name: r.body["name"] as string,
      kubernetesVersion: String(p["currentKubernetesVersion"] ?? p.kubernetesVersion),
      agentPools: p.agentPoolProfiles.map((pool) => ({
        name: pool.name,
        count: pool.count,
        mode: pool.mode === "User" ? "User" : "System",
        vmSize: pool.vmSize ?? "Standard_D2s_v5",
        orchestratorVersion: String(pool["currentOrchestratorVersion"] ?? p["currentKubernetesVersion"]),
      })),
      network: {
        pluginMode: mode,
        networkPolicy: p.networkProfile.networkPolicy ?? "none",
        ...(mode === "overlay"
          ? { podCidr: p.networkProfile.podCidr! }
          : { subnetPrefix: subnet ? subnetPrefix(subnet) : "10.224.0.0/16" }),
        serviceCidr: p.networkProfile.serviceCidr!,
        dnsServiceIp: p.networkProfile.dnsServiceIP!,
      },
      tokenValidation: { issuer: issuer.issuer, audience: AKS_AAD_SERVER_APP_ID, jwks: issuer.jwks() },
      ...(aad?.managed
        ? {
            aad: {
              managed: true,
              azureRBAC: aad.enableAzureRBAC === true,
              disableLocalAccounts: p["disableLocalAccounts"] === true,
              tenantId: aad.tenantID ?? this.ctx.tenantId,
              access: { url: this.deps.accessUrl(r.id), ca: this.deps.caPem },
            },
          }
        : {}),
    });
    r.internal["endpoint"] = endpoint as unknown as JsonObject;
    this.ctx.store.put(r);
    return endpoint;
  }

  /** The subnet the node pools join, with what validation needs to know about its VNet. */
  private subnetFacts(pools: AgentPoolProfile[], self: string): SubnetFacts | undefined {
    const { store } = this.ctx;
    const ids = [
      ...new Set(
        pools
          .map((p) => p.vnetSubnetID)
          .filter((x): x is string => !!x)
          .map((x) => x.toLowerCase()),
      ),
    ];
    if (ids.length === 0) return undefined;
    if (ids.length > 1 || pools.some((p) => !p.vnetSubnetID))
      throw InvalidParameter(
        "All agent pools must use the same virtual network subnet in this emulator.",
        "agentPoolProfile.vnetSubnetID",
      );
    const subnet = store.get(ids[0]!);
    if (!subnet || subnet.type !== SUBNET_TYPE)
      throw InvalidParameter(
        `The subnet ${pools[0]!.vnetSubnetID!} could not be found.`,
        "agentPoolProfile.vnetSubnetID",
      );
    const vnetId = subnet.id.replace(/\/subnets\/[^/]+$/i, "");
    const vnet = store.get(vnetId)!;
    const prefix = subnetPrefix(subnet);
    const sp = parseCidr(prefix);
    const vnetPrefixes = (vnet.body["properties"] as { addressSpace: { addressPrefixes: string[] } })
      .addressSpace.addressPrefixes;
    const vnetPrefix =
      vnetPrefixes.find((v) => {
        const c = parseCidr(v);
        return c.ok && sp.ok && contains(c.cidr, sp.cidr);
      }) ?? vnetPrefixes[0]!;
    const used = subnetUsers(store, subnet.id)
      .filter((c) => c.id.toLowerCase() !== self.toLowerCase())
      .reduce((n, c) => n + addressesUsed(props(c).networkProfile, props(c).agentPoolProfiles), 0);
    return {
      id: subnet.id,
      prefix,
      vnetPrefix,
      siblingPrefixes: store
        .list(vnetId, SUBNET_TYPE)
        .filter((s) => s.id !== subnet.id)
        .map(subnetPrefix),
      usedAddresses: used,
    };
  }

  /** The principal that acts for the cluster (its control-plane identity). */
  private clusterPrincipal(req: ClusterRequest): { principalId?: string; identity: JsonObject } {
    const { store } = this.ctx;
    const type =
      req.identity?.type ?? (req.properties.servicePrincipalProfile?.clientId ? "None" : "SystemAssigned");
    if (type === "UserAssigned") {
      const ids = Object.keys(req.identity?.userAssignedIdentities ?? {});
      if (ids.length !== 1)
        throw InvalidParameter(
          "Exactly one user-assigned identity must be given for the cluster identity.",
          "identity.userAssignedIdentities",
        );
      const uai = store.get(ids[0]!);
      if (!uai || uai.type !== IDENTITY_TYPE)
        throw InvalidParameter(
          `The user assigned identity ${ids[0]!} could not be found.`,
          "identity.userAssignedIdentities",
        );
      const ip = identityProperties(uai);
      return {
        principalId: ip.principalId,
        identity: {
          type: "UserAssigned",
          userAssignedIdentities: { [uai.id]: { principalId: ip.principalId, clientId: ip.clientId } },
        },
      };
    }
    if (type === "SystemAssigned")
      // AKS creates the system identity itself and grants it what it needs.
      return {
        identity: {
          type: "SystemAssigned",
          principalId: guidFrom(`system:${req.name}`),
          tenantId: this.ctx.tenantId,
        },
      };
    const clientId = req.properties.servicePrincipalProfile?.clientId;
    if (!clientId)
      throw InvalidParameter("A cluster identity or a service principal is required.", "identity");
    const sp = Object.values(store.state.principals).find((p) => p.appId === clientId);
    if (!sp) throw ContainerServiceErrors.ServicePrincipalNotFound(clientId);
    return { principalId: sp.id, identity: { type: "None" } };
  }
}
