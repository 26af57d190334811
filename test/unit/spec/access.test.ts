// The ClusterSpec's `access`: validation, how a team becomes Entra principals (groups of the team
// map, else the caller themself), the default grant, and the AKS RBAC role assignments a grant is.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Caller } from "../../../shared/auth/caller.js";
import { callerFromClaims } from "../../../shared/auth/caller.js";
import { accessAssignments, AKS_RBAC_ROLES, resolveAccess } from "../../../shared/spec/access.js";
import { validateClusterSpec, type ValidationResult } from "../../../shared/spec/index.js";

const base = { name: "c1", team: "platform" };
const G1 = "11111111-1111-4111-8111-111111111111";
const G2 = "22222222-2222-4222-8222-222222222222";
const P = "33333333-3333-4333-8333-333333333333";
const CALLER = "44444444-4444-4444-8444-444444444444";
const CLUSTER = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c1";
const codes = (r: ValidationResult) => (r.ok ? [] : r.errors.map((e) => [e.path, e.code]));
const teams = { claim: "groups", groups: { [G1]: "payments", [G2]: "payments" }, rolePrefix: "Team." };
const caller: Caller = {
  id: CALLER,
  displayName: "dev",
  roles: new Set(["Clusters.Write"]),
  teams: new Set(["platform"]),
  principalType: "User",
};

test("access entries: exactly one of team, group or principal; GUIDs; roles", () => {
  const spec = validateClusterSpec({
    ...base,
    access: [
      { team: "payments", role: "reader", namespaces: ["checkout"] },
      { group: G1, role: "admin" },
      { principal: P, principalType: "ServicePrincipal", role: "writer", namespaces: ["a", "b"] },
    ],
  });
  assert.ok(spec.ok, JSON.stringify(!spec.ok && spec.errors));
  assert.deepEqual(
    codes(validateClusterSpec({ ...base, access: [{ team: "x", group: G1, role: "reader" }] })),
    [["access[0]", "InvalidAccessSubject"]],
  );
  assert.deepEqual(codes(validateClusterSpec({ ...base, access: [{ role: "reader" }] })), [
    ["access[0]", "InvalidAccessSubject"],
  ]);
  assert.deepEqual(codes(validateClusterSpec({ ...base, access: [{ group: "devs", role: "reader" }] })), [
    ["access[0].group", "InvalidGroupId"],
  ]);
  assert.deepEqual(
    codes(validateClusterSpec({ ...base, access: [{ team: "x", principalType: "User", role: "reader" }] })),
    [["access[0].principalType", "InvalidAccessSubject"]],
  );
  assert.equal(validateClusterSpec({ ...base, access: [{ team: "x", role: "owner" }] }).ok, false);
  assert.equal(
    validateClusterSpec({ ...base, access: [{ team: "x", role: "reader", namespaces: ["Bad_NS"] }] }).ok,
    false,
  );
});

test("default: the caller's team as writer in the request's namespaces; a team without a group is the caller", () => {
  const spec = { team: "platform", namespaces: [{ name: "web" }, { name: "api" }] };
  const r = resolveAccess(spec, { caller, teams });
  assert.ok(r.ok);
  assert.deepEqual(r.grants, [
    {
      principalId: CALLER,
      principalType: "User",
      role: "writer",
      namespaces: ["web", "api"],
      subject: "team platform",
    },
  ]);
  // No namespaces: writer at the cluster.
  const none = resolveAccess({ team: "platform", namespaces: [] }, { caller, teams });
  assert.ok(none.ok);
  assert.equal(none.grants[0]!.namespaces, undefined);
});

test("a team with groups in AKSV_TEAM_MAP is every one of its groups; a foreign team without one is refused", () => {
  const r = resolveAccess(
    { team: "platform", namespaces: [], access: [{ team: "payments", role: "reader", namespaces: ["pay"] }] },
    { caller, teams },
  );
  assert.ok(r.ok);
  assert.deepEqual(
    r.grants.map((g) => [g.principalId, g.principalType]),
    [
      [G1, "Group"],
      [G2, "Group"],
    ],
  );
  const refused = resolveAccess(
    { team: "platform", namespaces: [], access: [{ team: "data", role: "reader" }] },
    { caller, teams },
  );
  assert.deepEqual(refused.ok ? [] : refused.errors.map((e) => [e.path, e.code]), [
    ["access[0].team", "TeamHasNoGroup"],
  ]);
});

test("the caller's principal type follows the token: app-only tokens are service principals", () => {
  const mapping = { claim: "groups", groups: {}, rolePrefix: "Team." };
  assert.equal(
    callerFromClaims({ oid: P, idtyp: "app", roles: [] }, mapping).principalType,
    "ServicePrincipal",
  );
  assert.equal(
    callerFromClaims({ oid: P, appid: "a", roles: [] }, mapping).principalType,
    "ServicePrincipal",
  );
  assert.equal(
    callerFromClaims({ oid: P, scp: "access_as_user", appid: "a" }, mapping).principalType,
    "User",
  );
  assert.equal(callerFromClaims({ oid: P, preferred_username: "dev@x" }, mapping).principalType, "User");
});

test("role assignments: Cluster Admin for cluster-wide admin, Admin/Writer/Reader per namespace scope, no duplicates", () => {
  const a = accessAssignments(
    [
      { principalId: G1, principalType: "Group", role: "admin", subject: "g" },
      { principalId: G1, principalType: "Group", role: "admin", namespaces: ["a"], subject: "g" },
      { principalId: P, principalType: "User", role: "writer", namespaces: ["a", "b"], subject: "p" },
      { principalId: P, principalType: "User", role: "writer", namespaces: ["a"], subject: "p" },
      { principalId: P, principalType: "User", role: "reader", subject: "p" },
    ],
    CLUSTER,
  );
  assert.deepEqual(
    a.map((x) => [x.scope.replace(CLUSTER, "<cluster>"), x.roleGuid, x.principalId, x.principalType]),
    [
      ["<cluster>", AKS_RBAC_ROLES.clusterAdmin, G1, "Group"],
      ["<cluster>/namespaces/a", AKS_RBAC_ROLES.admin, G1, "Group"],
      ["<cluster>/namespaces/a", AKS_RBAC_ROLES.writer, P, "User"],
      ["<cluster>/namespaces/b", AKS_RBAC_ROLES.writer, P, "User"],
      ["<cluster>", AKS_RBAC_ROLES.reader, P, "User"],
    ],
  );
});
