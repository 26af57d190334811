// GET /api/clusters/{name}/catalog-info: the cluster as a Backstage catalog entity (kind Resource,
// shared/backstage/catalog-info.ts). It reads the cluster's status document through the cluster API
// exactly as GET /api/clusters/{name} does (same roles, same 404 for another team's cluster), and
// answers anything but a 200 unchanged.
import { app } from "@azure/functions";
import { clusterResourceEntity } from "../shared/backstage/catalog-info.js";
import type { ClusterStatusDocument } from "../shared/provision/types.js";
import { api, extraInputs, guarded } from "./clusters.js";

app.http("clusterCatalogInfo", {
  route: "clusters/{name}/catalog-info",
  methods: ["GET"],
  authLevel: "anonymous",
  extraInputs,
  handler: guarded(async (request, context, caller) => {
    const status = await api(context).get(request.params["name"] ?? "", caller);
    if (status.status !== 200) return status;
    const system = request.query.get("system");
    return {
      status: 200,
      headers: { "Cache-Control": "no-store" },
      jsonBody: clusterResourceEntity(status.jsonBody as ClusterStatusDocument, {
        origin: new URL(request.url).origin,
        ...(system ? { system } : {}),
      }),
    };
  }),
});
