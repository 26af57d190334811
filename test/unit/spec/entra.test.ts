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

test("by default: managed Entra ID with Azure RBAC, local accounts disabled, the deployment's tenant", () => {
  const spec = ok(validateClusterSpec(base));
  assert.deepEqual(spec.aadProfile, { managed: true, enableAzureRBAC: true });
  assert.equal(spec.disableLocalAccounts, true);
  const m = model({});
  assert.deepEqual(m.aadProfile, { managed: true, enableAzureRbac: true });
  assert.equal(m.disableLocalAccounts, true);
  // The tenant: the request's, else the deployment's (AKSV_TENANT_ID), else AKS's (the subscription's).
  const deployment = "72f988bf-86f1-41af-91ab-2d7cd011db47";
  const other = "0d5e2a7c-1b3f-4c6d-8e9f-a0b1c2d3e4f5";
  assert.equal(ok(validateClusterSpec(base, { tenantId: deployment })).aadProfile?.tenantID, deployment);
  assert.equal(
    ok(validateClusterSpec({ ...base, aadProfile: { tenantID: other } }, { tenantId: deployment })).aadProfile
      ?.tenantID,
    other,
  );
  assert.deepEqual(model({ aadProfile: { tenantID: other } }).aadProfile, {
    managed: true,
    enableAzureRbac: true,
    tenantID: other,
  });
});

test("local accounts are the one opt-out: disableLocalAccounts false keeps them, Entra ID stays", () => {
  const m = model({ disableLocalAccounts: false });
  assert.equal(m.disableLocalAccounts, false);
  assert.deepEqual(m.aadProfile, { managed: true, enableAzureRbac: true });
  assert.equal(model({ aadProfile: {}, disableLocalAccounts: true }).disableLocalAccounts, true);
});

test("a stored spec from before Entra ID was the default (no aadProfile): nothing sent, as then", () => {
  const { aadProfile: _, disableLocalAccounts: __, ...legacy } = ok(validateClusterSpec(base));
  const m = managedClusterModel(legacy, { identityId: "i", subnetId: "s" }, {});
  assert.equal(m.aadProfile, undefined);
  assert.equal(m.disableLocalAccounts, undefined);
});

test("AKS's rules: no legacy integration, no Azure RBAC opt-out, tenant is a GUID", () => {
  assert.equal(validateClusterSpec({ ...base, aadProfile: { managed: false } }).ok, false);
  assert.equal(validateClusterSpec({ ...base, aadProfile: { enableAzureRBAC: false } }).ok, false);
  assert.equal(validateClusterSpec({ ...base, aadProfile: { clientAppID: "x" } }).ok, false);
  assert.equal(validateClusterSpec({ ...base, aadProfile: null }).ok, false);
  assert.equal(validateClusterSpec({ ...base, disableLocalAccounts: "yes" }).ok, false);
  assert.deepEqual(codes(validateClusterSpec({ ...base, aadProfile: { tenantID: "contoso" } })), [
    ["aadProfile.tenantID", "InvalidTenantId"],
  ]);
});
