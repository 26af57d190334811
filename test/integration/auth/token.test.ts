// Bearer-token validation against a local OIDC issuer (metadata + JWKS served over HTTP on port 0).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type JWK, type CryptoKey } from "jose";
import { createTokenVerifier, TokenRejected, type TokenVerifier } from "../../../shared/auth/token.js";

const AUDIENCE = "api://aks-vending";
let server: Server;
let issuer: string;
let published: JWK[] = [];
let jwksFetches = 0;
let signing: { key: CryptoKey; kid: string };

async function newKey(kid: string): Promise<{ key: CryptoKey; jwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair("RS256");
  return { key: privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" } };
}

function token(
  claims: Record<string, unknown> = {},
  opts: { iss?: string; aud?: string; exp?: number; nbf?: number; key?: CryptoKey; kid?: string } = {},
) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ roles: ["Clusters.Write"], ...claims })
    .setProtectedHeader({ alg: "RS256", kid: opts.kid ?? signing.kid })
    .setIssuer(opts.iss ?? issuer)
    .setAudience(opts.aud ?? AUDIENCE)
    .setIssuedAt(now - 10)
    .setNotBefore(opts.nbf ?? now - 10)
    .setExpirationTime(opts.exp ?? now + 3600)
    .setSubject("user-1")
    .sign(opts.key ?? signing.key);
}

async function rejected(verify: TokenVerifier, header: string | undefined): Promise<string> {
  try {
    await verify(header);
  } catch (e) {
    assert.ok(e instanceof TokenRejected, `expected TokenRejected, got ${e}`);
    return e.reason;
  }
  assert.fail("the token was accepted");
}

before(async () => {
  const first = await newKey("k1");
  signing = { key: first.key, kid: "k1" };
  published = [first.jwk];
  server = createServer((req, res) => {
    res.setHeader("content-type", "application/json");
    if (req.url === "/tenant/v2.0/.well-known/openid-configuration")
      return res.end(
        JSON.stringify({ issuer, jwks_uri: `${issuer}/keys`, token_endpoint: `${issuer}/token` }),
      );
    if (req.url === "/tenant/v2.0/keys") {
      jwksFetches++;
      return res.end(JSON.stringify({ keys: published }));
    }
    res.statusCode = 404;
    res.end("{}");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tenant/v2.0`;
});
after(() => server.close());

describe("bearer token validation", () => {
  test("a valid token yields its claims", async () => {
    const verify = createTokenVerifier({ issuer, audience: AUDIENCE });
    const claims = await verify(`Bearer ${await token({ oid: "o-1" })}`);
    assert.equal(claims["oid"], "o-1");
    assert.deepEqual(claims["roles"], ["Clusters.Write"]);
  });

  test("no header, a non-bearer header and a non-JWT are refused", async () => {
    const verify = createTokenVerifier({ issuer, audience: AUDIENCE });
    assert.equal(await rejected(verify, undefined), "missing");
    assert.equal(await rejected(verify, "Basic dXNlcjpwYXNz"), "malformed");
    assert.equal(await rejected(verify, "Bearer not-a-jwt"), "malformed");
  });

  test("an expired token is refused beyond the clock skew, accepted within it", async () => {
    const now = Math.floor(Date.now() / 1000);
    const verify = createTokenVerifier({ issuer, audience: AUDIENCE, clockToleranceSeconds: 60 });
    assert.equal(
      await rejected(verify, `Bearer ${await token({}, { exp: now - 120, nbf: now - 600 })}`),
      "expired",
    );
    await verify(`Bearer ${await token({}, { exp: now - 30, nbf: now - 600 })}`);
  });

  test("a token without exp is refused (it would be valid forever), with the reason for the log", async () => {
    const now = Math.floor(Date.now() / 1000);
    const verify = createTokenVerifier({ issuer, audience: AUDIENCE });
    const forever = await new SignJWT({ roles: ["Clusters.Write"] })
      .setProtectedHeader({ alg: "RS256", kid: signing.kid })
      .setIssuer(issuer)
      .setAudience(AUDIENCE)
      .setIssuedAt(now - 10)
      .setSubject("user-1")
      .sign(signing.key);
    assert.equal(await rejected(verify, `Bearer ${forever}`), "no-expiry");
  });

  test("a token not yet valid is refused", async () => {
    const now = Math.floor(Date.now() / 1000);
    const verify = createTokenVerifier({ issuer, audience: AUDIENCE });
    assert.equal(await rejected(verify, `Bearer ${await token({}, { nbf: now + 600 })}`), "not-yet-valid");
  });

  test("wrong audience and wrong issuer are refused", async () => {
    const verify = createTokenVerifier({ issuer, audience: AUDIENCE });
    assert.equal(
      await rejected(verify, `Bearer ${await token({}, { aud: "api://other" })}`),
      "wrong-audience",
    );
    assert.equal(
      await rejected(verify, `Bearer ${await token({}, { iss: "https://evil.example/v2.0" })}`),
      "wrong-issuer",
    );
  });

  test("a tampered payload fails the signature check", async () => {
    const verify = createTokenVerifier({ issuer, audience: AUDIENCE });
    const [h, p, s] = (await token()).split(".");
    const claims = JSON.parse(Buffer.from(p!, "base64url").toString());
    claims.roles = ["Clusters.Admin"];
    const forged = `${h}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${s}`;
    assert.equal(await rejected(verify, `Bearer ${forged}`), "bad-signature");
  });

  test('alg "none" is refused even when listed', async () => {
    const verify = createTokenVerifier({ issuer, audience: AUDIENCE, algorithms: ["RS256", "none"] });
    const unsigned = new UnsecuredJWT({ roles: ["Clusters.Admin"] })
      .setIssuer(issuer)
      .setAudience(AUDIENCE)
      .setExpirationTime("1h")
      .encode();
    assert.equal(await rejected(verify, `Bearer ${unsigned}`), "algorithm");
  });

  test("a token signed by an unpublished key is refused", async () => {
    const verify = createTokenVerifier({ issuer, audience: AUDIENCE, jwksCooldownMs: 0 });
    const rogue = await newKey("k1");
    assert.equal(await rejected(verify, `Bearer ${await token({}, { key: rogue.key })}`), "bad-signature");
  });

  test("the JWKS is cached, and refetched when a token names an unknown kid (key rotation)", async () => {
    const verify = createTokenVerifier({ issuer, audience: AUDIENCE, jwksCooldownMs: 0 });
    await verify(`Bearer ${await token()}`);
    const before = jwksFetches;
    await verify(`Bearer ${await token()}`);
    await verify(`Bearer ${await token()}`);
    assert.equal(jwksFetches, before, "known kid: no refetch");
    const rotated = await newKey("k2");
    published = [...published, rotated.jwk];
    await verify(`Bearer ${await token({}, { key: rotated.key, kid: "k2" })}`);
    assert.equal(jwksFetches, before + 1, "unknown kid: one refetch");
  });
});
