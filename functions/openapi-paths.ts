// OpenAPI 3.1 paths and response schemas of the cluster API (the request schema, ClusterSpec, is
// generated from the zod schema in shared/spec/openapi.ts).
import { CALLBACK_HEADERS } from "../shared/callback/headers.js";

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ "application/json": { schema } });
const error = (description: string) => ({ description, content: json(ref("ErrorResponse")) });
const nameParam = { name: "name", in: "path", required: true, schema: { type: "string" } };
const retryAfter = {
  "Retry-After": { description: "Seconds to wait before polling again", schema: { type: "integer" } },
};

const phases = [
  "Accepted",
  "Provisioning",
  "Seeding",
  "Verifying",
  "Succeeded",
  "Failed",
  "Deleting",
  "Deleted",
];
const stepError = {
  type: "object",
  required: ["code", "message"],
  properties: { code: { type: "string" }, message: { type: "string" }, statusCode: { type: "integer" } },
};

/** What both the status document and a list entry say about a cluster. */
const summaryProperties = {
  name: { type: "string" },
  resourceGroup: { type: "string" },
  subscriptionId: { type: "string" },
  team: { type: "string" },
  phase: ref("ClusterPhase"),
  createdAt: { type: "string", format: "date-time" },
  lastUpdatedAt: { type: "string", format: "date-time" },
};

export const clusterApiSchemas: Record<string, unknown> = {
  ClusterPhase: { type: "string", enum: phases },
  ClusterStep: {
    type: "object",
    required: ["name", "status", "attempts"],
    properties: {
      name: { type: "string" },
      status: { type: "string", enum: ["Pending", "Running", "Succeeded", "Failed", "Skipped"] },
      startedAt: { type: "string", format: "date-time" },
      finishedAt: { type: "string", format: "date-time" },
      attempts: { type: "integer" },
      error: stepError,
      waitingFor: {
        type: "object",
        description:
          "While a running step waits (the cluster is busy with another operation, ARM answered a transient error): what it waits for and since when",
        required: ["code", "message", "since"],
        properties: {
          code: { type: "string" },
          message: { type: "string" },
          since: { type: "string", format: "date-time" },
        },
      },
    },
  },
  ClusterStatus: {
    type: "object",
    required: ["name", "phase", "steps", "outputs", "warnings", "links"],
    properties: {
      ...summaryProperties,
      requestedBy: {
        type: "object",
        description: "Who asked for the cluster (the token's object id and name)",
        required: ["id", "name"],
        properties: { id: { type: "string" }, name: { type: "string" } },
      },
      steps: { type: "array", items: ref("ClusterStep") },
      outputs: {
        type: "object",
        properties: Object.fromEntries(
          [
            "resourceGroupId",
            "vnetId",
            "subnetId",
            "identityId",
            "identityPrincipalId",
            "clusterId",
            "fqdn",
          ].map((k) => [k, { type: "string" }]),
        ),
      },
      verification: {
        type: "object",
        required: ["passed", "results"],
        properties: {
          passed: { type: "boolean" },
          results: {
            type: "array",
            items: {
              type: "object",
              required: ["from", "to", "expected", "observed"],
              properties: {
                from: { type: "string" },
                to: { type: "string" },
                expected: { type: "string", enum: ["allowed", "denied"] },
                observed: { type: "string", enum: ["allowed", "denied", "unknown"] },
              },
            },
          },
        },
      },
      warnings: { type: "array", items: { type: "string" } },
      error: { ...stepError, properties: { ...stepError.properties, step: { type: "string" } } },
      links: {
        type: "object",
        properties: { self: { type: "string" }, kubeconfig: { type: "string" } },
      },
    },
  },
  ClusterList: {
    type: "object",
    required: ["value"],
    properties: {
      value: {
        type: "array",
        items: {
          type: "object",
          properties: { ...summaryProperties, links: { type: "object" } },
        },
      },
      nextLink: { type: "string" },
    },
  },
};

const status = (description: string, headers: Record<string, unknown> = retryAfter) => ({
  description,
  headers,
  content: json(ref("ClusterStatus")),
});

/** The callback headers of an Azure DevOps server task (AzureFunction@1 / InvokeRESTAPI@1, waitForCompletion). */
const callbackHeaders = CALLBACK_HEADERS.map((name) => ({
  name,
  in: "header",
  required: false,
  description:
    "Azure DevOps server-job callback (all eight or none): the cluster's outcome is posted to the task as TaskCompleted",
  schema: { type: "string" },
}));
/** Every cluster operation needs a bearer token (see the document's `entra` security scheme). */
const denied = {
  "401": {
    ...error("AuthenticationFailed: no bearer token, or one that is not valid for this API"),
    headers: {
      "WWW-Authenticate": { description: 'Bearer realm="aks-vending"', schema: { type: "string" } },
    },
  },
  "403": error("AuthorizationFailed: the caller's app roles or teams do not allow this"),
};

export const clusterApiPaths: Record<string, unknown> = {
  "/clusters": {
    post: {
      operationId: "createCluster",
      summary: "Request a cluster; provisioning continues asynchronously",
      parameters: [
        {
          name: "Idempotency-Key",
          in: "header",
          required: false,
          schema: { type: "string", maxLength: 255 },
        },
        ...callbackHeaders,
      ],
      requestBody: { required: true, content: json(ref("ClusterSpec")) },
      responses: {
        "200": status("The same request already succeeded, or any accepted request with callback headers"),
        "202": status("Accepted (or the same request is already running); poll the Location", {
          ...retryAfter,
          Location: { description: "The cluster's status URL", schema: { type: "string" } },
        }),
        "400": error("The request has problems (all of them are listed in details)"),
        ...denied,
        "409": error("ClusterAlreadyExists, ClusterBeingDeleted, IdempotencyKeyReused or QuotaExceeded"),
        "501": error("CallbackNotConfigured: callback headers sent to a deployment without a callback table"),
      },
    },
    get: {
      operationId: "listClusters",
      parameters: [
        { name: "phase", in: "query", schema: ref("ClusterPhase") },
        { name: "team", in: "query", schema: { type: "string" } },
        { name: "top", in: "query", schema: { type: "integer", minimum: 1, maximum: 200 } },
        { name: "skipToken", in: "query", schema: { type: "string" } },
      ],
      responses: {
        "200": { description: "A page of the caller's teams' clusters", content: json(ref("ClusterList")) },
        ...denied,
      },
    },
  },
  "/clusters/{name}": {
    parameters: [nameParam],
    get: {
      operationId: "getCluster",
      responses: {
        "200": status("Terminal status"),
        "202": status("Still in progress"),
        ...denied,
        "404": error("ClusterNotFound (also for another team's cluster)"),
      },
    },
    delete: {
      operationId: "deleteCluster",
      summary: "Delete what this system created for the cluster, in reverse order",
      responses: {
        "200": status("Already deleted"),
        "202": status("Deletion started or running"),
        "204": { description: "No such cluster (or not one of the caller's teams')" },
        ...denied,
      },
    },
  },
  "/clusters/{name}/kubeconfig": {
    parameters: [nameParam],
    get: {
      operationId: "getClusterKubeconfig",
      summary: "The cluster's user kubeconfig (never admin credentials)",
      responses: {
        "200": { description: "kubeconfig", content: { "application/yaml": { schema: { type: "string" } } } },
        ...denied,
        "404": error("ClusterNotFound (also for another team's cluster)"),
        "409": error("ClusterNotReady"),
      },
    },
  },
  "/openapi.json": {
    get: {
      operationId: "getOpenApi",
      security: [],
      responses: { "200": { description: "This document", content: json({ type: "object" }) } },
    },
  },
};
