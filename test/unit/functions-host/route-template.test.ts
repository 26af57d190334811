import { test } from "node:test";
import assert from "node:assert/strict";
import { comparePrecedence, compileRoute } from "../../../emulators/functions-host/http/route-template.js";

test("literal segments match case-insensitively and parameters are URL-decoded", () => {
  const r = compileRoute("Orchestrators/{name}");
  assert.deepEqual(r.match("/orchestrators/My%20Orch")?.params, { name: "My Orch" });
  assert.equal(r.match("/orchestrators"), undefined);
  assert.equal(r.match("/orchestrators/a/b"), undefined);
});

test("optional, default and catch-all parameters", () => {
  assert.deepEqual(compileRoute("items/{id?}").match("/items")?.params, {});
  assert.deepEqual(compileRoute("items/{page=1}").match("/items")?.params, { page: "1" });
  assert.deepEqual(compileRoute("files/{*path}").match("/files/a/b")?.params, { path: "a/b" });
  assert.deepEqual(compileRoute("files/{*path}").match("/files")?.params, {});
});

test("constraints reject values that do not fit", () => {
  const int = compileRoute("items/{id:int}");
  assert.ok(int.match("/items/42"));
  assert.equal(int.match("/items/4x"), undefined);
  assert.ok(compileRoute("u/{id:guid}").match("/u/0f8fad5b-d9cb-469f-a165-70867728950e"));
  assert.equal(compileRoute("u/{id:guid}").match("/u/nope"), undefined);
  assert.ok(compileRoute("n/{v:range(1,5)}").match("/n/5"));
  assert.equal(compileRoute("n/{v:range(1,5)}").match("/n/6"), undefined);
  assert.ok(compileRoute("s/{v:minlength(2):maxlength(3)}").match("/s/abc"));
  assert.equal(compileRoute("s/{v:minlength(2):maxlength(3)}").match("/s/abcd"), undefined);
  assert.ok(compileRoute("r/{v:regex(^a\\d+$)}").match("/r/a12"));
  assert.equal(compileRoute("r/{v:regex(^a\\d+$)}").match("/r/b12"), undefined);
  assert.ok(compileRoute("b/{v:bool}").match("/b/TRUE"));
});

test("several parameters in one segment", () => {
  assert.deepEqual(compileRoute("files/{name}.{ext}").match("/files/report.pdf")?.params, {
    name: "report",
    ext: "pdf",
  });
});

test("invalid templates are rejected at start-up", () => {
  assert.throws(() => compileRoute("a/{x:nosuch}"), /Unknown route constraint/);
  assert.throws(() => compileRoute("a/{*rest}/b"), /catch-all/);
});

test("literal routes take precedence over parameters, catch-alls come last", () => {
  const sorted = ["items/{*rest}", "items/{id}", "items/{id:int}", "items/new"]
    .map(compileRoute)
    .sort(comparePrecedence);
  assert.deepEqual(
    sorted.map((r) => r.template),
    ["items/new", "items/{id:int}", "items/{id}", "items/{*rest}"],
  );
});
