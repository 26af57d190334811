// Microsoft.ContainerService/managedClusters on the wire: PUT 201 (200 for an update) +
// Azure-AsyncOperation, PATCH of tags, DELETE 202 + Location (204 when absent), and
// listCluster{User,Admin}Credential answering base64 kubeconfigs.
import type { ProviderContext } from "../core/context.js";
import {
  bodyObject,
  propertiesOf,
  provisioningFault,
  refOf,
  requireLocation,
  tagsOf,
} from "../core/request.js";
import type { ArmRequest, ArmResponse, Params, Route } from "../core/router.js";
import { forApiVersion, type VersionedProperty } from "../core/api-versions.js";
import type { JsonObject } from "../core/store.js";
import { trackedRoutes } from "../core/tracked.js";
import { MAINTENANCE_TYPE, MaintenanceConfigurations } from "./maintenance.js";
import { CLUSTER_TYPE, ManagedClusters, type ClusterInput, type ContainerServiceDeps } from "./model.js";
import { kubernetesVersions, orchestrators } from "./versions.js";

/**
 * Cluster properties later api-versions added: az 2.45's 2022-11-01 model (generated from that
 * version's spec) has none of them, so its answers leave them out.
 */
const CLUSTER_PROPERTIES_SINCE: readonly VersionedProperty[] = [
  { path: ["properties", "resourceUID"], absentUpTo: "2022-11-01" },
  { path: ["properties", "supportPlan"], absentUpTo: "2022-11-01" },
  { path: ["properties", "networkProfile", "networkDataplane"], absentUpTo: "2022-11-01" },
  { path: ["properties", "autoUpgradeProfile", "nodeOSUpgradeChannel"], absentUpTo: "2022-11-01" },
];

/** A cluster's body as the request's api-version has it. */
const clusterView = (body: JsonObject, req: Pick<ArmRequest, "apiVersion">) =>
  forApiVersion(body, req.apiVersion, CLUSTER_PROPERTIES_SINCE);

/** From this api-version AKS rejects networkProfile.dockerBridgeCidr; before it, it ignores it. */
const DOCKER_BRIDGE_REMOVED = "2023-04-01";

/** The request's properties as the model takes them: older api-versions' dockerBridgeCidr dropped. */
function clusterProperties(req: ArmRequest, body: Record<string, unknown>): ClusterInput["properties"] {
  const properties = { ...(propertiesOf(body) as ClusterInput["properties"]) };
  const np = properties.networkProfile;
  if (np && "dockerBridgeCidr" in np && req.apiVersion < DOCKER_BRIDGE_REMOVED) {
    const { dockerBridgeCidr: _ignored, ...rest } = np;
    properties.networkProfile = rest;
  }
  return properties;
}

export type { ContainerServiceDeps } from "./model.js";

export function containerServiceRoutes(ctx: ProviderContext, deps: ContainerServiceDeps): Route[] {
  const { lro } = ctx;
  const clusters = new ManagedClusters(ctx, deps);

  const put = async (req: ArmRequest, p: Params): Promise<ArmResponse> => {
    const body = bodyObject(req);
    const { cluster, created, operation } = await clusters.createOrUpdate(
      refOf(p),
      {
        location: requireLocation(body),
        tags: tagsOf(body),
        ...(body["identity"] ? { identity: body["identity"] as ClusterInput["identity"] } : {}),
        ...(body["sku"] ? { sku: body["sku"] } : {}),
        properties: clusterProperties(req, body),
      },
      provisioningFault(ctx, req, CLUSTER_TYPE),
    );
    return {
      status: created ? 201 : 200,
      body: clusterView(cluster.body, req),
      headers: lro.asyncHeaders(req, operation),
    };
  };

  const patchTags = (req: ArmRequest, p: Params): ArmResponse => {
    const { cluster, operation } = clusters.updateTags(refOf(p), tagsOf(bodyObject(req)));
    return {
      status: 200,
      body: clusterView(cluster.body, req),
      headers: lro.asyncHeaders(req, operation),
    };
  };

  const remove = (req: ArmRequest, p: Params): ArmResponse => {
    const op = clusters.delete(refOf(p));
    return op ? { status: 202, headers: lro.headers(req, op) } : { status: 204 };
  };

  const credentials =
    (kind: "admin" | "user") =>
    async (req: ArmRequest, p: Params): Promise<ArmResponse> => {
      const yaml = await clusters.kubeconfig(refOf(p), kind, req.principal);
      const name = kind === "admin" ? "clusterAdmin" : "clusterUser";
      return { status: 200, body: { kubeconfigs: [{ name, value: Buffer.from(yaml).toString("base64") }] } };
    };

  const cluster =
    "/subscriptions/{sub}/resourcegroups/{rg}/providers/Microsoft.ContainerService/managedClusters/{name}";
  const action = (verb: string, handler: Route["handler"]): Route => ({
    method: "POST",
    pattern: `${cluster}/${verb}`,
    kind: "action",
    resourceType: CLUSTER_TYPE,
    handler,
  });
  const poolType = `${CLUSTER_TYPE}/agentPools`;
  const pool = `${cluster}/agentPools/{pool}`;
  const putPool = async (req: ArmRequest, p: Params): Promise<ArmResponse> => {
    const r = await clusters.writeAgentPool(refOf(p), p["pool"]!, propertiesOf(bodyObject(req)));
    return { status: r.created ? 201 : 200, body: r.pool, headers: lro.asyncHeaders(req, r.operation) };
  };
  const removePool = async (req: ArmRequest, p: Params): Promise<ArmResponse> => {
    clusters.agentPool(refOf(p), p["pool"]!);
    const r = await clusters.writeAgentPool(refOf(p), p["pool"]!, undefined);
    return { status: 202, headers: lro.headers(req, r.operation) };
  };
  const maintenance = new MaintenanceConfigurations(ctx, (ref) => clusters.get(ref));
  const config = `${cluster}/maintenanceConfigurations/{config}`;
  const maintenanceRoutes: Route[] = [
    {
      method: "GET",
      pattern: `${cluster}/maintenanceConfigurations`,
      resourceType: MAINTENANCE_TYPE,
      handler: (_r, p) => ({ status: 200, body: { value: maintenance.list(refOf(p)) } }),
    },
    {
      method: "GET",
      pattern: config,
      resourceType: MAINTENANCE_TYPE,
      handler: (_r, p) => ({ status: 200, body: maintenance.get(refOf(p), p["config"]!) }),
    },
    {
      method: "PUT",
      pattern: config,
      resourceType: MAINTENANCE_TYPE,
      // AKS answers 200 for a create as for an update.
      handler: (req, p) => ({
        status: 200,
        body: maintenance.put(refOf(p), p["config"]!, propertiesOf(bodyObject(req))).body,
      }),
    },
    {
      method: "DELETE",
      pattern: config,
      resourceType: MAINTENANCE_TYPE,
      handler: (_r, p) => ({ status: maintenance.delete(refOf(p), p["config"]!) ? 200 : 204 }),
    },
  ];
  const location = "/subscriptions/{sub}/providers/Microsoft.ContainerService/locations/{loc}";
  return [
    ...trackedRoutes(ctx, {
      resourceType: CLUSTER_TYPE,
      put,
      remove,
      render: (r, apiVersion) => clusterView(r.body, { apiVersion }),
    }),
    {
      method: "GET",
      pattern: `${cluster}/agentPools`,
      resourceType: poolType,
      handler: (_r, p) => ({ status: 200, body: { value: clusters.agentPools(refOf(p)) } }),
    },
    {
      method: "GET",
      pattern: pool,
      resourceType: poolType,
      handler: (_r, p) => ({ status: 200, body: clusters.agentPool(refOf(p), p["pool"]!) }),
    },
    { method: "PUT", pattern: pool, resourceType: poolType, handler: putPool },
    {
      method: "GET",
      pattern: `${cluster}/upgradeProfiles/default`,
      resourceType: `${CLUSTER_TYPE}/upgradeProfiles`,
      handler: (_r, p) => ({ status: 200, body: clusters.upgradeProfile(refOf(p)) }),
    },
    {
      method: "GET",
      pattern: `${pool}/upgradeProfiles/default`,
      resourceType: `${poolType}/upgradeProfiles`,
      handler: (_r, p) => ({ status: 200, body: clusters.agentPoolUpgradeProfile(refOf(p), p["pool"]!) }),
    },
    ...maintenanceRoutes,
    { method: "DELETE", pattern: pool, resourceType: poolType, handler: removePool },
    {
      method: "GET",
      pattern: `${location}/kubernetesVersions`,
      handler: () => ({ status: 200, body: kubernetesVersions() }),
    },
    {
      method: "GET",
      pattern: `${location}/orchestrators`,
      handler: (_r, p) => ({ status: 200, body: orchestrators(p["sub"]!, p["loc"]!) }),
    },
    { method: "PATCH", pattern: cluster, resourceType: CLUSTER_TYPE, handler: patchTags },
    action("listClusterAdminCredential", credentials("admin")),
    action("listClusterUserCredential", credentials("user")),
  ];
}
