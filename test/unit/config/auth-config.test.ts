// The auth, team and quota settings: parsed strictly, failing with the setting's name.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadConfig, teamQuota } from "../../../shared/config/index.js";
import { validateClusterSpec } from "../../../shared/spec/validate.js";

const ISSUER = "https://login.microsoftonline.com/tenant/v2.0";

describe("auth configuration", () => {
  it("is absent (the API fails closed) without both issuer and audience", () => {
    assert.equal(loadConfig({}).auth, undefined);
    assert.equal(loadConfig({ AKSV_AUTH_ISSUER: ISSUER }).auth, undefined);
    assert.equal(loadConfig({ AKSV_AUTH_AUDIENCE: "api://x" }).auth, undefined);
    assert.equal(loadConfig({ AKSV_AUTH_ISSUER: " ", AKSV_AUTH_AUDIENCE: " , " }).auth, undefined);
  });

  it("reads issuer, a comma-separated audience list and the defaults", () => {
    const auth = loadConfig({
      AKSV_AUTH_ISSUER: `${ISSUER}/`,
      AKSV_AUTH_AUDIENCE: "api://x, 1234-abcd",
    }).auth;
    assert.deepEqual(auth, {
      issuer: ISSUER,
      audiences: ["api://x", "1234-abcd"],
      metadataUrl: `${ISSUER}/.well-known/openid-configuration`,
      clockSkewSeconds: 60,
      teams: { claim: "groups", groups: {}, rolePrefix: "Team." },
    });
  });

  it("takes the metadata URL, clock skew, team claim, map and role prefix from their settings", () => {
    const auth = loadConfig({
      AKSV_AUTH_ISSUER: ISSUER,
      AKSV_AUTH_AUDIENCE: "api://x",
      AKSV_AUTH_METADATA_URL: "https://example.test/meta",
      AKSV_AUTH_CLOCK_SKEW_SECONDS: "5",
      AKSV_TEAM_CLAIM: "wids",
      AKSV_TEAM_MAP: '{"0b1c-group": "platform", "9f00": "data"}',
      AKSV_TEAM_ROLE_PREFIX: "Squad.",
    }).auth;
    assert.equal(auth?.metadataUrl, "https://example.test/meta");
    assert.equal(auth?.clockSkewSeconds, 5);
    assert.deepEqual(auth?.teams, {
      claim: "wids",
      groups: { "0b1c-group": "platform", "9f00": "data" },
      rolePrefix: "Squad.",
    });
  });

  it("refuses an AKSV_TEAM_MAP that is not JSON, not an object, or maps to something else than a team", () => {
    const base = { AKSV_AUTH_ISSUER: ISSUER, AKSV_AUTH_AUDIENCE: "api://x" };
    assert.throws(
      () => loadConfig({ ...base, AKSV_TEAM_MAP: "{platform" }),
      /AKSV_TEAM_MAP is not valid JSON/,
    );
    assert.throws(
      () => loadConfig({ ...base, AKSV_TEAM_MAP: '["a"]' }),
      /AKSV_TEAM_MAP must be a JSON object/,
    );
    assert.throws(
      () => loadConfig({ ...base, AKSV_TEAM_MAP: '{"g": 3}' }),
      /AKSV_TEAM_MAP: "g" must map to a team/,
    );
    assert.throws(() => loadConfig({ ...base, AKSV_TEAM_MAP: '{"g": ""}' }), /AKSV_TEAM_MAP/);
  });

  it("refuses a clock skew that is not a number", () => {
    assert.throws(
      () =>
        loadConfig({ AKSV_AUTH_ISSUER: ISSUER, AKSV_AUTH_AUDIENCE: "a", AKSV_AUTH_CLOCK_SKEW_SECONDS: "x" }),
      /AKSV_AUTH_CLOCK_SKEW_SECONDS/,
    );
  });
});

describe("team quota configuration", () => {
  it("defaults to 10 clusters per team", () => {
    const { quota } = loadConfig({});
    assert.deepEqual(quota, { default: 10, perTeam: {} });
    assert.equal(teamQuota(quota, "platform"), 10);
  });

  it("applies AKSV_TEAM_QUOTA to every team and AKSV_TEAM_QUOTAS overrides per team", () => {
    const { quota } = loadConfig({ AKSV_TEAM_QUOTA: "2", AKSV_TEAM_QUOTAS: '{"data": 5, "frozen": 0}' });
    assert.equal(teamQuota(quota, "platform"), 2);
    assert.equal(teamQuota(quota, "data"), 5);
    assert.equal(teamQuota(quota, "frozen"), 0);
  });

  it("refuses quotas that are not whole non-negative numbers, naming the setting", () => {
    assert.throws(() => loadConfig({ AKSV_TEAM_QUOTA: "-1" }), /AKSV_TEAM_QUOTA/);
    assert.throws(() => loadConfig({ AKSV_TEAM_QUOTA: "1.5" }), /AKSV_TEAM_QUOTA must be a whole number/);
    assert.throws(() => loadConfig({ AKSV_TEAM_QUOTAS: "nope" }), /AKSV_TEAM_QUOTAS is not valid JSON/);
    assert.throws(() => loadConfig({ AKSV_TEAM_QUOTAS: '{"data": "5"}' }), /AKSV_TEAM_QUOTAS: "data"/);
    assert.throws(() => loadConfig({ AKSV_TEAM_QUOTAS: '{"data": 1.5}' }), /AKSV_TEAM_QUOTAS/);
  });
});

describe("target resource group", () => {
  const doc = { name: "c1", team: "platform", nodePool: { count: 1 } };

  it("puts every cluster into it, and refuses a request naming another one (400 naming the field)", () => {
    const options = { resourceGroup: "rg-clusters" };
    const defaulted = validateClusterSpec(doc, options);
    assert.ok(defaulted.ok);
    assert.equal(defaulted.spec.resourceGroup, "rg-clusters");
    const same = validateClusterSpec({ ...doc, resourceGroup: "RG-Clusters" }, options);
    assert.ok(same.ok, "ARM compares resource group names case-insensitively");
    const other = validateClusterSpec({ ...doc, resourceGroup: "rg-mine" }, options);
    assert.ok(!other.ok);
    assert.deepEqual(
      other.errors.map((e) => [e.path, e.code]),
      [["resourceGroup", "ResourceGroupNotAllowed"]],
    );
    assert.match(
      other.errors[0]!.message,
      /only in resource group "rg-clusters" \(AKSV_TARGET_RESOURCE_GROUP\)/,
    );
    const free = validateClusterSpec({ ...doc, resourceGroup: "rg-mine" });
    assert.ok(free.ok && free.spec.resourceGroup === "rg-mine", "unset: the request decides");
  });

  it("is unset by default and read from AKSV_TARGET_RESOURCE_GROUP", () => {
    assert.equal(loadConfig({}).targetResourceGroup, undefined);
    assert.equal(
      loadConfig({ AKSV_TARGET_RESOURCE_GROUP: "rg-clusters" }).targetResourceGroup,
      "rg-clusters",
    );
  });
});

describe("the clusters' Entra tenant (aadProfile.tenantID of a request that names none)", () => {
  const T = "72f988bf-86f1-41af-91ab-2d7cd011db47";
  it("is AKSV_TENANT_ID, else the tenant in AKSV_AUTH_ISSUER's path, else absent (AKS takes the subscription's)", () => {
    assert.equal(loadConfig({ AKSV_TENANT_ID: T }).tenantId, T);
    assert.equal(
      loadConfig({ AKSV_AUTH_ISSUER: `https://login.microsoftonline.com/${T}/v2.0` }).tenantId,
      T,
      "Entra ID's issuer names the tenant",
    );
    assert.equal(
      loadConfig({
        AKSV_TENANT_ID: T,
        AKSV_AUTH_ISSUER: "https://127.0.0.1:7443/0d5e2a7c-1b3f-4c6d-8e9f-a0b1c2d3e4f5/v2.0",
      }).tenantId,
      T,
      "the explicit setting wins",
    );
    assert.equal(
      loadConfig({ AKSV_AUTH_ISSUER: "https://login.microsoftonline.com/common/v2.0" }).tenantId,
      undefined,
    );
    assert.equal(loadConfig({}).tenantId, undefined);
  });

  it("refuses an AKSV_TENANT_ID that is not a GUID, naming the setting", () => {
    assert.throws(
      () => loadConfig({ AKSV_TENANT_ID: "contoso.onmicrosoft.com" }),
      /AKSV_TENANT_ID must be a tenant id/,
    );
  });
});
