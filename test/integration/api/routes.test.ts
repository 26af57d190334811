// The app's service routes on the local Functions host, as a newcomer meets them: GET /api/health
// (anonymous, version only), the ARM-style JSON 404 for every /api path no route serves, and the
// host's root URL, which names the API and its documents.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ErrorResponseSchema, HealthSchema } from "../../../shared/api/schemas.js";
import { repoRoot, startTestHost } from "../functions-host/helpers.js";

const version = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string })
  .version;

test("service routes: health, the JSON 404 of unknown routes, and the host's root page", async (t) => {
  const host = await startTestHost(t, repoRoot);
  const api = `${host.url}/api`;

  await t.test(
    "GET /api/health answers without a token: ok and package.json's version, nothing else",
    async () => {
      const res = await fetch(`${api}/health`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /application\/json/);
      const body = HealthSchema.parse(await res.json());
      assert.deepEqual(body, { status: "ok", version });
    },
  );

  await t.test("unknown API routes answer the ARM-style JSON 404, not an empty body", async () => {
    for (const [method, path] of [
      ["GET", ""],
      ["GET", "/"],
      ["GET", "/nope"],
      ["POST", "/nope/deeper"],
      ["GET", "/clusters/c1/kubeconfig/more"],
      ["PUT", "/clusters"],
    ] as const) {
      const res = await fetch(`${api}${path}`, { method });
      assert.equal(res.status, 404, `${method} /api${path}`);
      assert.match(res.headers.get("content-type") ?? "", /application\/json/);
      const body = ErrorResponseSchema.parse(await res.json());
      assert.equal(body.error.code, "RouteNotFound");
      assert.deepEqual(body.error.details, []);
      assert.match(body.error.message, /\/api\/openapi\.json/);
    }
  });

  await t.test("the catch-all never shadows a real route", async () => {
    assert.equal((await fetch(`${api}/openapi.json`)).status, 200);
    // No issuer configured here: the cluster routes fail closed (503), they are not the 404.
    const clusters = await fetch(`${api}/clusters`);
    assert.equal(clusters.status, 503);
    assert.equal(
      ((await clusters.json()) as { error: { code: string } }).error.code,
      "AuthenticationNotConfigured",
    );
    assert.equal((await fetch(`${api}/clusters/c1`)).status, 503);
  });

  await t.test(
    "GET / names the API, its document, health and the cluster routes (JSON or HTML)",
    async () => {
      const json = await fetch(`${host.url}/`, { headers: { accept: "application/json" } });
      assert.equal(json.status, 200);
      const home = (await json.json()) as { api: string; routes: { url: string; methods: string[] }[] };
      assert.equal(home.api, api);
      const urls = home.routes.map((r) => r.url);
      for (const path of ["/openapi.json", "/health", "/clusters", "/clusters/{name}"])
        assert.ok(urls.includes(`${api}${path}`), `${path} in ${urls.join(", ")}`);
      assert.equal(urls.at(-1), `${api}/{*path}`, "the catch-all is tried last");
      const html = await fetch(`${host.url}/`);
      assert.match(html.headers.get("content-type") ?? "", /text\/html/);
      const page = await html.text();
      assert.match(page, new RegExp(`<a href="${api}/openapi.json">`));
      assert.match(page, new RegExp(`<a href="${api}/health">`));
      assert.match(page, /In Azure this URL shows the Functions default page/);
    },
  );
});
