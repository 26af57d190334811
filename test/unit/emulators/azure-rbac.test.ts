// Azure RBAC for Kubernetes authorization as the Kubernetes emulator decides it, against the real
// data actions of AKS's four built-in roles (held by the Azure emulator's role catalogue).
import assert from "node:assert/strict";
import { test } from "node:test";
import { BUILT_IN_ROLES } from "../../../emulators/azure/authorization/roles.js";
import {
  authorize,
  dataActionOf,
  forbiddenMessage,
  type AzureRbacPolicy,
  type ResourceAttributes,
  type UserInfo,
} from "../../../emulators/kube/authz.js";

const CLUSTER = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c1";
const ROLE = {
  clusterAdmin: "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b",
  admin: "3498e952-d568-435e-9b2c-8d77e338d7f7",
  writer: "a7ffa36f-339b-4b5c-8bdf-e2c188b2c0eb",
  reader: "7f6c6a51-bcf8-42ba-9220-52d62157d7db",
};
const roles = BUILT_IN_ROLES.filter((r) => Object.values(ROLE).includes(r.id));
const user = (oid: string, groups: string[] = []): UserInfo => ({
  username: oid,
  uid: oid,
  groups: [...groups, "system:authenticated"],
});
const policy = (...assignments: [string, keyof typeof ROLE, string][]): AzureRbacPolicy => ({
  clusterId: CLUSTER,
  roles,
  assignments: assignments.map(([principalId, role, scope]) => ({
    principalId,
    roleDefinitionId: `/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/${ROLE[role]}`,
    scope,
  })),
});
const ns = (name: string) => `${CLUSTER}/namespaces/${name}`;
const can = (u: UserInfo, p: AzureRbacPolicy, r: ResourceAttributes) =>
  authorize(u, { resource: r }, p).allowed;

test("the four built-in roles carry their real ids", () => {
  assert.deepEqual(roles.map((r) => r.roleName).sort(), [
    "Azure Kubernetes Service RBAC Admin",
    "Azure Kubernetes Service RBAC Cluster Admin",
    "Azure Kubernetes Service RBAC Reader",
    "Azure Kubernetes Service RBAC Writer",
  ]);
});

test("data actions: group, resource and the verb Azure names", () => {
  assert.equal(
    dataActionOf({ verb: "list", resource: "pods" }),
    "Microsoft.ContainerService/managedClusters/pods/read",
  );
  assert.equal(
    dataActionOf({ verb: "patch", group: "apps", resource: "deployments" }),
    "Microsoft.ContainerService/managedClusters/apps/deployments/write",
  );
  assert.equal(
    dataActionOf({ verb: "deletecollection", resource: "pods" }),
    "Microsoft.ContainerService/managedClusters/pods/delete",
  );
  assert.equal(
    dataActionOf({ verb: "create", resource: "pods", subresource: "exec" }),
    "Microsoft.ContainerService/managedClusters/pods/exec/action",
  );
});

test("Reader reads most objects but not Secrets, and changes nothing", () => {
  const p = policy(["r", "reader", ns("team")]);
  const u = user("r");
  assert.ok(can(u, p, { verb: "get", resource: "pods", namespace: "team" }));
  assert.ok(can(u, p, { verb: "list", group: "apps", resource: "deployments", namespace: "team" }));
  assert.ok(
    can(u, p, { verb: "watch", group: "networking.k8s.io", resource: "networkpolicies", namespace: "team" }),
  );
  assert.ok(!can(u, p, { verb: "get", resource: "secrets", namespace: "team" }));
  assert.ok(!can(u, p, { verb: "delete", resource: "pods", namespace: "team", name: "x" }));
  assert.ok(!can(u, p, { verb: "create", resource: "pods", namespace: "team" }));
  assert.ok(!can(u, p, { verb: "create", resource: "pods", subresource: "exec", namespace: "team" }));
});

test("Writer writes workloads and Secrets but not Roles or RoleBindings", () => {
  const p = policy(["w", "writer", ns("team")]);
  const u = user("w");
  assert.ok(can(u, p, { verb: "create", resource: "pods", namespace: "team" }));
  assert.ok(
    can(u, p, { verb: "delete", group: "apps", resource: "deployments", namespace: "team", name: "d" }),
  );
  assert.ok(can(u, p, { verb: "get", resource: "secrets", namespace: "team" }));
  assert.ok(can(u, p, { verb: "create", resource: "pods", subresource: "exec", namespace: "team" }));
  for (const resource of ["roles", "rolebindings"]) {
    assert.ok(
      !can(u, p, { verb: "create", group: "rbac.authorization.k8s.io", resource, namespace: "team" }),
    );
    assert.ok(!can(u, p, { verb: "get", group: "rbac.authorization.k8s.io", resource, namespace: "team" }));
  }
  assert.ok(!can(u, p, { verb: "delete", resource: "namespaces", name: "team" }));
  assert.ok(!can(u, p, { verb: "patch", resource: "resourcequotas", namespace: "team", name: "q" }));
});

test("Admin manages Roles but not namespaces or resource quotas; Cluster Admin does everything", () => {
  const p = policy(["a", "admin", ns("team")], ["ca", "clusterAdmin", CLUSTER]);
  const a = user("a");
  assert.ok(
    can(a, p, {
      verb: "create",
      group: "rbac.authorization.k8s.io",
      resource: "rolebindings",
      namespace: "team",
    }),
  );
  assert.ok(!can(a, p, { verb: "delete", resource: "namespaces", name: "team" }));
  assert.ok(!can(a, p, { verb: "update", resource: "resourcequotas", namespace: "team", name: "q" }));
  const ca = user("ca");
  assert.ok(can(ca, p, { verb: "delete", resource: "namespaces", name: "anything" }));
  assert.ok(can(ca, p, { verb: "create", group: "authorization.k8s.io", resource: "subjectaccessreviews" }));
  assert.ok(can(ca, p, { verb: "list", resource: "nodes" }));
});

test("scopes: a namespace assignment reaches that namespace only; cluster and parent scopes reach all", () => {
  const p = policy(["w", "writer", ns("team")], ["r", "reader", "/subscriptions/s/resourceGroups/rg"]);
  assert.ok(!can(user("w"), p, { verb: "list", resource: "pods", namespace: "other" }));
  assert.ok(
    !can(user("w"), p, { verb: "list", resource: "pods" }),
    "all namespaces needs a cluster-wide role",
  );
  assert.ok(!can(user("w"), p, { verb: "list", resource: "nodes" }));
  assert.ok(can(user("w"), p, { verb: "get", resource: "namespaces", name: "team" }));
  assert.ok(can(user("r"), p, { verb: "list", resource: "pods", namespace: "other" }));
  assert.ok(can(user("r"), p, { verb: "list", resource: "pods" }));
});

test("groups: an assignment to a group the token names applies; nobody else gets anything", () => {
  const p = policy(["g-team", "writer", ns("team")]);
  assert.ok(can(user("someone", ["g-team"]), p, { verb: "create", resource: "pods", namespace: "team" }));
  assert.ok(!can(user("stranger", ["g-other"]), p, { verb: "get", resource: "pods", namespace: "team" }));
});

test("open to every authenticated user: discovery and reviews of oneself; admin certificate bypasses", () => {
  const p = policy();
  const u = user("nobody");
  assert.ok(authorize(u, { nonResource: { path: "/api", verb: "get" } }, p).allowed);
  assert.ok(
    can(u, p, { verb: "create", group: "authorization.k8s.io", resource: "selfsubjectaccessreviews" }),
  );
  assert.ok(!can(u, p, { verb: "create", group: "authorization.k8s.io", resource: "subjectaccessreviews" }));
  const masters = { username: "masterclient", groups: ["system:masters", "system:authenticated"] };
  assert.ok(can(masters, p, { verb: "delete", resource: "namespaces", name: "x" }));
});

test("a refusal is worded as the API server words it, with AKS's reason", () => {
  const u = user("r");
  const r = { verb: "list", group: "", resource: "pods", namespace: "x" };
  const d = authorize(u, { resource: r }, policy());
  assert.equal(d.allowed, false);
  assert.equal(
    forbiddenMessage(u, r, d),
    'pods is forbidden: User "r" cannot list resource "pods" in API group "" in the namespace "x": User does not have access to the resource in Azure. Update role assignment to allow access.',
  );
  const named = { verb: "delete", group: "apps", resource: "deployments", namespace: "x", name: "web" };
  assert.match(
    forbiddenMessage(u, named, d),
    /^deployments\.apps "web" is forbidden: User "r" cannot delete resource "deployments" in API group "apps" in the namespace "x"/,
  );
  assert.match(
    forbiddenMessage(u, { verb: "list", resource: "nodes" }, d),
    /^nodes is forbidden: User "r" cannot list resource "nodes" in API group "" at the cluster scope/,
  );
});
