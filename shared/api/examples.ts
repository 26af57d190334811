// Examples the OpenAPI document shows for each request and answer. test/unit/api/openapi.test.ts
// checks each one against the zod schema it illustrates (the request against the full validator),
// and Redocly's lint checks them against the generated schemas.
import type { ClusterSpecInput } from "../spec/schema.js";
import { invalidSpecError, validateClusterSpec } from "../spec/validate.js";
import type { ArmErrorBody } from "../validation/problems.js";
import { PHASES, type ClusterStatusDocument } from "../provision/types.js";
import { clusterResourceEntity, type BackstageResourceEntity } from "../backstage/catalog-info.js";
import type { ClusterList, Health } from "./schemas.js";
import { planChange } from "../provision/plan.js";
import type { ClusterSpec } from "../spec/schema.js";

const SUBSCRIPTION = "6d2b4f1e-8a3c-4c57-9f0e-2b7d1c3a5e90";
const GROUP = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-team-a-dev`;

/** A small request: one namespace, a workload, a policy and the connections it must allow and deny. */
export const CLUSTER_SPEC_EXAMPLE: ClusterSpecInput = {
  name: "team-a-dev",
  team: "team-a",
  location: "westeurope",
  nodePool: { count: 2 },
  namespaces: [
    {
      name: "shop",
      defaultDeny: ["Ingress"],
      workloads: [{ name: "api", image: "nginx:1.27", ports: [{ name: "http", port: 80 }], expose: true }],
      networkPolicies: [
        {
          name: "api-from-web",
          spec: {
            podSelector: { matchLabels: { app: "api" } },
            ingress: [{ from: [{ podSelector: { matchLabels: { app: "web" } } }] }],
          },
        },
      ],
      expectations: [
        { from: { labels: { app: "web" } }, to: { service: "api", port: 80 }, allowed: true },
        { from: { labels: { app: "other" } }, to: { service: "api", port: 80 }, allowed: false },
      ],
    },
  ],
  tags: { costCenter: "cc-1234" },
};

const links = {
  self: "/api/clusters/team-a-dev",
  kubeconfig: "/api/clusters/team-a-dev/kubeconfig",
};

const STEP_NAMES = ["resourceGroup", "virtualNetwork", "identity", "roleAssignment", "cluster", "seed:shop"];

/** The answer to the POST: accepted, nothing run yet. */
export const ACCEPTED_EXAMPLE: ClusterStatusDocument = {
  name: "team-a-dev",
  resourceGroup: "rg-team-a-dev",
  subscriptionId: SUBSCRIPTION,
  team: "team-a",
  phase: "Accepted",
  requestedBy: { id: "0b7e0c6c-58b1-4d7c-a3c4-4f7a3e0d2a11", name: "dev-team-a" },
  createdAt: "2026-05-04T09:30:00.000Z",
  steps: [],
  outputs: {},
  warnings: [],
  links,
  generation: 1,
  observedGeneration: 0,
  operation: "create",
};

/** The default grant (the requesting team as writer in its namespace), as verification reviews it. */
const TEAM_A_WRITER = { subject: "team team-a", principalId: "0b7e0c6c-58b1-4d7c-a3c4-4f7a3e0d2a11" };

/** A finished, verified cluster. */
export const SUCCEEDED_EXAMPLE: ClusterStatusDocument = {
  ...ACCEPTED_EXAMPLE,
  observedGeneration: 1,
  drift: [],
  phase: "Succeeded",
  lastUpdatedAt: "2026-05-04T09:37:12.000Z",
  steps: [
    ...STEP_NAMES.map((name) => ({
      name,
      status: "Succeeded" as const,
      startedAt: "2026-05-04T09:30:01.000Z",
      finishedAt: "2026-05-04T09:36:40.000Z",
      attempts: name === "roleAssignment" ? 3 : 1,
      ...(name === "cluster" ? { polls: 12 } : name === "virtualNetwork" ? { polls: 1 } : {}),
    })),
    {
      name: "verification",
      status: "Succeeded",
      startedAt: "2026-05-04T09:36:41.000Z",
      finishedAt: "2026-05-04T09:37:12.000Z",
      attempts: 1,
    },
  ],
  outputs: {
    resourceGroupId: GROUP,
    vnetId: `${GROUP}/providers/Microsoft.Network/virtualNetworks/vnet-team-a-dev`,
    subnetId: `${GROUP}/providers/Microsoft.Network/virtualNetworks/vnet-team-a-dev/subnets/aks-nodes`,
    identityId: `${GROUP}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-team-a-dev`,
    identityPrincipalId: "3c9a1f52-7d4e-4b8a-9e61-5a2f0c7d8b34",
    clusterId: `${GROUP}/providers/Microsoft.ContainerService/managedClusters/team-a-dev`,
    fqdn: "team-a-dev-3f9c2d1a.hcp.westeurope.azmk8s.io",
    policyAssignmentId: `${GROUP}/providers/Microsoft.ContainerService/managedClusters/team-a-dev/providers/Microsoft.Authorization/policyAssignments/aksv-pod-security`,
  },
  verification: {
    passed: true,
    results: [
      { from: "shop{app=web}", to: "api.shop:80", expected: "allowed", observed: "allowed" },
      { from: "shop{app=other}", to: "api.shop:80", expected: "denied", observed: "denied" },
    ],
    access: [
      {
        ...TEAM_A_WRITER,
        action: "create pods",
        namespace: "shop",
        expected: "allowed",
        observed: "allowed",
      },
      {
        ...TEAM_A_WRITER,
        action: "create rolebindings.rbac.authorization.k8s.io",
        namespace: "shop",
        expected: "denied",
        observed: "denied",
      },
      {
        ...TEAM_A_WRITER,
        action: "create pods",
        namespace: "kube-system",
        expected: "denied",
        observed: "denied",
      },
    ],
  },
};

/** A cluster whose create ARM refused (and rolled back). */
export const FAILED_EXAMPLE: ClusterStatusDocument = {
  ...ACCEPTED_EXAMPLE,
  phase: "Failed",
  lastUpdatedAt: "2026-05-04T09:31:30.000Z",
  steps: [
    {
      name: "cluster",
      status: "Failed",
      startedAt: "2026-05-04T09:30:20.000Z",
      finishedAt: "2026-05-04T09:31:20.000Z",
      attempts: 1,
      error: {
        code: "QuotaExceeded",
        message:
          "Operation could not be completed as it results in exceeding approved standardDSv5Family Cores quota",
        statusCode: 400,
      },
    },
  ],
  error: {
    code: "QuotaExceeded",
    message:
      "Operation could not be completed as it results in exceeding approved standardDSv5Family Cores quota",
    statusCode: 400,
    step: "cluster",
  },
};

/**
 * A DELETE under way: the deletion's own steps, warnings and error; how the provisioning had ended
 * is under `provisioning`.
 */
export const DELETING_EXAMPLE: ClusterStatusDocument = {
  ...ACCEPTED_EXAMPLE,
  phase: "Deleting",
  lastUpdatedAt: "2026-05-04T10:02:00.000Z",
  steps: [
    {
      name: "delete:cluster",
      status: "Running",
      startedAt: "2026-05-04T10:02:01.000Z",
      attempts: 1,
      polls: 4,
    },
    ...["delete:roleAssignment", "delete:identity", "delete:virtualNetwork", "delete:resourceGroup"].map(
      (name) => ({ name, status: "Pending" as const, attempts: 0 }),
    ),
  ],
  outputs: SUCCEEDED_EXAMPLE.outputs,
  provisioning: { phase: "Succeeded", warnings: [] },
  observedGeneration: 1,
  operation: "delete",
};

/** An update under way (PUT or PATCH accepted): generation 2, the cluster still at 1. */
export const UPDATING_EXAMPLE: ClusterStatusDocument = {
  ...SUCCEEDED_EXAMPLE,
  phase: "Provisioning",
  lastUpdatedAt: "2026-05-05T08:00:05.000Z",
  steps: [{ name: "nodePool:system", status: "Running", startedAt: "2026-05-05T08:00:01.000Z", attempts: 1 }],
  generation: 2,
  observedGeneration: 1,
  operation: "update",
  drift: [
    {
      path: "nodePool.count",
      expected: 2,
      actual: 1,
      detectedAt: "2026-05-05T07:00:00.000Z",
    },
  ],
};

function validSpec(doc: ClusterSpecInput): ClusterSpec {
  const result = validateClusterSpec(doc);
  if (!result.ok) throw new Error(`an example is not valid: ${JSON.stringify(result.errors)}`);
  return result.spec;
}

/** The update a PUT asks for: 3 nodes, a newer Kubernetes, the policy gone (computed, so it cannot go stale). */
export const UPDATE_SPEC_EXAMPLE: ClusterSpecInput = {
  ...CLUSTER_SPEC_EXAMPLE,
  kubernetesVersion: "1.34",
  nodePool: { count: 3 },
  namespaces: CLUSTER_SPEC_EXAMPLE.namespaces!.map((ns) => ({
    ...ns,
    defaultDeny: [],
    networkPolicies: [],
    expectations: [],
  })),
};

export const PLAN_EXAMPLE = {
  plan: planChange({
    target: { subscriptionId: SUBSCRIPTION, resourceGroup: "rg-team-a-dev", name: "team-a-dev" },
    before: validSpec({ ...CLUSTER_SPEC_EXAMPLE, kubernetesVersion: "1.33" }),
    after: validSpec(UPDATE_SPEC_EXAMPLE),
  }),
};

/** A merge patch (RFC 7396): what it names changes, null removes, the rest stays. */
export const MERGE_PATCH_EXAMPLE = { nodePool: { count: 3 }, tags: { env: "dev" } };

export const LIST_EXAMPLE: ClusterList = {
  value: [
    SUCCEEDED_EXAMPLE,
    {
      ...ACCEPTED_EXAMPLE,
      name: "team-a-test",
      links: { self: "/api/clusters/team-a-test", kubeconfig: "/api/clusters/team-a-test/kubeconfig" },
    },
  ].map(({ name, resourceGroup, subscriptionId, team, phase, createdAt, lastUpdatedAt, links }) => ({
    name,
    resourceGroup,
    subscriptionId,
    team,
    phase,
    ...(createdAt ? { createdAt } : {}),
    ...(lastUpdatedAt ? { lastUpdatedAt } : {}),
    links,
  })),
  nextLink: "/api/clusters?top=2&skipToken=Mg",
};

/** A user kubeconfig as AKS returns it for an Entra ID cluster: no credential, kubelogin signs in. */
export const KUBECONFIG_EXAMPLE = `apiVersion: v1
kind: Config
clusters:
  - name: team-a-dev
    cluster:
      server: https://team-a-dev-3f9c2d1a.hcp.westeurope.azmk8s.io:443
      certificate-authority-data: LS0tLS1CRUdJTi…
contexts:
  - name: team-a-dev
    context: { cluster: team-a-dev, user: clusterUser_rg-team-a-dev_team-a-dev }
current-context: team-a-dev
users:
  - name: clusterUser_rg-team-a-dev_team-a-dev
    user:
      exec:
        apiVersion: client.authentication.k8s.io/v1
        command: kubelogin
        args: [get-token, --login, azurecli, --server-id, 6dae42f8-4368-4678-94ff-3960e28e3630]
        interactiveMode: IfAvailable
        provideClusterInfo: false
`;

/** A cluster (Entra ID, as every cluster) whose API a second team may read in one namespace. */
export const ENTRA_SPEC_EXAMPLE: ClusterSpecInput = {
  name: "team-a-prod",
  team: "team-a",
  location: "westeurope",
  access: [
    { team: "team-a", role: "writer", namespaces: ["web"] },
    { group: "5b0c7f8e-3c1a-4d2b-9e6f-1a2b3c4d5e6f", role: "reader", namespaces: ["web"] },
  ],
  namespaces: [{ name: "web" }],
};

/** The succeeded cluster as the Backstage entity GET /clusters/{name}/catalog-info answers. */
export const CATALOG_INFO_EXAMPLE: BackstageResourceEntity = clusterResourceEntity(SUCCEEDED_EXAMPLE, {
  origin: "https://aks-vending.azurewebsites.net",
});

export const HEALTH_EXAMPLE: Health = { status: "ok", version: "0.1.0" };

const error = (
  code: string,
  message: string,
  details: ArmErrorBody["error"]["details"] = [],
): ArmErrorBody => ({
  error: { code, message, details },
});

function validationErrors(doc: unknown): ArmErrorBody["error"]["details"] {
  const result = validateClusterSpec(doc);
  return result.ok ? [] : result.errors;
}

/** One example per error code the API answers with, by HTTP status. */
export const ERROR_EXAMPLES = {
  // The validator's own answer to a broken request, so the example cannot go stale.
  InvalidClusterSpec: invalidSpecError(
    validationErrors({ name: "-x", team: "team-a", network: { dnsServiceIp: "10.1.0.10" } }),
  ),
  // GET /clusters?phase=Bogus (application/list-query.ts; the test holds the two equal).
  InvalidQuery: error("InvalidQueryParameter", `phase must be one of ${PHASES.join(", ")} (got "Bogus")`, [
    {
      path: "phase",
      code: "UnknownPhase",
      message: `phase must be one of ${PHASES.join(", ")} (got "Bogus")`,
    },
  ]),
  // GET /clusters/{name}/kubeconfig?plugin=kubectl (application/cluster-api.ts).
  InvalidPlugin: error(
    "InvalidQueryParameter",
    "plugin must be one of kubelogin, aks-vending (default kubelogin)",
  ),
  AuthenticationFailed: error("AuthenticationFailed", "this API needs an Authorization: Bearer token"),
  AuthorizationFailed: error(
    "AuthorizationFailed",
    "dev-team-b may not create clusters for team team-a; your teams: team-b",
    [{ path: "team", code: "TeamNotAllowed", message: "not one of the caller's teams" }],
  ),
  ClusterNotFound: error("ClusterNotFound", "cluster team-a-dev was not found"),
  ClusterAlreadyExists: error(
    "ClusterAlreadyExists",
    "cluster team-a-dev already exists with a different specification; change it with PUT or PATCH /api/clusters/team-a-dev",
  ),
  FieldImmutable: error("FieldImmutable", "cluster team-a-dev cannot change network.serviceCidr in place", [
    {
      path: "network.serviceCidr",
      code: "FieldImmutable",
      message:
        'network.serviceCidr cannot change ("10.0.0.0/16" → "10.1.0.0/16"): AKS cannot change the network profile; delete the cluster and create it again to change it',
    },
  ]),
  OperationInProgress: error(
    "OperationInProgress",
    "cluster team-a-dev is running its update (generation 2); changes are refused, not queued: send yours again once it is over",
  ),
  VersionDowngradeNotAllowed: error(
    "VersionDowngradeNotAllowed",
    "kubernetesVersion cannot go back from 1.33 to 1.32: AKS upgrades only forward",
    [
      {
        path: "kubernetesVersion",
        code: "VersionDowngradeNotAllowed",
        message: "kubernetesVersion cannot go back from 1.33 to 1.32: AKS upgrades only forward",
      },
    ],
  ),
  KubernetesVersionNotSupported: error(
    "KubernetesVersionNotSupported",
    "the region does not offer Kubernetes 1.35; it offers 1.31, 1.31.11, 1.32, 1.32.7, 1.33, 1.33.3, 1.34, 1.34.0",
    [
      {
        path: "kubernetesVersion",
        code: "KubernetesVersionNotSupported",
        message:
          "the region does not offer Kubernetes 1.35; it offers 1.31, 1.31.11, 1.32, 1.32.7, 1.33, 1.33.3, 1.34, 1.34.0",
      },
    ],
  ),
  PreconditionFailed: error(
    "PreconditionFailed",
    'If-Match "1" does not match: the cluster is at generation 2 (ETag "2"); read it again and decide again',
  ),
  UnsupportedMediaType: error(
    "UnsupportedMediaType",
    "PATCH takes a JSON merge patch (Content-Type: application/merge-patch+json, RFC 7396); send a whole ClusterSpec with PUT",
  ),
  QuotaExceeded: error(
    "QuotaExceeded",
    "team team-a has 3 of 3 clusters (AKSV_TEAM_QUOTA); delete one of: team-a-dev, team-a-test, team-a-load or ask the platform team to raise the quota",
  ),
  ClusterNotReady: error(
    "ClusterNotReady",
    "cluster team-a-dev is Provisioning; its kubeconfig is available once it has Succeeded",
  ),
  InternalServerError: error(
    "InternalServerError",
    "the request could not be completed; correlation id 1f0c8a52-3b7e-4d2a-9c61-7e5d4b3a2f10",
  ),
  CallbackNotConfigured: error(
    "CallbackNotConfigured",
    "this deployment does not accept Azure DevOps callbacks (AKSV_CALLBACK_TABLE_URL is not set); call without the callback headers, or use the CLI with --wait",
  ),
  AuthenticationNotConfigured: error(
    "AuthenticationNotConfigured",
    "this deployment has no token issuer configured; ask the platform team",
  ),
  AuthenticationUnavailable: error(
    "AuthenticationUnavailable",
    "the token issuer cannot be reached; try again shortly",
  ),
} satisfies Record<string, ArmErrorBody>;
