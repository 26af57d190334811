// The token issuer: OIDC metadata + JWKS, client-credentials tokens (@azure/identity), the
// managed-identity endpoint in its three protocols (DefaultAzureCredential unchanged), and ARM's 401 answers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { request } from "node:https";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import type { TokenCredential } from "@azure/core-auth";
import { ResourceManagementClient } from "@azure/arm-resources";
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from "jose";
import { LOCATION, sdkOptions } from "../../../harness/azure.js";
import { startForTest } from "./helpers.js";

const run = promisify(execFile);

function get(
  url: string,
  ca: string,
  headers: Record<string, string> = {},
  post?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { ca, headers, method: post === undefined ? "GET" : "POST" }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on("error", reject)
      .end(post);
  });
}

const staticToken = (token: string): TokenCredential => ({
  getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3600_000 }),
});

test("client-credentials tokens from @azure/identity verify against the published OIDC metadata and JWKS", async (t) => {
  const c = await startForTest(t);
  const meta = JSON.parse(
    (await get(`${c.emulator.issuer}/.well-known/openid-configuration`, c.emulator.caPem)).body,
  ) as {
    issuer: string;
    jwks_uri: string;
    token_endpoint: string;
  };
  assert.equal(meta.issuer, c.emulator.issuer);
  const jwks = JSON.parse((await get(meta.jwks_uri, c.emulator.caPem)).body) as JSONWebKeySet;
  const token = await c.credential.getToken("https://management.azure.com/.default");
  assert.ok(token);
  const { payload } = await jwtVerify(token.token, createLocalJWKSet(jwks), {
    issuer: meta.issuer,
    audience: "https://management.azure.com",
  });
  assert.equal(payload["appid"], "test-app");
  assert.equal(payload["tid"], c.emulator.tenantId);
});

test("ARM rejects missing, expired, wrong-audience and forged bearer tokens with 401 as ARM answers", async (t) => {
  const c = await startForTest(t);
  const client = (cred: TokenCredential) =>
    new ResourceManagementClient(cred, c.sub, sdkOptions(c.emulator, 0));
  const expired = await c.emulator.issueToken({
    audience: "https://management.azure.com",
    subject: "x",
    objectId: "x",
    expiresInSeconds: -60,
  });
  await assert.rejects(client(staticToken(expired)).resourceGroups.get("rg"), {
    statusCode: 401,
    code: "ExpiredAuthenticationToken",
  });
  const graph = await c.emulator.issueToken({
    audience: "https://graph.microsoft.com",
    subject: "x",
    objectId: "x",
  });
  await assert.rejects(client(staticToken(graph)).resourceGroups.get("rg"), {
    statusCode: 401,
    code: "InvalidAuthenticationTokenAudience",
  });
  const [h, p] = graph.split(".");
  await assert.rejects(client(staticToken(`${h}.${p}.c2lnbmF0dXJl`)).resourceGroups.get("rg"), {
    statusCode: 401,
    code: "InvalidAuthenticationToken",
  });
  // The SDK always sends a token; a bare request shows the missing-header answer.
  const bare = await get(
    `${c.emulator.url}/subscriptions/${c.sub}/resourcegroups/rg?api-version=2025-04-01`,
    c.emulator.caPem,
  );
  assert.equal(bare.status, 401);
  assert.equal((JSON.parse(bare.body) as { error: { code: string } }).error.code, "AuthenticationFailed");
  // ARM checks the token before anything else, then requires an api-version (any value).
  const good = await c.emulator.issueToken({
    audience: "https://management.azure.com/",
    subject: "x",
    objectId: "x",
  });
  const noVersion = await get(
    `${c.emulator.url}/subscriptions/${c.sub}/resourcegroups/rg`,
    c.emulator.caPem,
    {
      authorization: `Bearer ${good}`,
    },
  );
  assert.equal(noVersion.status, 400);
  assert.equal(
    (JSON.parse(noVersion.body) as { error: { code: string } }).error.code,
    "MissingApiVersionParameter",
  );
  // A good token on the same client works.
  await client(staticToken(good)).resourceGroups.createOrUpdate("rg", { location: LOCATION });
});

test("DefaultAzureCredential takes tokens from the App Service-style managed-identity endpoint unchanged", async (t) => {
  const c = await startForTest(t);
  await c.resources.resourceGroups.createOrUpdate("rg-mi", { location: LOCATION });
  const uami = await c.msi.userAssignedIdentities.createOrUpdate("rg-mi", "func-identity", {
    location: LOCATION,
  });
  // NODE_EXTRA_CA_CERTS is read at process start, so the app side runs in a child process as it would locally.
  const script = fileURLToPath(new URL("./managed-identity-child.js", import.meta.url));
  const env = {
    ...process.env,
    NODE_EXTRA_CA_CERTS: c.emulator.caPath,
    IDENTITY_ENDPOINT: c.emulator.identityEndpoint,
    IDENTITY_HEADER: c.emulator.identityHeader,
    ARM_ENDPOINT: c.emulator.url,
    SUBSCRIPTION_ID: c.sub,
    AZURE_CLIENT_ID: uami.clientId!,
  };
  const { stdout } = await run(process.execPath, [script], { env, timeout: 30_000 });
  const out = JSON.parse(stdout) as { groups: string[]; oid: string };
  assert.deepEqual(out.groups, ["rg-mi"]);
  assert.equal(out.oid, uami.principalId, "the token names the user-assigned identity");

  const wrong = await get(
    `${c.emulator.identityEndpoint}?api-version=2019-08-01&resource=https://management.azure.com`,
    c.emulator.caPem,
    {
      "X-IDENTITY-HEADER": "wrong",
    },
  );
  assert.equal(wrong.status, 401);
});

test("the managed-identity endpoint speaks App Service 2017-09-01 (secret header, date expires_on) and the MSI extension's POST", async (t) => {
  const c = await startForTest(t);
  const endpoint = c.emulator.identityEndpoint;
  const resource = "https://management.azure.com/";
  // App Service 2017-09-01 (az 2.45's get_msi_token_webapp appends "/?resource=…&api-version=2017-09-01").
  const v2017 = `${endpoint}/?resource=${encodeURIComponent(resource)}&api-version=2017-09-01`;
  const ok = await get(v2017, c.emulator.caPem, { secret: c.emulator.identityHeader });
  assert.equal(ok.status, 200, ok.body);
  const body = JSON.parse(ok.body) as Record<string, string>;
  assert.equal(body["token_type"], "Bearer");
  assert.equal(body["resource"], resource);
  // "MM/dd/yyyy HH:mm:ss +00:00", as App Service's Linux workers answer, about an hour ahead.
  const m = /^(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2}):(\d{2}) \+00:00$/.exec(body["expires_on"]!);
  assert.ok(m, `expires_on ${body["expires_on"]}`);
  const expires = Date.UTC(+m[3]!, +m[1]! - 1, +m[2]!, +m[4]!, +m[5]!, +m[6]!);
  assert.ok(expires > Date.now() + 30 * 60_000 && expires < Date.now() + 48 * 3600_000);
  assert.equal((await get(v2017, c.emulator.caPem, { secret: "wrong" })).status, 401);
  // 2017-09-01's secret is not 2019-08-01's header: X-IDENTITY-HEADER alone does not pass.
  assert.equal(
    (await get(v2017, c.emulator.caPem, { "X-IDENTITY-HEADER": c.emulator.identityHeader })).status,
    401,
  );
  // The MSI extension's protocol: POST a form, Metadata: true (without it, 400).
  const form = `resource=${encodeURIComponent(resource)}`;
  const formHeaders = { "content-type": "application/x-www-form-urlencoded" };
  const posted = await get(endpoint, c.emulator.caPem, { ...formHeaders, Metadata: "true" }, form);
  assert.equal(posted.status, 200, posted.body);
  const p = JSON.parse(posted.body) as Record<string, string>;
  assert.match(p["expires_on"]!, /^\d+$/);
  assert.ok(Number(p["expires_in"]) > 0);
  assert.equal((await get(endpoint, c.emulator.caPem, formHeaders, form)).status, 400);
});

test("ManagedIdentityCredential takes tokens through MSI_ENDPOINT (+ MSI_SECRET) unchanged", async (t) => {
  const c = await startForTest(t);
  await c.resources.resourceGroups.createOrUpdate("rg-msi", { location: LOCATION });
  const uami = await c.msi.userAssignedIdentities.createOrUpdate("rg-msi", "ml-identity", {
    location: LOCATION,
  });
  const script = fileURLToPath(new URL("./managed-identity-child.js", import.meta.url));
  const base = {
    ...process.env,
    NODE_EXTRA_CA_CERTS: c.emulator.caPath,
    ARM_ENDPOINT: c.emulator.url,
    SUBSCRIPTION_ID: c.sub,
    IDENTITY_ENDPOINT: "",
    IDENTITY_HEADER: "",
  };
  // MSI_ENDPOINT + MSI_SECRET: MSAL's 2017-09-01 source (GET, secret header, clientid), here for a
  // user-assigned identity. It reads expires_on as epoch seconds (Azure ML's variant) and so takes
  // App Service's date string as already expired: the token works, it is just not cached.
  const withSecret = await run(process.execPath, [script], {
    env: {
      ...base,
      MSI_ENDPOINT: c.emulator.identityEndpoint,
      MSI_SECRET: c.emulator.identityHeader,
      AZURE_CLIENT_ID: uami.clientId!,
    },
    timeout: 30_000,
  });
  const a = JSON.parse(withSecret.stdout) as { groups: string[]; oid: string };
  assert.deepEqual(a.groups, ["rg-msi"]);
  assert.equal(a.oid, uami.principalId, "the token names the user-assigned identity");
  // MSI_ENDPOINT alone: the MSI extension's POST (Cloud Shell), system-assigned, epoch expiry.
  const cloudShell = await run(process.execPath, [script], {
    env: { ...base, MSI_ENDPOINT: c.emulator.identityEndpoint, MSI_SECRET: "", AZURE_CLIENT_ID: "" },
    timeout: 30_000,
  });
  const b = JSON.parse(cloudShell.stdout) as { groups: string[]; expiresOnTimestamp: number };
  assert.deepEqual(b.groups, ["rg-msi"]);
  assert.ok(
    b.expiresOnTimestamp > Date.now() + 30 * 60_000,
    "the POST protocol's expires_on is read as epoch seconds",
  );
  const calls = c.emulator.recorder.query({ path: "/msi/token" });
  assert.ok(calls.some((r) => r.method === "GET" && r.apiVersion === "2017-09-01" && r.status === 200));
  assert.ok(calls.some((r) => r.method === "POST" && r.status === 200));
});

test("curl --cacert <printed CA path> talks to the emulator", async (t) => {
  const c = await startForTest(t);
  const { stdout } = await run("curl", [
    "-sS",
    "--cacert",
    c.emulator.caPath,
    `${c.emulator.issuer}/.well-known/openid-configuration`,
  ]);
  assert.equal((JSON.parse(stdout) as { issuer: string }).issuer, c.emulator.issuer);
});
