// HTTP routes of the cluster API: thin handlers that hand the request to ClusterApi with the
// durable client of this invocation. Registering them (importing this module) is enough.
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { appConfig } from "../shared/config/index.js";
import { armClients } from "../shared/azure/clients.js";
import { scrub } from "../shared/azure/errors.js";
import type { Caller } from "../shared/auth/caller.js";
import { authenticate, isCaller } from "./authenticate.js";
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
type CallerHandler = (
  request: HttpRequest,
  context: InvocationContext,
  caller: Caller,
) => Promise<HttpResponseInit>;

/**
 * Every cluster route: the caller is authenticated first (401/503 otherwise, nothing else runs);
 * unexpected failures become an ARM-style 500 with a correlation id, never a stack trace.
 */
function guarded(handler: CallerHandler): Handler {
  return async (request, context) => {
    try {
      const caller = await authenticate(appConfig().auth, request.headers.get("authorization"), context);
      if (!isCaller(caller)) return caller;
      return await handler(request, context, caller);
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

// A malformed setting (AKSV_TEAM_MAP, quotas…) stops the app at load with the setting's name,
// rather than at the first request.
appConfig();

const extraInputs = [df.input.durableClient()];

app.http("clusters", {
  route: "clusters",
  methods: ["GET", "POST"],
  authLevel: "anonymous",
  extraInputs,
  handler: guarded((request, context, caller) =>
    request.method === "POST"
      ? createCluster(api(context), request, caller, {
          config: appConfig(),
          orchestrations: df.getClient(context),
          callbacks: callbackStore(),
        })
      : api(context).list(request.query, caller),
  ),
});

app.http("cluster", {
  route: "clusters/{name}",
  methods: ["GET", "DELETE"],
  authLevel: "anonymous",
  extraInputs,
  handler: guarded((request, context, caller) => {
    const name = request.params["name"] ?? "";
    return request.method === "DELETE" ? api(context).delete(name, caller) : api(context).get(name, caller);
  }),
});

app.http("clusterKubeconfig", {
  route: "clusters/{name}/kubeconfig",
  methods: ["GET"],
  authLevel: "anonymous",
  extraInputs,
  handler: guarded((request, context, caller) =>
    api(context).kubeconfig(request.params["name"] ?? "", caller),
  ),
});
