// What the Azure CLI reads from ARM beyond what the SDKs use, asked over the wire as az asks it: the
// cloud metadata `az cloud register` reads, and the sign-in path it then takes (MSAL's ADFS authority).
// test/e2e/az-cli.test.ts runs the real az against the same endpoints.
import { test } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:https";
import { startForTest } from "./helpers.js";

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: unknown;
}

function call(
  url: string,
  ca: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, method: init.method ?? "GET", headers: init.headers ?? {} }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString()));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          json: text ? JSON.parse(text) : undefined,
        }),
      );
    });
    req.on("error", reject);
    req.end(init.body);
  });
}

test("cloud metadata: the 2015-01-01 object and the 2022-09-01 list name the emulator as ARM, login endpoint and audience", async (t) => {
  const c = await startForTest(t);
  const base = c.emulator.url;
  const old = await call(`${base}//metadata/endpoints?api-version=2015-01-01`, c.emulator.caPem);
  assert.equal(old.status, 200);
  const o = old.json as {
    authentication: { loginEndpoint: string; audiences: string[] };
    graphEndpoint: string;
  };
  assert.equal(o.authentication.loginEndpoint, `${base}/adfs`);
  assert.deepEqual(o.authentication.audiences, [`${base}/`]);
  assert.ok(o.graphEndpoint, "az requires a graph endpoint");

  const now = await call(`${base}/metadata/endpoints?api-version=2022-09-01`, c.emulator.caPem);
  assert.equal(now.status, 200);
  const [cloud, ...others] = now.json as {
    resourceManager: string;
    authentication: { loginEndpoint: string; audiences: string[]; tenant: string; identityProvider: string };
  }[];
  assert.equal(others.length, 0);
  assert.equal(cloud!.resourceManager, `${base}/`);
  assert.deepEqual(cloud!.authentication, {
    loginEndpoint: `${base}/adfs`,
    audiences: [`${base}/`],
    tenant: "adfs",
    identityProvider: "ADFS",
  });

  const missing = await call(`${base}/metadata/endpoints`, c.emulator.caPem);
  assert.equal(missing.status, 400);
  assert.equal((missing.json as { error: { code: string } }).error.code, "MissingApiVersionParameter");
});

test("az's sign-in path: the ADFS authority's OpenID configuration leads to a token ARM accepts for the metadata audience", async (t) => {
  const c = await startForTest(t);
  const base = c.emulator.url;
  const ca = c.emulator.caPem;
  // MSAL: <authority>/.well-known/openid-configuration for an ADFS authority (no instance discovery).
  const meta = (await call(`${base}/adfs/.well-known/openid-configuration`, ca)).json as {
    token_endpoint: string;
    authorization_endpoint: string;
  };
  assert.ok(meta.authorization_endpoint);
  const token = await call(meta.token_endpoint, ca, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    // az: scope = audience + "/.default", so "https://host:port//.default".
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: "any-app",
      client_secret: "any-secret",
      scope: `${base}//.default`,
    }).toString(),
  });
  assert.equal(token.status, 200);
  const { access_token } = token.json as { access_token: string };
  const subs = await call(`${base}/subscriptions?api-version=2022-12-01`, ca, {
    headers: { authorization: `Bearer ${access_token}` },
  });
  assert.equal(subs.status, 200);
  const value = (subs.json as { value: { tenantId: string }[] }).value;
  assert.equal(value[0]!.tenantId, c.emulator.tenantId);
});

async function bearer(c: Awaited<ReturnType<typeof startForTest>>): Promise<Record<string, string>> {
  const t = await c.credential.getToken("https://management.azure.com/.default");
  return { authorization: `Bearer ${t!.token}`, "content-type": "application/json" };
}

test("Retry-After on every long-running-operation answer, emulated 15 s scaled by the time scale (whole seconds, at least 1)", async (t) => {
  for (const [timeScale, expected] of [
    [1, "15"],
    [0.1, "2"],
    [0.002, "1"],
  ] as const) {
    const c = await startForTest(t, {
      timeScale,
      latency: { resourceGroupWrite: 0, virtualNetworkCreate: 20 },
    });
    const base = `${c.emulator.url}/subscriptions/${c.sub}/resourceGroups/rg-retry`;
    const h = await bearer(c);
    const ca = c.emulator.caPem;
    await call(`${base}?api-version=2021-04-01`, ca, {
      method: "PUT",
      headers: h,
      body: '{"location":"eastus"}',
    });
    const put = await call(
      `${base}/providers/Microsoft.Network/virtualNetworks/v?api-version=2023-09-01`,
      ca,
      {
        method: "PUT",
        headers: h,
        body: JSON.stringify({
          location: "eastus",
          properties: { addressSpace: { addressPrefixes: ["10.0.0.0/16"] } },
        }),
      },
    );
    assert.equal(put.status, 201);
    assert.equal(put.headers["retry-after"], expected, `PUT at time scale ${timeScale}`);
    const poll = await call(String(put.headers["azure-asyncoperation"]), ca, { headers: h });
    assert.equal((poll.json as { status: string }).status, "InProgress");
    assert.equal(poll.headers["retry-after"], expected, `status poll at time scale ${timeScale}`);
    const del = await call(`${base}?api-version=2021-04-01`, ca, { method: "DELETE", headers: h });
    assert.equal(del.status, 202);
    assert.equal(del.headers["retry-after"], expected, `group delete at time scale ${timeScale}`);
    const result = await call(String(del.headers["location"]), ca, { headers: h });
    assert.equal(result.status, 202);
    assert.equal(result.headers["retry-after"], expected, `operation result at time scale ${timeScale}`);
    await c.emulator.stop();
  }
});
