// HTTP routes of the cluster API: thin handlers that hand the request to ClusterApi with the
// durable client of this invocation. Registering them (importing this module) is enough.
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { appConfig } from "../shared/config/index.js";
import { armClients } from "../shared/azure/clients.js";
import { scrub } from "../shared/azure/errors.js";
import { armError, ClusterApi, type Orchestrations } from "./clusters-api.js";
import { callbackStore } from "../shared/callback/store.js";
import { createCluster } from "./pipeline-callback.js";

function api(context: InvocationContext): ClusterApi {
  const config = appConfig();
  const orchestrations: Orchestrations = df.getClient(context);
  return new ClusterApi({
    config,
    orchestrations,
    userKubeconfig: async (target) => {
      const { containerService } = armClients(config, target.subscriptionId);
      const creds = await containerService.managedClusters.listClusterUserCredentials(
        target.resourceGroup,
        target.name,
      );
      const value = creds.kubeconfigs?.[0]?.value;
      if (!value) throw new Error("ARM returned no user kubeconfig");
      return Buffer.from(value).toString("utf8");
    },
  });
}

type Handler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

/** Unexpected failures become an ARM-style 500 with a correlation id, never a stack trace. */
function guarded(handler: Handler): Handler {
  return async (request, context) => {
    try {
      return await handler(request, context);
    } catch (e) {
      context.error(`request failed: ${scrub(e instanceof Error ? e.message : String(e))}`);
      const response = armError(
        500,
        "InternalServerError",
        `the request could not be completed; correlation id ${context.invocationId}`,
      );
      return { ...response, headers: { "x-ms-correlation-request-id": context.invocationId } };
    }
  };
}

const extraInputs = [df.input.durableClient()];

app.http("clusters", {
  route: "clusters",
  methods: ["GET", "POST"],
  authLevel: "anonymous",
  extraInputs,
  handler: guarded((request, context) =>
    request.method === "POST"
      ? createCluster(api(context), request, {
          config: appConfig(),
          orchestrations: df.getClient(context),
          callbacks: callbackStore(),
        })
      : api(context).list(request.query),
  ),
});

app.http("cluster", {
  route: "clusters/{name}",
  methods: ["GET", "DELETE"],
  authLevel: "anonymous",
  extraInputs,
  handler: guarded((request, context) => {
    const name = request.params["name"] ?? "";
    return request.method === "DELETE" ? api(context).delete(name) : api(context).get(name);
  }),
});

app.http("clusterKubeconfig", {
  route: "clusters/{name}/kubeconfig",
  methods: ["GET"],
  authLevel: "anonymous",
  extraInputs,
  handler: guarded((request, context) => api(context).kubeconfig(request.params["name"] ?? "")),
});
