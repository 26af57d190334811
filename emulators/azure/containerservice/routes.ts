// Microsoft.ContainerService/managedClusters: validated PUT (201 + Azure-AsyncOperation, Creating →
// Succeeded/Failed over the emulated create time), 409 OperationNotAllowed while not terminal,
// DELETE 202 + Location, and listCluster{User,Admin}Credential kubeconfigs for the Kubernetes emulator.
import { findTracked, trackedId, trackedRoutes } from "../core/tracked.js";
import { createHash, randomBytes } from "node:crypto";
import {
  bodyObject,
  requireLocation,
  requireResourceGroup,
  removeTree,
  tagsOf,
  type ProviderContext,
} from "../core/context.js";
import { ArmError } from "../core/errors.js";
import type { ArmRequest, ArmResponse, Params, Route } from "../core/router.js";
import type { Json, JsonObject, Operation, StoredResource } from "../core/store.js";
import { hasPermission } from "../authorization/model.js";
import { AKS_AAD_SERVER_APP_ID, guidFrom, type TokenIssuer } from "../identity/issuer.js";
import { IDENTITY_TYPE, identityProperties } from "../managedidentity/routes.js";
import { SUBNET_TYPE, subnetPrefix, subnetUsers } from "../network/model.js";
import { parseCidr, contains } from "../../../shared/network/cidr.js";
import {
  CLUSTER_TYPE,
  SUBNET_JOIN_ACTION,
  addressesUsed,
  invalid,
  isTerminal,
  pluginModeOf,
  validateCluster,
  type AgentPoolProfile,
  type ClusterRequest,
  type NetworkProfile,
  type SubnetFacts,
} from "./model.js";
import { kubeconfig, type ClusterEndpoint, type KubeRegistrar } from "./kube.js";

const CREATE = "containerservice/createOrUpdate";
const DELETE = "containerservice/delete";
const DEFAULT_VERSION = "1.33";

interface ClusterProps {
  provisioningState: string;
  kubernetesVersion: string;
  dnsPrefix: string;
  fqdn: string;
  agentPoolProfiles: AgentPoolProfile[];
  networkProfile: NetworkProfile;
  [key: string]: Json | undefined | AgentPoolProfile[] | NetworkProfile;
}

function props(r: StoredResource): ClusterProps {
  return r.body["properties"] as unknown as ClusterProps;
}

export interface ContainerServiceDeps {
  issuer: TokenIssuer;
  kube: KubeRegistrar;
  caPem: string;
}

export function containerServiceRoutes(ctx: ProviderContext, deps: ContainerServiceDeps): Route[] {
  const { store, lro } = ctx;

  const setState = (r: StoredResource, state: string) => {
    const p = props(r);
    p.provisioningState = state;
    for (const pool of p.agentPoolProfiles) pool["provisioningState"] = state;
    store.put(r);
  };

  const register = async (r: StoredResource): Promise<ClusterEndpoint | undefined> => {
    if (!deps.kube.configured) return undefined;
    const p = props(r);
    const mode = pluginModeOf(p.networkProfile);
    const subnetId = p.agentPoolProfiles[0]?.vnetSubnetID;
    const subnet = subnetId ? store.get(subnetId) : undefined;
    const endpoint = await deps.kube.register({
      resourceId: r.id,
      name: r.body["name"] as string,
      kubernetesVersion: p.kubernetesVersion,
      network: {
        pluginMode: mode,
        networkPolicy: p.networkProfile.networkPolicy ?? "none",
        ...(mode === "overlay"
          ? { podCidr: p.networkProfile.podCidr! }
          : { subnetPrefix: subnet ? subnetPrefix(subnet) : "10.224.0.0/16" }),
        serviceCidr: p.networkProfile.serviceCidr!,
        dnsServiceIp: p.networkProfile.dnsServiceIP!,
      },
      tokenValidation: {
        issuer: deps.issuer.issuer,
        audience: AKS_AAD_SERVER_APP_ID,
        jwks: deps.issuer.jwks(),
      },
    });
    r.internal["endpoint"] = endpoint as unknown as JsonObject;
    store.put(r);
    return endpoint;
  };

  lro.register(CREATE, async (op: Operation) => {
    const r = store.get(op.resourceId);
    if (!r) return { status: "Failed", error: { code: "NotFound", message: "The cluster was deleted." } };
    if (op.failWith) {
      setState(r, "Failed");
      return { status: "Failed", error: op.failWith };
    }
    try {
      await register(r);
    } catch (e) {
      setState(r, "Failed");
      return { status: "Failed", error: { code: "InternalOperationError", message: (e as Error).message } };
    }
    setState(r, "Succeeded");
    return { status: "Succeeded" };
  });
  lro.register(DELETE, async (op) => {
    await removeTree(ctx, op.resourceId);
    return { status: "Succeeded" };
  });
  ctx.onDelete.push(async (r) => {
    if (r.type === CLUSTER_TYPE) await deps.kube.unregister(r.id);
  });

  const idOf = (p: Params) => trackedId(p, CLUSTER_TYPE);
  const find = (p: Params) => findTracked(ctx, p, CLUSTER_TYPE);

  const notAllowed = (r: StoredResource) =>
    new ArmError(
      409,
      "OperationNotAllowed",
      `Operation is not allowed because there's an in progress ${props(r).provisioningState.toLowerCase()} managed cluster operation which will conflict with it. Please wait for the operation to complete before retrying.`,
    );

  /** The subnet the node pools join, with what validation needs to know about its VNet. */
  const subnetFacts = (pools: AgentPoolProfile[], self: string): SubnetFacts | undefined => {
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
      throw invalid(
        "All agent pools must use the same virtual network subnet in this emulator.",
        "agentPoolProfile.vnetSubnetID",
      );
    const subnet = store.get(ids[0]!);
    if (!subnet || subnet.type !== SUBNET_TYPE)
      throw invalid(
        `The subnet ${pools[0]!.vnetSubnetID!} could not be found.`,
        "agentPoolProfile.vnetSubnetID",
        "InvalidParameter",
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
  };

  /** The principal that acts for the cluster (its control-plane identity). */
  const clusterPrincipal = (req: ClusterRequest): { principalId?: string; identity: JsonObject } => {
    const type =
      req.identity?.type ?? (req.properties.servicePrincipalProfile?.clientId ? "None" : "SystemAssigned");
    if (type === "UserAssigned") {
      const ids = Object.keys(req.identity?.userAssignedIdentities ?? {});
      if (ids.length !== 1)
        throw invalid(
          "Exactly one user-assigned identity must be given for the cluster identity.",
          "identity.userAssignedIdentities",
        );
      const uai = store.get(ids[0]!);
      if (!uai || uai.type !== IDENTITY_TYPE)
        throw invalid(
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
          tenantId: ctx.tenantId,
        },
      };
    const clientId = req.properties.servicePrincipalProfile?.clientId;
    if (!clientId) throw invalid("A cluster identity or a service principal is required.", "identity");
    const sp = Object.values(store.state.principals).find((p) => p.appId === clientId);
    if (!sp)
      throw invalid(
        `The service principal with client id ${clientId} was not found.`,
        "servicePrincipalProfile.clientId",
        "ServicePrincipalNotFound",
      );
    return { principalId: sp.id, identity: { type: "None" } };
  };

  const put = async (req: ArmRequest, p: Params): Promise<ArmResponse> => {
    requireResourceGroup(ctx, p["sub"]!, p["rg"]!, true);
    const id = idOf(p);
    const existing = store.get(id);
    if (existing && !isTerminal(props(existing).provisioningState)) throw notAllowed(existing);
    const body = bodyObject(req);
    const location = requireLocation(body);
    const creq: ClusterRequest = {
      name: p["name"]!,
      location,
      ...(body["identity"] ? { identity: body["identity"] as ClusterRequest["identity"] } : {}),
      properties: { ...((body["properties"] ?? {}) as ClusterRequest["properties"]) },
    };
    const pools = creq.properties.agentPoolProfiles ?? [];
    const subnet = subnetFacts(pools, id);
    const networkProfile = validateCluster(creq, subnet);
    if (existing) {
      const before = props(existing).networkProfile;
      for (const field of ["serviceCidr", "dnsServiceIP", "podCidr", "networkPlugin"] as const)
        if (before[field] !== networkProfile[field])
          throw invalid(
            `Changing property '${field}' is not allowed.`,
            `networkProfile.${field}`,
            "PropertyChangeNotAllowed",
          );
    }
    const { principalId, identity } = clusterPrincipal(creq);
    if (
      subnet &&
      principalId &&
      !hasPermission(store, principalId, SUBNET_JOIN_ACTION, subnet.id, ctx.clock.now())
    )
      throw new ArmError(
        403,
        "LinkedAuthorizationFailed",
        `The cluster identity with object id '${principalId}' does not have permission to perform action '${SUBNET_JOIN_ACTION}' on the linked scope '${subnet.id}'. Grant it a role such as Network Contributor (4d97b98b-1d4f-4787-a291-c67834d212e7) on the subnet, then retry.`,
        "agentPoolProfile.vnetSubnetID",
      );

    const { failWith, factor } = ctx.faults.provisioning({
      method: req.method,
      path: req.path,
      operation: "write",
      resourceType: CLUSTER_TYPE,
    });
    const name = (existing?.body["name"] as string | undefined) ?? p["name"]!;
    const dnsPrefix =
      creq.properties.dnsPrefix ?? `${name.slice(0, 30)}-${p["rg"]!.slice(0, 10)}-${p["sub"]!.slice(0, 6)}`;
    const fqdn =
      (existing ? props(existing).fqdn : undefined) ??
      `${dnsPrefix.toLowerCase()}-${createHash("sha256").update(id.toLowerCase()).digest("hex").slice(0, 8)}.hcp.${location}.azmk8s.io`;
    const version = creq.properties.kubernetesVersion ?? DEFAULT_VERSION;
    const state = existing ? "Updating" : "Creating";
    const properties: JsonObject = {
      ...(creq.properties as JsonObject),
      provisioningState: state,
      powerState: { code: "Running" },
      kubernetesVersion: version,
      currentKubernetesVersion: version.split(".").length === 2 ? `${version}.0` : version,
      dnsPrefix,
      fqdn,
      azurePortalFQDN: fqdn.replace(".hcp.", ".portal.hcp."),
      agentPoolProfiles: pools.map((pool) => ({
        ...pool,
        mode: pool.mode ?? "System",
        osType: pool.osType ?? "Linux",
        vmSize: pool.vmSize ?? "Standard_D2s_v5",
        type: "VirtualMachineScaleSets",
        orchestratorVersion: version,
        currentOrchestratorVersion: version,
        provisioningState: state,
        powerState: { code: "Running" },
        maxPods: pool["maxPods"] ?? (pluginModeOf(networkProfile) === "overlay" ? 250 : 30),
      })) as unknown as Json,
      networkProfile: networkProfile as unknown as Json,
      nodeResourceGroup: `MC_${p["rg"]!}_${name}_${location}`,
      enableRBAC: true,
      maxAgentPools: 100,
      supportPlan: "KubernetesOfficial",
    };
    const r: StoredResource = {
      id: existing?.id ?? id,
      type: CLUSTER_TYPE,
      body: {
        id: existing?.id ?? id,
        name,
        type: CLUSTER_TYPE,
        location,
        tags: tagsOf(body) as JsonObject,
        sku: { name: "Base", tier: "Free" },
        identity,
        properties,
      },
      internal: existing?.internal ?? { adminToken: randomBytes(24).toString("hex") },
    };
    store.put(r);
    const op = startOperation(
      r,
      existing ? "update" : "create",
      (existing ? ctx.latency.clusterUpdate : ctx.latency.clusterCreate) * factor,
      failWith,
    );
    return {
      status: existing ? 200 : 201,
      body: r.body,
      headers: { "Azure-AsyncOperation": lro.asyncOperationUrl(req, op) },
    };
  };

  /** Starts the cluster's long-running operation (its location is the cluster's). */
  const startOperation = (
    r: StoredResource,
    kind: Operation["kind"],
    durationSeconds: number,
    failWith?: { code: string; message: string },
  ) =>
    lro.start({
      subscriptionId: r.id.split("/")[2]!,
      providerNamespace: "Microsoft.ContainerService",
      location: r.body["location"] as string,
      resourceId: r.id,
      handler: kind === "delete" ? DELETE : CREATE,
      kind,
      durationSeconds,
      ...(failWith ? { failWith } : {}),
    });

  /** PATCH: only tags, as managedClusters.updateTags sends; a short Updating operation. */
  const patchTags = async (req: ArmRequest, p: Params): Promise<ArmResponse> => {
    const r = find(p);
    if (!isTerminal(props(r).provisioningState)) throw notAllowed(r);
    r.body["tags"] = tagsOf(bodyObject(req)) as JsonObject;
    setState(r, "Updating");
    const op = startOperation(r, "update", ctx.latency.clusterTagUpdate);
    return { status: 200, body: r.body, headers: { "Azure-AsyncOperation": lro.asyncOperationUrl(req, op) } };
  };

  const remove = async (req: ArmRequest, p: Params): Promise<ArmResponse> => {
    requireResourceGroup(ctx, p["sub"]!, p["rg"]!);
    const r = store.get(idOf(p));
    if (!r) return { status: 204 };
    const state = props(r).provisioningState;
    if (state === "Deleting") {
      const op = lro.active(r.id)[0];
      if (op) return { status: 202, headers: lro.headers(req, op) };
    } else if (!isTerminal(state)) throw notAllowed(r);
    setState(r, "Deleting");
    const op = startOperation(r, "delete", ctx.latency.clusterDelete);
    return { status: 202, headers: lro.headers(req, op) };
  };

  const credentials =
    (kind: "admin" | "user") =>
    async (req: ArmRequest, p: Params): Promise<ArmResponse> => {
      const r = find(p);
      const state = props(r).provisioningState;
      if (state === "Creating" || state === "Deleting") throw notAllowed(r);
      if (state === "Failed" && !r.internal["endpoint"])
        throw new ArmError(
          400,
          "BadRequest",
          "The cluster failed to provision; no credentials are available.",
        );
      let endpoint = r.internal["endpoint"] as unknown as ClusterEndpoint | undefined;
      if (!endpoint && deps.kube.configured) endpoint = await register(r);
      const fqdn = props(r).fqdn;
      const server = endpoint?.server ?? `https://${fqdn}:443`;
      const caData = endpoint?.certificateAuthorityData ?? Buffer.from(deps.caPem).toString("base64");
      const name = r.body["name"] as string;
      const token =
        kind === "admin"
          ? (endpoint?.adminToken ?? (r.internal["adminToken"] as string))
          : (
              await deps.issuer.issue({
                audience: AKS_AAD_SERVER_APP_ID,
                subject: req.principal?.id ?? "anonymous",
                objectId: req.principal?.id ?? "anonymous",
                ...(req.principal?.appId ? { appId: req.principal.appId } : {}),
              })
            ).token;
      const yaml = kubeconfig({
        clusterName: name,
        contextName: kind === "admin" ? `${name}-admin` : name,
        userName: `cluster${kind === "admin" ? "Admin" : "User"}_${p["rg"]!}_${name}`,
        server,
        certificateAuthorityData: caData,
        token,
      });
      return {
        status: 200,
        body: {
          kubeconfigs: [
            {
              name: kind === "admin" ? "clusterAdmin" : "clusterUser",
              value: Buffer.from(yaml).toString("base64"),
            },
          ],
        },
      };
    };

  const base =
    "/subscriptions/{sub}/resourcegroups/{rg}/providers/Microsoft.ContainerService/managedClusters";
  return [
    ...trackedRoutes(ctx, { resourceType: CLUSTER_TYPE, put, remove }),
    { method: "PATCH", pattern: `${base}/{name}`, resourceType: CLUSTER_TYPE, handler: patchTags },
    {
      method: "POST",
      pattern: `${base}/{name}/listClusterAdminCredential`,
      kind: "action",
      resourceType: CLUSTER_TYPE,
      handler: credentials("admin"),
    },
    {
      method: "POST",
      pattern: `${base}/{name}/listClusterUserCredential`,
      kind: "action",
      resourceType: CLUSTER_TYPE,
      handler: credentials("user"),
    },
  ];
}
