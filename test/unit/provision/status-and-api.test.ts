import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Validator } from "@seriousme/openapi-schema-validator";
import { apiDocument } from "../../../functions/openapi.js";
import { loadConfig } from "../../../shared/config/index.js";
import {
  namespaceManifest,
  policyManifests,
  probePodManifest,
  serviceManifest,
} from "../../../shared/kube/manifests.js";
import { planProbes } from "../../../shared/provision/probes.js";
import { buildStatusDocument, retryAfterFor } from "../../../shared/provision/status.js";
import { StepTracker } from "../../../shared/provision/steps.js";
import { provisionInput, spec } from "./fixtures.js";

const input = provisionInput();
const at = new Date("2026-01-01T00:01:00Z");

function running(custom: unknown) {
  return {
    runtimeStatus: "Running",
    input,
    output: null,
    customStatus: custom,
    createdTime: "2026-01-01T00:00:00Z",
  };
}

describe("status document", () => {
  it("shows the phase and steps of a running provisioning from its custom status", () => {
    const t = new StepTracker(["resourceGroup", "cluster"], "Provisioning");
    t.start("resourceGroup", at).succeed("resourceGroup", at).start("cluster", at);
    t.poll("cluster").poll("cluster").poll("cluster").retried("cluster");
    const doc = buildStatusDocument(running(t.snapshot()));
    assert.equal(doc.name, "tipsAndTricksAKSCluster");
    assert.equal(doc.phase, "Provisioning");
    // Polls are counted apart from attempts: three polls and one resubmit are 2 attempts.
    assert.deepEqual(
      doc.steps.map((s) => [s.name, s.status, s.attempts, s.polls]),
      [
        ["resourceGroup", "Succeeded", 1, undefined],
        ["cluster", "Running", 2, 3],
      ],
    );
    assert.equal(doc.links.self, "/api/clusters/tipsAndTricksAKSCluster");
    assert.equal(retryAfterFor(doc.phase), 10);
  });

  it("reports Accepted before the orchestration has run", () => {
    const doc = buildStatusDocument({ runtimeStatus: "Pending", input, output: null, customStatus: null });
    assert.equal(doc.phase, "Accepted");
    assert.deepEqual(doc.steps, []);
  });

  it("takes outputs, verification and error from a completed run", () => {
    const doc = buildStatusDocument({
      runtimeStatus: "Completed",
      input,
      customStatus: { phase: "Failed", steps: [], outputs: { resourceGroupId: "/rg" }, warnings: ["w"] },
      output: {
        phase: "Failed",
        outputs: { resourceGroupId: "/rg", vnetId: "/vnet" },
        error: { code: "QuotaExceeded", message: "cores", step: "cluster" },
      },
    });
    assert.equal(doc.phase, "Failed");
    assert.deepEqual(doc.error, { code: "QuotaExceeded", message: "cores", step: "cluster" });
    assert.deepEqual(doc.outputs, { resourceGroupId: "/rg", vnetId: "/vnet" });
    assert.deepEqual(doc.warnings, ["w"]);
    assert.equal(retryAfterFor(doc.phase), undefined);
  });

  it("reports a crashed or terminated orchestration as Failed with the first line of its reason", () => {
    const doc = buildStatusDocument({
      runtimeStatus: "Failed",
      input,
      customStatus: null,
      output: "Orchestrator function 'provisionCluster' failed: boom\n at stack",
    });
    assert.equal(doc.phase, "Failed");
    assert.equal(doc.error?.code, "OrchestrationFailed");
    assert.doesNotMatch(doc.error!.message, /stack/);
  });

  it("moves to Deleting and then Deleted with the deprovisioning steps after DELETE", () => {
    const done = {
      runtimeStatus: "Completed",
      input,
      customStatus: null,
      output: { phase: "Succeeded", outputs: {} },
    };
    const deleting = new StepTracker(["delete:cluster"], "Deleting").start("delete:cluster", at).snapshot();
    const d1 = buildStatusDocument(done, {
      runtimeStatus: "Running",
      input: { rollback: false },
      output: null,
      customStatus: deleting,
    });
    assert.equal(d1.phase, "Deleting");
    assert.deepEqual(
      d1.steps.map((s) => s.name),
      ["delete:cluster"],
    );
    const d2 = buildStatusDocument(done, {
      runtimeStatus: "Completed",
      input: { rollback: false },
      output: { deleted: ["/c"], kept: [] },
      customStatus: deleting,
    });
    assert.equal(d2.phase, "Deleted");
    assert.deepEqual(d2.provisioning, { phase: "Succeeded", warnings: [] });
  });

  it("after a failed create, a DELETE's document is the deletion's only: its steps, warnings and error", () => {
    const created = new StepTracker(["resourceGroup", "cluster", "verification"], "Provisioning");
    created.start("resourceGroup", at).succeed("resourceGroup", at).start("cluster", at);
    created.fail("cluster", at, { code: "QuotaExceeded", message: "cores" }).skipRemaining();
    created.warn("resource group akstips existed before; it will not be deleted").phase("Failed");
    const failed = {
      runtimeStatus: "Completed",
      input,
      customStatus: created.snapshot(),
      output: {
        phase: "Failed",
        outputs: { resourceGroupId: "/rg" },
        error: { code: "QuotaExceeded", message: "cores", step: "cluster" },
      },
    };
    const deleting = new StepTracker(["delete:cluster", "delete:resourceGroup"], "Deleting");
    deleting.start("delete:cluster", at).poll("delete:cluster");
    const deletion = (runtimeStatus: string, output: unknown, custom: StepTracker) => ({
      runtimeStatus,
      input: { rollback: false },
      output,
      customStatus: custom.snapshot(),
    });
    const d1 = buildStatusDocument(failed, deletion("Running", null, deleting));
    assert.equal(d1.phase, "Deleting");
    assert.deepEqual(
      d1.steps.map((s) => [s.name, s.status]),
      [
        ["delete:cluster", "Running"],
        ["delete:resourceGroup", "Pending"],
      ],
    );
    assert.deepEqual(d1.warnings, []);
    assert.equal(d1.error, undefined);
    // The create's outcome is history, apart.
    assert.deepEqual(d1.provisioning, {
      phase: "Failed",
      error: { code: "QuotaExceeded", message: "cores", step: "cluster" },
      warnings: ["resource group akstips existed before; it will not be deleted"],
    });
    assert.deepEqual(d1.outputs, { resourceGroupId: "/rg" });

    deleting.succeed("delete:cluster", at).start("delete:resourceGroup", at);
    deleting.warn("kept /rg: it was not created by this system").succeed("delete:resourceGroup", at);
    const d2 = buildStatusDocument(
      failed,
      deletion("Completed", { deleted: ["/c"], kept: ["/rg"] }, deleting.phase("Deleted")),
    );
    assert.equal(d2.phase, "Deleted");
    assert.deepEqual(d2.warnings, ["kept /rg: it was not created by this system"]);
    assert.equal(d2.error, undefined);
    assert.ok(d2.steps.every((s) => s.name.startsWith("delete:") && s.status === "Succeeded"));

    // A deletion that fails shows its own error, not the create's.
    const stuck = new StepTracker(["delete:cluster"], "Deleting").start("delete:cluster", at);
    stuck.fail("delete:cluster", at, { code: "InternalServerError", message: "try again" });
    const d3 = buildStatusDocument(
      failed,
      deletion(
        "Completed",
        {
          deleted: [],
          kept: [],
          error: { code: "InternalServerError", message: "try again", step: "delete:cluster" },
        },
        stuck,
      ),
    );
    assert.equal(d3.phase, "Failed");
    assert.equal(d3.error?.code, "InternalServerError");
    assert.equal(d3.provisioning?.error?.code, "QuotaExceeded");
  });
});

describe("seeded objects and probes", () => {
  const ns = spec().namespaces[0]!;
  it("orders the default-deny policy before the request's own policies", () => {
    assert.deepEqual(
      policyManifests(ns).map((p) => p.metadata?.name),
      ["default-deny-ingress", "backend-policy"],
    );
    assert.deepEqual(policyManifests(ns)[0]!.spec, { podSelector: {}, policyTypes: ["Ingress"] });
  });

  it("hands client-node ingress peers as `_from`, the model property it serializes to `from`", () => {
    // A plain `from` is dropped by client-node's serializer: the policy would allow everyone.
    const rule = policyManifests(ns)[1]!.spec?.ingress?.[0] as Record<string, unknown>;
    assert.deepEqual(Object.keys(rule), ["_from"]);
    assert.deepEqual(rule["_from"], [
      { podSelector: { matchLabels: { app: "webapp", role: "frontend" } }, namespaceSelector: {} },
    ]);
  });

  it("adds no labels of its own (ownership is an annotation), so policies select exactly what was checked", () => {
    assert.deepEqual(namespaceManifest(ns).metadata?.labels, { purpose: "test" });
    assert.deepEqual(serviceManifest("test", ns.workloads[0]!)?.spec?.selector, {
      app: "webapp",
      role: "backend",
    });
    const probe = planProbes(spec(), 1)[1]!;
    const pod = probePodManifest({ ...probe, image: "busybox:1.36", timeoutSeconds: 3 });
    assert.deepEqual(pod.metadata?.labels, {});
    assert.deepEqual(pod.spec?.containers[0]?.command, [
      "wget",
      "-qO-",
      "--timeout=3",
      "http://backend.test:80",
    ]);
    assert.equal(pod.spec?.restartPolicy, "Never");
  });

  it("plans one probe per expectation from the source namespace with the source labels", () => {
    const probes = planProbes(spec(), 2);
    assert.deepEqual(
      probes.map((p) => [p.podName, p.namespace, p.labels, p.host, p.port, p.expected]),
      [
        ["aksv-probe-0-0-r2", "test", { app: "webapp", role: "frontend" }, "backend.test", 80, "allowed"],
        ["aksv-probe-0-1-r2", "test", {}, "backend.test", 80, "denied"],
      ],
    );
  });
});

describe("OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document with every cluster route", async () => {
    const doc = apiDocument(
      loadConfig({ AKSV_AUTH_ISSUER: "https://issuer.test/t/v2.0", AKSV_AUTH_AUDIENCE: "api://a,b" }).auth,
    );
    const result = await new Validator().validate(doc);
    assert.equal(result.valid, true, JSON.stringify(result.errors));
    assert.deepEqual(Object.keys(doc["paths"] as object).sort(), [
      "/clusters",
      "/clusters/{name}",
      "/clusters/{name}/catalog-info",
      "/clusters/{name}/kubeconfig",
      "/health",
      "/openapi.json",
    ]);
  });

  it("publishes how to sign in: the issuer's metadata and the audience, required on every cluster route", () => {
    const doc = apiDocument(
      loadConfig({ AKSV_AUTH_ISSUER: "https://issuer.test/t/v2.0", AKSV_AUTH_AUDIENCE: "api://a, b" }).auth,
    ) as {
      components: { securitySchemes: Record<string, unknown> };
      security: unknown;
      paths: Record<string, Record<string, { security?: unknown; responses: Record<string, unknown> }>>;
    };
    assert.deepEqual(doc.components.securitySchemes["entra"], {
      type: "openIdConnect",
      openIdConnectUrl: "https://issuer.test/t/v2.0/.well-known/openid-configuration",
      description: "An Entra ID (locally: the Azure emulator's) access token for the API's audience",
      "x-aks-vending-audience": "api://a",
    });
    assert.deepEqual(doc.security, [{ entra: [] }]);
    assert.deepEqual(doc.paths["/openapi.json"]!["get"]!.security, [], "the document itself is anonymous");
    assert.deepEqual(doc.paths["/health"]!["get"]!.security, [], "so is the health check");
    for (const [path, item] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(item))
        if (path !== "/openapi.json" && path !== "/health" && method !== "parameters")
          assert.ok(op.responses["401"] && op.responses["403"], `${method} ${path} documents 401 and 403`);
  });
});
