import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RestError } from "@azure/core-rest-pipeline";
import { retryAfterSeconds } from "../../../shared/azure/retry-after.js";
import {
  classify,
  classifyArmError,
  isBusy,
  scrub,
  stepErrorFromTaskFailure,
  TransientError,
} from "../../../shared/azure/errors.js";
import { managedClusterModel, ownedTags, isOwnedBy, TAGS } from "../../../shared/azure/models.js";
import {
  dnsPrefix,
  provisionInstanceId,
  roleAssignmentName,
  ROLE_DEFINITIONS,
  uuidV5,
} from "../../../shared/azure/names.js";
import { loadConfig } from "../../../shared/config/index.js";
import { SUBSCRIPTION, spec } from "./fixtures.js";

describe("deterministic names", () => {
  it("produces RFC 4122 version-5 UUIDs (known vector)", () => {
    assert.equal(
      uuidV5("python.org", "6ba7b810-9dad-11d1-80b4-00c04fd430c8"),
      "886313e1-3b8a-5372-9b90-0c9aee199e5d",
    );
  });

  it("names a role assignment by (scope, principal, role), case-insensitively", () => {
    const scope = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s`;
    const a = roleAssignmentName(scope, "P-1", ROLE_DEFINITIONS.networkContributor);
    assert.equal(a, roleAssignmentName(scope.toUpperCase(), "p-1", ROLE_DEFINITIONS.networkContributor));
    assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.notEqual(a, roleAssignmentName(scope, "p-2", ROLE_DEFINITIONS.networkContributor));
    assert.notEqual(a, roleAssignmentName(`${scope}x`, "p-1", ROLE_DEFINITIONS.networkContributor));
    assert.notEqual(a, roleAssignmentName(scope, "p-1", "b24988ac-6180-42a0-ab88-20f7382dd24c"));
  });

  it("derives one instance id per (subscription, resource group, name), readable and case-insensitive", () => {
    const t = { subscriptionId: SUBSCRIPTION, resourceGroup: "akstips", name: "Tips" };
    const id = provisionInstanceId(t);
    assert.equal(id, provisionInstanceId({ ...t, resourceGroup: "AKSTIPS", name: "tips" }));
    assert.match(id, /^aksv-tips-[0-9a-f]{16}$/);
    assert.notEqual(id, provisionInstanceId({ ...t, resourceGroup: "other" }));
    assert.notEqual(
      id,
      provisionInstanceId({ ...t, subscriptionId: "00000000-0000-0000-0000-000000000002" }),
    );
  });

  it("makes a DNS prefix AKS accepts from any cluster name", () => {
    assert.equal(dnsPrefix("tipsAndTricksAKSCluster"), "tipsAndTricksAKSCluster");
    assert.equal(dnsPrefix("my_cluster_"), "my-cluster");
    assert.equal(dnsPrefix("a".repeat(63)).length, 54);
  });
});

describe("ARM error classification", () => {
  const rest = (statusCode: number, code?: string, message = "m") =>
    new RestError(message, { statusCode, ...(code ? { code } : {}) });
  const cases: [string, unknown, "transient" | "permanent", string][] = [
    ["429 throttling", rest(429, "TooManyRequests"), "transient", "TooManyRequests"],
    ["503 without a code", rest(503), "transient", "Http503"],
    ["500", rest(500, "InternalServerError"), "transient", "InternalServerError"],
    ["connection reset", new RestError("socket hang up", { code: "ECONNRESET" }), "transient", "ECONNRESET"],
    ["PrincipalNotFound (400)", rest(400, "PrincipalNotFound"), "transient", "PrincipalNotFound"],
    [
      "AKS busy",
      rest(409, "OperationNotAllowed", "Another operation (Updating) is in progress"),
      "transient",
      "OperationNotAllowed",
    ],
    [
      "quota as OperationNotAllowed",
      rest(409, "OperationNotAllowed", "exceeding approved quota"),
      "permanent",
      "OperationNotAllowed",
    ],
    ["QuotaExceeded", rest(400, "QuotaExceeded"), "permanent", "QuotaExceeded"],
    [
      "LinkedAuthorizationFailed",
      rest(403, "LinkedAuthorizationFailed"),
      "permanent",
      "LinkedAuthorizationFailed",
    ],
    ["AuthorizationFailed", rest(403, "AuthorizationFailed"), "permanent", "AuthorizationFailed"],
    ["validation", rest(400, "InvalidParameter"), "permanent", "InvalidParameter"],
    [
      "AKS network validation",
      rest(400, "ServiceCidrOverlapExistingSubnetsCidr"),
      "permanent",
      "ServiceCidrOverlapExistingSubnetsCidr",
    ],
    ["unknown 404", rest(404, "ResourceNotFound"), "permanent", "ResourceNotFound"],
    [
      "failed long-running operation (core-lro message)",
      new Error("The long-running operation has failed. QuotaExceeded. Cores quota exceeded in eastus"),
      "permanent",
      "QuotaExceeded",
    ],
  ];
  for (const [name, error, kind, code] of cases)
    it(`${name} → ${kind} with code ${code}`, () => {
      const c = classifyArmError(error);
      assert.equal(c.kind, kind);
      assert.equal(c.code, code);
    });

  it("keeps ARM's code through a failed activity's message", () => {
    const thrown = new TransientError({ code: "PrincipalNotFound", message: "Principal abc does not exist" });
    const wrapped = new Error(
      `Activity function 'assignSubnetRole' failed: ${thrown.message} \n {"$type":"Error"}`,
    );
    assert.deepEqual(stepErrorFromTaskFailure(wrapped), {
      code: "PrincipalNotFound",
      message: "Principal abc does not exist",
    });
  });

  it("a failed task's code classifies by the HTTP status it names (Http503 lost its statusCode on the way)", () => {
    const read = (code: string) =>
      classify(stepErrorFromTaskFailure(new Error(`Activity function 'x' failed: ${code}: no body`)));
    assert.equal(read("Http503"), "transient");
    assert.equal(read("Http429"), "transient");
    assert.equal(read("Http404"), "permanent");
  });

  it("busy means OperationNotAllowed for another operation, not for quota", () => {
    assert.equal(isBusy({ code: "OperationNotAllowed", message: "another operation is in progress" }), true);
    assert.equal(isBusy({ code: "OperationNotAllowed", message: "exceeding approved quota" }), false);
    // AKS's refusal of an upgrade off its paths: the same code, a 400, never worth waiting for.
    const refusal =
      "Upgrading Kubernetes version 1.32.7 to 1.34.0 is not allowed. Available upgrades: [1.33.3]";
    assert.equal(isBusy({ code: "OperationNotAllowed", message: refusal, statusCode: 400 }), false);
    assert.equal(
      isBusy({ code: "OperationNotAllowed", message: refusal }),
      false,
      "read back without its status",
    );
    assert.equal(isBusy({ code: "OperationNotAllowed", message: "in progress", statusCode: 409 }), true);
    assert.equal(isBusy({ code: "InternalServerError", message: "retry" }), false);
  });

  it("scrubs bearer tokens, JWTs and kubeconfig secrets from messages", () => {
    const text = scrub(
      'failed with Authorization: Bearer abc.def-ghi token: s3cr3t client-key-data: QUJD {"password":"pw"} eyJhbGciOi.eyJzdWIi.sig',
    );
    assert.doesNotMatch(text, /abc\.def|s3cr3t|QUJD|"pw"|eyJhbGciOi/);
  });

  it("reads Retry-After as seconds or as an HTTP date", () => {
    assert.equal(retryAfterSeconds("7"), 7);
    assert.equal(retryAfterSeconds(undefined), undefined);
    const now = Date.parse("2026-01-01T00:00:00Z");
    assert.equal(retryAfterSeconds("Thu, 01 Jan 2026 00:00:30 GMT", now), 30);
  });
});

describe("ARM models", () => {
  it("builds the managed cluster with the user-assigned identity, our subnet and the policy engine, without dockerBridgeCidr", () => {
    const s = spec();
    const mc = managedClusterModel(
      s,
      { identityId: "/id", subnetId: "/subnet" },
      ownedTags(s, { instanceId: "aksv-x" }),
    );
    assert.deepEqual(mc.identity, { type: "UserAssigned", userAssignedIdentities: { "/id": {} } });
    assert.equal(mc.agentPoolProfiles?.[0]?.vnetSubnetID, "/subnet");
    assert.equal(mc.networkProfile?.networkPolicy, "cilium");
    assert.equal(mc.networkProfile?.networkDataplane, "cilium");
    assert.equal(mc.networkProfile?.networkPluginMode, "overlay");
    assert.equal(mc.networkProfile?.serviceCidr, "10.0.0.0/16");
    assert.equal(mc.networkProfile?.dnsServiceIP, "10.0.0.10");
    assert.ok(!JSON.stringify(mc).includes("dockerBridge"));
    assert.equal(mc.tags?.[TAGS.instance], "aksv-x");
    assert.equal(mc.tags?.["costCenter"], "1234");
  });

  it("recognises only resources tagged for the same instance as ours (resources tagged before unique ids)", () => {
    const tags = ownedTags(spec(), { instanceId: "aksv-a" });
    assert.equal(isOwnedBy(tags, { instanceId: "aksv-a" }), true);
    assert.equal(isOwnedBy(tags, { instanceId: "aksv-b" }), false);
    assert.equal(isOwnedBy(undefined, { instanceId: "aksv-a" }), false);
  });

  it("owns by the cluster's unique id: another life of the same name and instance is not the owner", () => {
    const tags = ownedTags(spec(), { instanceId: "aksv-a", clusterUid: "uid-1" });
    assert.equal(tags[TAGS.clusterUid], "uid-1");
    assert.equal(isOwnedBy(tags, { instanceId: "aksv-a", clusterUid: "uid-1" }), true);
    assert.equal(isOwnedBy(tags, { instanceId: "aksv-a", clusterUid: "uid-2" }), false);
    assert.equal(isOwnedBy(tags, { instanceId: "aksv-a" }), false);
  });
});

describe("configuration", () => {
  it("defaults to public-cloud ARM with a managed identity", () => {
    const c = loadConfig({});
    assert.equal(c.arm.endpoint, "https://management.azure.com");
    assert.equal(c.arm.credential, "managedIdentity");
    assert.equal(c.timing.pollIntervalSeconds, 15);
  });

  it("points at the emulator and scales every wait with AKSV_TIME_SCALE", () => {
    const c = loadConfig({ AKSV_ARM_ENDPOINT: "https://127.0.0.1:7443/", AKSV_TIME_SCALE: "0.01" });
    assert.equal(c.arm.endpoint, "https://127.0.0.1:7443");
    assert.equal(c.timing.pollIntervalSeconds, 0.15);
    assert.equal(c.timing.principalRetry.firstRetryMs, 50);
  });

  it("rejects nonsense values", () => {
    assert.throws(() => loadConfig({ AKSV_POLL_INTERVAL_SECONDS: "soon" }), /AKSV_POLL_INTERVAL_SECONDS/);
    assert.throws(() => loadConfig({ AKSV_CREDENTIAL: "password" }), /AKSV_CREDENTIAL/);
  });
});
