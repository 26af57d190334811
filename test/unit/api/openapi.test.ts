import { test } from "node:test";
import assert from "node:assert/strict";
import { Validator } from "@seriousme/openapi-schema-validator";
import { openApiDocument } from "../../../shared/api/openapi.js";
import { PHASES } from "../../../shared/provision/types.js";

test("the generated OpenAPI 3.1 document is valid", async () => {
  const doc = openApiDocument({ version: "0.0.0-test" });
  const result = await new Validator().validate(doc);
  assert.equal(result.valid, true, JSON.stringify(result.errors));
});

test("the ClusterSpec component describes the request: required fields, defaults, no extra properties", () => {
  const schemas = (openApiDocument({ version: "0" }).components as any).schemas;
  const spec = schemas.ClusterSpec;
  assert.deepEqual(spec.required, ["name", "team"]);
  assert.equal(spec.additionalProperties, false);
  assert.equal(spec.properties.onFailure.default, "rollback");
  assert.deepEqual(spec.properties.network.properties.pluginMode.enum, ["overlay", "nodeSubnet"]);
  assert.equal(spec.properties.network.additionalProperties, false);
});

test("an invalid OpenAPI document is caught by the same validator", async () => {
  const doc = openApiDocument({ version: "0" });
  delete (doc as any).info;
  const result = await new Validator().validate(doc);
  assert.equal(result.valid, false);
});

type Operation = {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  security?: unknown[];
  parameters?: { name: string; in: string; schema: Record<string, unknown> }[];
  requestBody?: { content: Record<string, { examples?: object }> };
  responses: Record<string, { content?: Record<string, { examples?: object }> }>;
};

function operations(doc: Record<string, unknown>): [string, Operation][] {
  return Object.entries(doc["paths"] as Record<string, Record<string, Operation>>).flatMap(([path, item]) =>
    Object.entries(item).map(
      ([method, op]) => [`${method.toUpperCase()} ${path}`, op] as [string, Operation],
    ),
  );
}

const signedIn = () =>
  openApiDocument({
    version: "1.2.3",
    signIn: { metadataUrl: "https://issuer.test/.well-known/openid-configuration", audience: "api://a" },
  });

test("every operation has an id, a summary, a description and a declared tag", () => {
  const doc = signedIn();
  const tags = new Set((doc["tags"] as { name: string }[]).map((t) => t.name));
  const ids = new Set<string>();
  for (const [name, op] of operations(doc)) {
    assert.ok(op.operationId && !ids.has(op.operationId), `${name}: a unique operationId`);
    ids.add(op.operationId);
    assert.ok(op.summary && op.description, `${name}: summary and description`);
    assert.ok(op.tags?.length && op.tags.every((t) => tags.has(t)), `${name}: declared tags`);
  }
  assert.equal(ids.size, 10);
});

test("every request body and every answer with a body carries an example", () => {
  for (const [name, op] of operations(signedIn())) {
    for (const [type, media] of Object.entries(op.requestBody?.content ?? {}))
      assert.ok(Object.keys(media.examples ?? {}).length > 0, `${name} request ${type}`);
    for (const [status, response] of Object.entries(op.responses))
      for (const [type, media] of Object.entries(response.content ?? {}))
        assert.ok(Object.keys(media.examples ?? {}).length > 0, `${name} ${status} ${type}`);
  }
});

test("the token-protected operations answer 401, 403, 500 and 503; the document and health are anonymous", () => {
  for (const [name, op] of operations(signedIn())) {
    if (name === "GET /openapi.json" || name === "GET /health") {
      assert.deepEqual(op.security, [], name);
      continue;
    }
    assert.equal(op.security, undefined, `${name} uses the document's entra requirement`);
    for (const status of ["401", "403", "500", "503"]) assert.ok(op.responses[status], `${name} ${status}`);
  }
  const byName = Object.fromEntries(operations(signedIn()));
  assert.ok(byName["GET /clusters/{name}"]!.responses["404"]);
  assert.ok(byName["GET /clusters/{name}/kubeconfig"]!.responses["409"]);
  assert.ok(byName["POST /clusters"]!.responses["409"]);
});

test("the real limits, not the safe-integer bounds zod gives every integer", () => {
  const doc = signedIn();
  const text = JSON.stringify(doc);
  assert.doesNotMatch(text, /9007199254740991/);
  const spec = (doc["components"] as any).schemas.ClusterSpec;
  assert.deepEqual(
    [spec.properties.nodePool.properties.count.minimum, spec.properties.nodePool.properties.count.maximum],
    [1, 1000],
  );
  assert.equal(spec.properties.name.pattern, "^[A-Za-z0-9](?:[-_A-Za-z0-9]{0,61}[A-Za-z0-9])?$");
  assert.equal(spec.properties.team.maxLength, 63);
  const workload = spec.properties.namespaces.items.properties.workloads.items.properties;
  assert.deepEqual([workload.replicas.minimum, workload.replicas.maximum], [1, 50]);
  assert.deepEqual(
    [workload.ports.items.properties.port.minimum, workload.ports.items.properties.port.maximum],
    [1, 65535],
  );
  // A published pattern refuses nothing the validator accepts: the tutorial's names all match.
  assert.ok(new RegExp(spec.properties.name.pattern).test("tipsAndTricksAKSCluster"));
});

test("GET /clusters takes phase (one of the phases), all (include Deleted), team, top and skipToken", () => {
  const list = Object.fromEntries(operations(signedIn()))["GET /clusters"]!;
  const params = Object.fromEntries((list.parameters ?? []).map((p) => [p.name, p]));
  assert.deepEqual(Object.keys(params).sort(), ["all", "phase", "skipToken", "team", "top"]);
  const phaseRef = params["phase"]!.schema["$ref"] as string;
  const phase = (signedIn()["components"] as any).schemas[phaseRef.split("/").pop()!];
  assert.deepEqual(phase.enum, [...PHASES]);
  assert.equal(params["all"]!.schema["type"], "boolean");
  assert.equal(params["all"]!.schema["default"], false);
  assert.deepEqual([params["top"]!.schema["minimum"], params["top"]!.schema["maximum"]], [1, 200]);
});

test("the signed-in document names the entra scheme and requires it by default", () => {
  const doc = signedIn();
  assert.deepEqual(doc["security"], [{ entra: [] }]);
  assert.deepEqual((doc["components"] as any).securitySchemes.entra, {
    type: "openIdConnect",
    openIdConnectUrl: "https://issuer.test/.well-known/openid-configuration",
    description: "An Entra ID (locally: the Azure emulator's) access token for the API's audience",
    "x-aks-vending-audience": "api://a",
  });
  assert.equal((doc["info"] as { version: string }).version, "1.2.3");
});
