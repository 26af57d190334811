import { test } from "node:test";
import assert from "node:assert/strict";
import { Validator } from "@seriousme/openapi-schema-validator";
import { openApiDocument } from "../../../shared/spec/openapi.js";

test("the generated OpenAPI 3.1 document is valid", async () => {
  const doc = openApiDocument("0.0.0-test");
  const result = await new Validator().validate(doc);
  assert.equal(result.valid, true, JSON.stringify(result.errors));
});

test("the ClusterSpec component describes the request: required fields, defaults, no extra properties", () => {
  const schemas = (openApiDocument("0").components as any).schemas;
  const spec = schemas.ClusterSpec;
  assert.deepEqual(spec.required, ["name", "team"]);
  assert.equal(spec.additionalProperties, false);
  assert.equal(spec.properties.onFailure.default, "rollback");
  assert.deepEqual(spec.properties.network.properties.pluginMode.enum, ["overlay", "nodeSubnet"]);
  assert.equal(spec.properties.network.additionalProperties, false);
});

test("an invalid OpenAPI document is caught by the same validator", async () => {
  const doc = openApiDocument("0");
  delete (doc as any).info;
  const result = await new Validator().validate(doc);
  assert.equal(result.valid, false);
});
