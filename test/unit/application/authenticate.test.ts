// The API's gate before any cluster route: fail closed without configuration, generic 401s whose
// reason goes to the log only.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { authenticate, isCaller } from "../../../application/authenticate.js";
import { loadConfig } from "../../../shared/config/index.js";

function recorder() {
  const lines: string[] = [];
  return {
    lines,
    log: { warn: (m: string) => lines.push(`warn ${m}`), error: (m: string) => lines.push(`error ${m}`) },
  };
}

describe("authenticate", () => {
  it("refuses every request with 503 AuthenticationNotConfigured when no issuer or audience is set, and logs it", async () => {
    const { lines, log } = recorder();
    const result = await authenticate(
      loadConfig({ AKSV_AUTH_ISSUER: "https://issuer.test" }).auth,
      "Bearer a.b.c",
      log,
    );
    assert.ok(!isCaller(result));
    assert.equal(result.status, 503);
    assert.equal((result.jsonBody as { error: { code: string } }).error.code, "AuthenticationNotConfigured");
    assert.match(lines.join("\n"), /^error authentication is not configured/);
  });

  it("answers a malformed header with a generic 401 and logs the reason, never the token", async () => {
    const { lines, log } = recorder();
    const auth = loadConfig({
      AKSV_AUTH_ISSUER: "https://127.0.0.1:1/t",
      AKSV_AUTH_AUDIENCE: "api://x",
    }).auth;
    const result = await authenticate(auth, "Basic c2VjcmV0LXBhc3N3b3Jk", log);
    assert.ok(!isCaller(result));
    assert.equal(result.status, 401);
    assert.deepEqual(result.headers, {
      "WWW-Authenticate": 'Bearer realm="aks-vending", error="invalid_token"',
    });
    assert.equal(
      (result.jsonBody as { error: { message: string } }).error.message,
      "the bearer token is not valid for this API",
    );
    assert.match(lines.join("\n"), /^warn token rejected \(malformed\)/);
    assert.ok(!lines.join("\n").includes("c2VjcmV0LXBhc3N3b3Jk"), "the credential is not logged");
  });

  it("answers 503 (not 401) when the issuer's metadata cannot be fetched", async () => {
    const { log } = recorder();
    const auth = loadConfig({ AKSV_AUTH_ISSUER: "http://127.0.0.1:1/t", AKSV_AUTH_AUDIENCE: "api://x" }).auth;
    const result = await authenticate(auth, "Bearer aaa.bbb.ccc", log);
    assert.ok(!isCaller(result));
    assert.equal(result.status, 503);
    assert.equal((result.jsonBody as { error: { code: string } }).error.code, "AuthenticationUnavailable");
  });
});
