// Interactive sign-in on the Azure emulator's issuer (what the portal's MSAL.js uses on the local
// stack): the authorize endpoint requires PKCE (S256) and a loopback redirect URI, the sign-in page
// issues a one-time code, and the token endpoint exchanges it only with the matching code_verifier.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { request } from "node:https";
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from "jose";
import { startForTest } from "./helpers.js";

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function call(
  url: string,
  ca: string,
  method = "GET",
  form?: Record<string, string>,
  origin?: string,
): Promise<Reply> {
  const body = form ? new URLSearchParams(form).toString() : undefined;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        ca,
        method,
        headers: {
          ...(body ? { "content-type": "application/x-www-form-urlencoded" } : {}),
          ...(origin ? { origin } : {}),
        },
      },
      (res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    ).on("error", reject);
    req.end(body);
  });
}

const REDIRECT = "http://127.0.0.1:7071/api/portal/";
const CLIENT = "portal-client";

function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

async function signIn(
  issuer: string,
  ca: string,
  challenge: string,
  extra: Record<string, string> = {},
): Promise<URL> {
  const authorize = `${issuer.replace(/\/v2\.0$/, "")}/oauth2/v2.0/authorize`;
  const q = new URLSearchParams({
    client_id: CLIENT,
    redirect_uri: REDIRECT,
    response_type: "code",
    scope: "api://aks-vending-local/.default openid profile",
    state: "s1",
    nonce: "n1",
    code_challenge: challenge,
    code_challenge_method: "S256",
    ...extra,
  });
  const page = await call(`${authorize}?${q}`, ca);
  assert.equal(page.status, 200, page.body);
  assert.match(
    String(page.headers["content-security-policy"]),
    /form-action 'self' http:\/\/127\.0\.0\.1:7071/,
  );
  const requestId = /name="request" value="([^"]+)"/.exec(page.body)?.[1];
  assert.ok(requestId, "the sign-in page carries the pending request");
  const posted = await call(authorize, ca, "POST", {
    request: requestId,
    user: "alice",
    team: "payments",
    role: "Clusters.Read",
  });
  assert.equal(posted.status, 302);
  return new URL(String(posted.headers["location"]));
}

test("the authorization code flow with PKCE signs a developer in with the team and role picked on the sign-in page", async (t) => {
  const c = await startForTest(t);
  const { issuer, caPem } = c.emulator;
  const meta = JSON.parse((await call(`${issuer}/.well-known/openid-configuration`, caPem)).body) as {
    authorization_endpoint: string;
    token_endpoint: string;
    jwks_uri: string;
    code_challenge_methods_supported: string[];
    grant_types_supported: string[];
  };
  assert.deepEqual(meta.code_challenge_methods_supported, ["S256"]);
  assert.ok(meta.grant_types_supported.includes("authorization_code"));

  const { verifier, challenge } = pkce();
  const back = await signIn(issuer, caPem, challenge);
  assert.equal(`${back.origin}${back.pathname}`, REDIRECT);
  assert.equal(back.searchParams.get("state"), "s1");
  const code = back.searchParams.get("code")!;
  const exchange = (v: string, redirect = REDIRECT) =>
    call(
      meta.token_endpoint,
      caPem,
      "POST",
      {
        grant_type: "authorization_code",
        client_id: CLIENT,
        code,
        code_verifier: v,
        redirect_uri: redirect,
        scope: "api://aks-vending-local/.default openid profile",
      },
      "http://127.0.0.1:7071",
    );

  const ok = await exchange(verifier);
  assert.equal(ok.status, 200, ok.body);
  assert.equal(ok.headers["access-control-allow-origin"], "http://127.0.0.1:7071");
  const tokens = JSON.parse(ok.body) as { access_token: string; id_token: string; client_info: string };
  const jwks = createLocalJWKSet(JSON.parse((await call(meta.jwks_uri, caPem)).body) as JSONWebKeySet);
  const access = await jwtVerify(tokens.access_token, jwks, { issuer, audience: "api://aks-vending-local" });
  assert.deepEqual(access.payload["roles"], ["Clusters.Read", "Team.payments"]);
  assert.equal(access.payload["name"], "alice");
  const id = await jwtVerify(tokens.id_token, jwks, { issuer, audience: CLIENT });
  assert.equal(id.payload["nonce"], "n1");
  assert.equal(JSON.parse(Buffer.from(tokens.client_info, "base64url").toString()).uid, id.payload["oid"]);

  // A code is good once.
  const again = await exchange(verifier);
  assert.equal(again.status, 400);
  assert.equal((JSON.parse(again.body) as { error: string }).error, "invalid_grant");
});

test("the token endpoint refuses a code without the matching code_verifier or redirect URI", async (t) => {
  const c = await startForTest(t);
  const { issuer, caPem } = c.emulator;
  const token = `${issuer.replace(/\/v2\.0$/, "")}/oauth2/v2.0/token`;
  for (const [what, form] of [
    [
      "another verifier",
      (code: string) => ({ code, code_verifier: pkce().verifier, redirect_uri: REDIRECT }),
    ],
    ["no verifier", (code: string) => ({ code, redirect_uri: REDIRECT })],
    [
      "another redirect URI",
      (code: string, v: string) => ({ code, code_verifier: v, redirect_uri: "http://127.0.0.1:9/" }),
    ],
  ] as const) {
    const { verifier, challenge } = pkce();
    const code = (await signIn(issuer, caPem, challenge)).searchParams.get("code")!;
    const r = await call(token, caPem, "POST", {
      grant_type: "authorization_code",
      client_id: CLIENT,
      ...form(code, verifier),
    });
    assert.equal(r.status, 400, what);
    assert.match((JSON.parse(r.body) as { error: string }).error, /invalid_grant|invalid_request/, what);
  }
});

test("the authorize endpoint requires PKCE with S256 and a loopback redirect URI", async (t) => {
  const c = await startForTest(t);
  const { issuer, caPem } = c.emulator;
  const authorize = `${issuer.replace(/\/v2\.0$/, "")}/oauth2/v2.0/authorize`;
  const base = { client_id: CLIENT, response_type: "code", state: "s" };
  const plain = await call(
    `${authorize}?${new URLSearchParams({ ...base, redirect_uri: REDIRECT, code_challenge: "abc", code_challenge_method: "plain" })}`,
    caPem,
  );
  assert.equal(plain.status, 302);
  const location = new URL(String(plain.headers["location"]));
  assert.equal(location.searchParams.get("error"), "invalid_request");
  assert.equal(location.searchParams.get("state"), "s");
  const remote = await call(
    `${authorize}?${new URLSearchParams({ ...base, redirect_uri: "https://evil.example/cb", code_challenge: "abc", code_challenge_method: "S256" })}`,
    caPem,
  );
  assert.equal(remote.status, 400);
  assert.equal(remote.headers["location"], undefined, "never redirects to a non-loopback address");
});
