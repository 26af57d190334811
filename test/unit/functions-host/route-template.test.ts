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

test("as Azure orders them: more inline constraints first, and the longer of two templates that agree so far", () => {
  const order = (templates: string[]) =>
    templates
      .map(compileRoute)
      .sort(comparePrecedence)
      .map((r) => r.template);
  assert.deepEqual(order(["n/{v}", "n/{v:int:min(1)}", "n/{v:int}"]), [
    "n/{v:int:min(1)}",
    "n/{v:int}",
    "n/{v}",
  ]);
  // WebJobsRouteBuilder prefers the longer route: "/items/7" goes to the catch-all route here.
  assert.deepEqual(order(["items/{id}", "items/{id}/{*rest}"]), ["items/{id}/{*rest}", "items/{id}"]);
  assert.deepEqual(order(["items", "items/{*rest}"]), ["items/{*rest}", "items"]);
});

test("a root catch-all comes after every route of this app, so it answers only what none of them serves", () => {
  const app = ["clusters", "clusters/{name}", "clusters/{name}/kubeconfig", "openapi.json", "health"];
  const sorted = ["{*path}", ...app].map(compileRoute).sort(comparePrecedence);
  assert.equal(sorted.at(-1)!.template, "{*path}");
  const first = (path: string) => sorted.find((r) => r.match(path))?.template;
  assert.equal(first("/clusters"), "clusters");
  assert.equal(first("/clusters/c1"), "clusters/{name}");
  assert.equal(first("/clusters/c1/kubeconfig"), "clusters/{name}/kubeconfig");
  assert.equal(first("/health"), "health");
  assert.equal(first(""), "{*path}");
  assert.equal(first("/nope"), "{*path}");
  assert.equal(first("/clusters/c1/kubeconfig/more"), "{*path}");
});
