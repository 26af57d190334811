// The ClusterSpec's Entra ID settings: defaults, AKS's rule for disableLocalAccounts, and the ARM
// model they become.
import assert from "node:assert/strict";
import { test } from "node:test";
import { managedClusterModel } from "../../../shared/azure/models.js";
import { validateClusterSpec, type ValidationResult } from "../../../shared/spec/index.js";

const base = { name: "c1", team: "platform" };
const ok = (r: ValidationResult) => {
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  return r.spec;
};
const codes = (r: ValidationResult) => (r.ok ? [] : r.errors.map((e) => [e.path, e.code]));
const model = (doc: Record<string, unknown>) =>
  managedClusterModel(ok(validateClusterSpec({ ...base, ...doc })), { identityId: "i", subnetId: "s" }, {});

test("aadProfile: managed Entra ID with Azure RBAC, local accounts disabled by default", () => {
  const spec = ok(validateClusterSpec({ ...base, aadProfile: {} }));
  assert.deepEqual(spec.aadProfile, { managed: true, enableAzureRBAC: true });
  assert.equal(spec.disableLocalAccounts, true);
  const m = model({ aadProfile: { tenantID: "72f988bf-86f1-41af-91ab-2d7cd011db47" } });
  assert.deepEqual(m.aadProfile, {
    managed: true,
    enableAzureRbac: true,
    tenantID: "72f988bf-86f1-41af-91ab-2d7cd011db47",
  });
  assert.equal(m.disableLocalAccounts, true);
  assert.equal(model({ aadProfile: {}, disableLocalAccounts: false }).disableLocalAccounts, false);
});

test("no aadProfile: nothing sent, local accounts as AKS defaults them", () => {
  const m = model({});
  assert.equal(m.aadProfile, undefined);
  assert.equal(m.disableLocalAccounts, undefined);
});

test("AKS's rules: local accounts only disabled with Entra ID; no legacy integration; tenant is a GUID", () => {
  assert.deepEqual(codes(validateClusterSpec({ ...base, disableLocalAccounts: true })), [
    ["disableLocalAccounts", "LocalAccountsRequireEntraId"],
  ]);
  assert.equal(validateClusterSpec({ ...base, aadProfile: { managed: false } }).ok, false);
  assert.equal(validateClusterSpec({ ...base, aadProfile: { enableAzureRBAC: false } }).ok, false);
  assert.equal(validateClusterSpec({ ...base, aadProfile: { clientAppID: "x" } }).ok, false);
  assert.deepEqual(codes(validateClusterSpec({ ...base, aadProfile: { tenantID: "contoso" } })), [
    ["aadProfile.tenantID", "InvalidTenantId"],
  ]);
});
