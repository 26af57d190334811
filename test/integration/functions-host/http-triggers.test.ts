import { test } from "node:test";
import assert from "node:assert/strict";
import { startTestHost } from "./helpers.js";

test("HTTP triggers", async (t) => {
  const host = await startTestHost(t, "durable", { maxRequestBodyBytes: 64 * 1024 });
  const api = `${host.url}/api`;

  await t.test("method, route parameters, query, headers and a JSON body reach the handler", async () => {
    const res = await fetch(`${api}/echo/alice?x=1&tag=a&tag=b`, {
      method: "POST",
      headers: { "x-test-header": "hi", "content-type": "application/json" },
      body: JSON.stringify({ hello: "world" }),
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(body["method"], "POST");
    assert.deepEqual(body["params"], { name: "alice" });
    assert.equal((body["query"] as Record<string, string>)["x"], "1");
    assert.deepEqual(body["queryAll"], ["a", "b"]);
    assert.equal(body["header"], "hi");
    assert.equal(body["bodyText"], '{"hello":"world"}');
  });

  await t.test("optional parameters may be missing; binary bodies round-trip byte for byte", async () => {
    const bytes = Buffer.from([0, 1, 2, 200, 255, 10]);
    const res = await fetch(`${api}/echo`, {
      method: "PUT",
      headers: { "content-type": "application/octet-stream" },
      body: bytes,
    });
    const body = (await res.json()) as Record<string, unknown>;
    assert.deepEqual(body["params"], {});
    assert.equal(body["bodyBase64"], bytes.toString("base64"));
    const bin = await fetch(`${api}/binary`);
    assert.equal(bin.headers.get("content-type"), "application/octet-stream");
    assert.deepEqual([...new Uint8Array(await bin.arrayBuffer())], [0, 1, 2, 250, 255]);
  });

  await t.test("status, headers and cookies of the response", async () => {
    const res = await fetch(`${api}/cookies`);
    assert.equal(res.status, 201);
    assert.equal(res.headers.get("x-custom"), "yes");
    assert.equal(await res.text(), "made");
    const cookies = res.headers.getSetCookie();
    assert.equal(cookies.length, 2);
    assert.match(cookies[0]!, /^session=abc; Path=\/; Secure; HttpOnly; SameSite=Lax$/);
    assert.match(cookies[1]!, /^theme=dark; Max-Age=60/);
  });

  await t.test("route constraints, literal precedence, catch-all and the default route", async () => {
    assert.deepEqual(await (await fetch(`${api}/items/42`)).json(), { id: "42", kind: "int" });
    assert.deepEqual(await (await fetch(`${api}/items/abc`)).json(), { name: "abc" });
    assert.deepEqual(await (await fetch(`${api}/items/new`)).json(), { literal: true });
    assert.equal((await fetch(`${api}/items/4x2`)).status, 404);
    assert.deepEqual(await (await fetch(`${api}/files/a/b/c.txt`)).json(), { path: "a/b/c.txt" });
    assert.deepEqual(await (await fetch(`${api}/files`)).json(), { path: null });
    assert.equal(await (await fetch(`${api}/DEFAULTROUTE`)).text(), "route defaults to the function name");
  });

  await t.test("unknown routes are 404, known routes with another method 405", async () => {
    assert.equal((await fetch(`${api}/nope`)).status, 404);
    assert.equal((await fetch(`${host.url}/elsewhere`)).status, 404);
    const res = await fetch(`${api}/items/42`, { method: "DELETE" });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get("allow"), "GET");
  });

  await t.test("authLevel function and admin are enforced with keys (header or code)", async () => {
    assert.equal((await fetch(`${api}/secret`)).status, 401);
    assert.equal((await fetch(`${api}/secret?code=wrong`)).status, 401);
    const fnKey = host.keys.functionKeys["default"]!;
    assert.equal((await fetch(`${api}/secret`, { headers: { "x-functions-key": fnKey } })).status, 200);
    assert.equal((await fetch(`${api}/secret?code=${host.keys.masterKey}`)).status, 200);
    assert.equal((await fetch(`${api}/admin-only?code=${fnKey}`)).status, 401);
    assert.equal(await (await fetch(`${api}/admin-only?code=${host.keys.masterKey}`)).text(), "admin-level");
    assert.equal((await fetch(`${host.url}/runtime/webhooks/durabletask/instances/x`)).status, 401);
  });

  await t.test("a handler exception is a 500 with a correlation id and no internals", async () => {
    const res = await fetch(`${api}/boom`);
    assert.equal(res.status, 500);
    const text = await res.text();
    assert.doesNotMatch(text, /secret internal detail|at .*\.js/);
    const body = JSON.parse(text) as { error: { correlationId: string } };
    assert.match(body.error.correlationId, /^[0-9a-f-]{36}$/);
    assert.equal(res.headers.get("x-correlation-id"), body.error.correlationId);
  });

  await t.test("a handler that returns nothing answers 204; oversized bodies 413", async () => {
    assert.equal((await fetch(`${api}/nothing`)).status, 204);
    const big = await fetch(`${api}/echo`, { method: "POST", body: Buffer.alloc(100 * 1024, 1) });
    assert.equal(big.status, 413);
  });
});
