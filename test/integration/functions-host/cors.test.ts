// CORS in front of HTTP triggers, as App Service (Azure) and Core Tools (local.settings.json
// Host.CORS) apply it: preflights from allowed origins are answered by the host, responses to allowed
// origins carry Access-Control-Allow-Origin, other origins get nothing a browser would accept.
import assert from "node:assert/strict";
import { test } from "node:test";
import { startTestHost } from "./helpers.js";

const preflight = (url: string, origin: string) =>
  fetch(url, {
    method: "OPTIONS",
    headers: {
      Origin: origin,
      "Access-Control-Request-Method": "GET",
      "Access-Control-Request-Headers": "authorization, content-type",
    },
  });

test("CORS from local.settings.json Host.CORS / Host.CORSCredentials", async (t) => {
  const host = await startTestHost(t, "cjs-app");
  const url = `${host.url}/v1/custom/greeting`;

  const ok = await preflight(url, "https://portal.example");
  assert.equal(ok.status, 204);
  assert.equal(ok.headers.get("access-control-allow-origin"), "https://portal.example");
  assert.equal(ok.headers.get("access-control-allow-methods"), "GET");
  assert.equal(ok.headers.get("access-control-allow-headers"), "authorization, content-type");
  assert.equal(ok.headers.get("access-control-allow-credentials"), "true");

  const get = await fetch(url, { headers: { Origin: "http://localhost:3000" } });
  assert.equal(get.status, 200);
  assert.equal(get.headers.get("access-control-allow-origin"), "http://localhost:3000");
  assert.equal(get.headers.get("vary"), "Origin");

  // An origin not listed: no CORS headers, and the preflight reaches routing (OPTIONS not allowed).
  const other = await fetch(url, { headers: { Origin: "https://evil.example" } });
  assert.equal(other.status, 200);
  assert.equal(other.headers.get("access-control-allow-origin"), null);
  const refused = await preflight(url, "https://evil.example");
  assert.equal(refused.status, 405);
  assert.equal(refused.headers.get("access-control-allow-origin"), null);

  // Without an Origin header nothing changes.
  assert.equal((await fetch(url)).headers.get("access-control-allow-origin"), null);
});

test("CORS given to the host overrides local.settings.json; '*' without credentials", async (t) => {
  const host = await startTestHost(t, "cjs-app", {
    cors: { allowedOrigins: ["*"], supportCredentials: false },
  });
  const res = await preflight(`${host.url}/v1/custom/greeting`, "https://anything.example");
  assert.equal(res.status, 204);
  assert.equal(res.headers.get("access-control-allow-origin"), "*");
  assert.equal(res.headers.get("access-control-allow-credentials"), null);
});

test("CORS settings that browsers would reject are refused at start", async (t) => {
  await assert.rejects(
    startTestHost(t, "cjs-app", { cors: { allowedOrigins: ["*"], supportCredentials: true } }),
    /credentials cannot be allowed for the wildcard origin/,
  );
  await assert.rejects(
    startTestHost(t, "cjs-app", {
      cors: { allowedOrigins: ["portal.example/path"], supportCredentials: false },
    }),
    /"portal.example\/path" is not an origin/,
  );
});
