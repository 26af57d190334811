// ClusterApi (application/cluster-api.ts) without the Functions runtime: request validation before
// any orchestration or ARM call.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import functions from "@azure/functions";
import { ClusterApi, specHash } from "../../../application/cluster-api.js";
import type { Orchestrations } from "../../../application/ports.js";
import type { Caller } from "../../../shared/auth/caller.js";
import { loadConfig } from "../../../shared/config/index.js";
import { spec, tutorialDocument } from "../provision/fixtures.js";

// @azure/functions is a CommonJS bundle whose HttpRequest Node cannot see as a named export.
const { HttpRequest } = functions;

describe("HTTP API request validation (before any orchestration or ARM call)", () => {
  const admin: Caller = {
    id: "admin",
    displayName: "admin",
    roles: new Set(["Clusters.Admin"]),
    teams: new Set(),
  };
  const untouchable: Orchestrations = {
    start: () => Promise.reject(new Error("must not start")),
    getStatus: () => Promise.reject(new Error("must not read")),
    getStatusAll: () => Promise.reject(new Error("must not read")),
    terminate: () => Promise.reject(new Error("must not terminate")),
    raiseEvent: () => Promise.reject(new Error("must not raise")),
  };
  const api = new ClusterApi({
    config: loadConfig({ AKSV_TARGET_SUBSCRIPTION_ID: "00000000-0000-0000-0000-000000000001" }),
    orchestrations: untouchable,
    userKubeconfig: () => Promise.reject(new Error("must not call ARM")),
  });
  const post = (body: string, headers: Record<string, string> = {}) =>
    api.create(
      new HttpRequest({
        method: "POST",
        url: "http://localhost/api/clusters",
        body: { string: body },
        headers,
      }),
      admin,
    );

  it("answers 400 with every problem at once, ARM-style", async () => {
    const doc = tutorialDocument();
    const res = await post(
      JSON.stringify({
        ...doc,
        name: "-bad-",
        network: { ...(doc["network"] as object), dnsServiceIp: "192.168.0.10" },
        extra: 1,
      }),
    );
    assert.equal(res.status, 400);
    const body = res.jsonBody as { error: { code: string; details: { path: string; code: string }[] } };
    assert.equal(body.error.code, "InvalidClusterSpec");
    const paths = body.error.details.map((d) => d.path);
    assert.ok(paths.includes("name"), JSON.stringify(paths));
    assert.ok(paths.includes("extra"));
    assert.ok(
      paths.some((p) => p.startsWith("network.dnsServiceIp")),
      JSON.stringify(paths),
    );
  });

  it("answers 400 for a body that is not JSON", async () => {
    const res = await post("{nope");
    assert.equal(res.status, 400);
    assert.equal(
      (res.jsonBody as { error: { details: { code: string }[] } }).error.details[0]!.code,
      "InvalidJson",
    );
  });

  it("rejects an unusable Idempotency-Key", async () => {
    const res = await post(JSON.stringify(tutorialDocument()), { "Idempotency-Key": "x".repeat(300) });
    assert.equal(res.status, 400);
    assert.equal((res.jsonBody as { error: { code: string } }).error.code, "InvalidIdempotencyKey");
  });

  it("rejects a request whose expectations contradict its policies before anything else", async () => {
    const doc = tutorialDocument();
    const ns = (doc["namespaces"] as { expectations: { allowed: boolean }[] }[])[0]!;
    ns.expectations[1]!.allowed = true; // the unlabelled pod is denied by the policies
    const res = await post(JSON.stringify(doc));
    assert.equal(res.status, 400);
    const body = res.jsonBody as { error: { details: { path: string; code: string }[] } };
    assert.ok(
      body.error.details.some(
        (d) => d.code === "ExpectationUnsatisfiable" && d.path.startsWith("namespaces[0].expectations[1]"),
      ),
      JSON.stringify(body),
    );
  });

  it("identifies a request by its normalised spec, whatever the key order or defaults spelled out", () => {
    const a = spec();
    const b = spec({ onFailure: "keep", nodePool: { count: 1, name: "system" } });
    assert.equal(specHash(a), specHash(b));
    assert.notEqual(specHash(a), specHash(spec({ onFailure: "rollback" })));
  });
});
