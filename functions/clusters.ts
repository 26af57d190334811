// HTTP routes of the cluster API: each authenticates the caller, hands the request to the
// application (application/) with this invocation's durable client and ARM behind its ports, and
// returns its answer. Registering them (importing this module) is enough.
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { authenticate, isCaller } from "../application/authenticate.js";
import { ClusterApi, type RequestOptions } from "../application/cluster-api.js";
import { createCluster } from "../application/pipeline-callback.js";
import type { Orchestrations } from "../application/ports.js";
import { armError } from "../application/responses.js";
import type { Caller } from "../shared/auth/caller.js";
import { scrub } from "../shared/azure/errors.js";
import { clusterKubeconfig } from "../shared/azure/kubeconfig.js";
import { callbackStore } from "../shared/callback/store.js";
import { appConfig, type AppConfig } from "../shared/config/index.js";
import { backfillIndex } from "../application/backfill.js";
import { allInstancesOf, orchestrationsOf } from "./orchestrations.js";
import { armClients, armCredential } from "../shared/azure/clients.js";
import { ClusterStateTable } from "../shared/state/cluster-table.js";

/** The Orchestrations port over this invocation's durable client. */
function orchestrations(context: InvocationContext): Orchestrations {
  return orchestrationsOf(df.getClient(context));
}

let state: { key: string; value: ClusterStateTable } | undefined;

/** The index and quota table of this deployment (one client per process). */
function stateTable(config: AppConfig): ClusterStateTable {
  const c = config.state;
  if (!c)
    throw new Error("no table for the cluster index: set AKSV_STATE_TABLE_URL (or AKSV_CALLBACK_TABLE_URL)");
  const key = `${c.tableUrl}|${c.table}`;
  if (state?.key !== key) state = { key, value: ClusterStateTable.connect(c, armCredential(config)) };
  return state.value;
}

let upgrade: Promise<void> | undefined;

/**
 * The one-time index backfill (application/backfill.ts), run once per process before the first
 * request it serves (after the marker row says it ran, that is one point read); requests arriving
 * meanwhile wait for it. A failure fails those requests and is tried again by the next one.
 */
function upgraded(context: InvocationContext): Promise<void> {
  upgrade ??= (async () => {
    const table = stateTable(appConfig());
    const report = await backfillIndex({
      allInstances: allInstancesOf(df.getClient(context)),
      index: table,
      quotas: table,
    });
    if (report) context.log(`index backfill: ${JSON.stringify(report)}`);
  })().catch((e: unknown) => {
    upgrade = undefined;
    throw e;
  });
  return upgrade;
}

/** The cluster API for one invocation (also used by catalog-info.ts). */
export function api(context: InvocationContext): ClusterApi {
  const config = appConfig();
  const table = stateTable(config);
  return new ClusterApi({
    config,
    orchestrations: orchestrations(context),
    index: table,
    quotas: table,
    userKubeconfig: async (target) => {
      const yaml = await clusterKubeconfig(config, target, "user");
      if (!yaml) throw new Error("ARM returned no user kubeconfig");
      return yaml;
    },
    kubernetesVersions: async (subscriptionId, location) => {
      const { containerService } = armClients(config, subscriptionId);
      const list = await containerService.managedClusters.listKubernetesVersions(location);
      return (list.values ?? []).flatMap((v) => [
        ...(v.version ? [v.version] : []),
        ...Object.keys(v.patchVersions ?? {}),
      ]);
    },
  });
}

/** `?dryRun=true|false` (absent: false); anything else is 400 InvalidQueryParameter. */
function dryRunOf(request: HttpRequest): RequestOptions | HttpResponseInit {
  const value = request.query.get("dryRun");
  if (value === null || value === "false") return {};
  if (value === "true") return { dryRun: true };
  return armError(400, "InvalidQueryParameter", "dryRun must be true or false", [
    { path: "dryRun", code: "InvalidQueryParameter", message: "must be true or false" },
  ]);
}

function isOptions(v: RequestOptions | HttpResponseInit): v is RequestOptions {
  return !("status" in v);
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
export function guarded(handler: CallerHandler): Handler {
  return async (request, context) => {
    try {
      const caller = await authenticate(appConfig().auth, request.headers.get("authorization"), context);
      if (!isCaller(caller)) return caller;
      await upgraded(context);
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

export const extraInputs = [df.input.durableClient()];

app.http("clusters", {
  route: "clusters",
  methods: ["GET", "POST"],
  authLevel: "anonymous",
  extraInputs,
  handler: guarded(async (request, context, caller) => {
    if (request.method !== "POST") return api(context).list(request.query, caller);
    const options = dryRunOf(request);
    if (!isOptions(options)) return options;
    // A dry run starts nothing, so it has nothing to report to a pipeline.
    if (options.dryRun) return api(context).create(request, caller, options);
    return createCluster(api(context), request, caller, {
      config: appConfig(),
      orchestrations: orchestrations(context),
      callbacks: callbackStore(),
    });
  }),
});

app.http("cluster", {
  route: "clusters/{name}",
  methods: ["GET", "PUT", "PATCH", "DELETE"],
  authLevel: "anonymous",
  extraInputs,
  handler: guarded(async (request, context, caller) => {
    const name = request.params["name"] ?? "";
    if (request.method === "GET") return api(context).get(name, caller);
    const options = dryRunOf(request);
    if (!isOptions(options)) return options;
    switch (request.method) {
      case "PUT":
        return api(context).put(name, request, caller, options);
      case "PATCH":
        return api(context).patch(name, request, caller, options);
      default:
        return api(context).delete(name, caller, request, options);
    }
  }),
});

app.http("clusterKubeconfig", {
  route: "clusters/{name}/kubeconfig",
  methods: ["GET"],
  authLevel: "anonymous",
  extraInputs,
  handler: guarded((request, context, caller) =>
    api(context).kubeconfig(request.params["name"] ?? "", caller, request.query.get("plugin") ?? undefined),
  ),
});
