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
import { trackedRoutes } from "../core/tracked.js";
import { CLUSTER_TYPE, ManagedClusters, type ClusterInput, type ContainerServiceDeps } from "./model.js";

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
        properties: { ...(propertiesOf(body) as ClusterInput["properties"]) },
      },
      provisioningFault(ctx, req, CLUSTER_TYPE),
    );
    return {
      status: created ? 201 : 200,
      body: cluster.body,
      headers: { "Azure-AsyncOperation": lro.asyncOperationUrl(req, operation) },
    };
  };

  const patchTags = (req: ArmRequest, p: Params): ArmResponse => {
    const { cluster, operation } = clusters.updateTags(refOf(p), tagsOf(bodyObject(req)));
    return {
      status: 200,
      body: cluster.body,
      headers: { "Azure-AsyncOperation": lro.asyncOperationUrl(req, operation) },
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
  return [
    ...trackedRoutes(ctx, { resourceType: CLUSTER_TYPE, put, remove }),
    { method: "PATCH", pattern: cluster, resourceType: CLUSTER_TYPE, handler: patchTags },
    action("listClusterAdminCredential", credentials("admin")),
    action("listClusterUserCredential", credentials("user")),
  ];
}
