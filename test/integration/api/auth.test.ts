// Callers of the API on the whole local stack: bearer tokens from the Azure emulator's issuer are
// required and checked (401 without the reason), roles and teams decide what a caller sees and may
// change (another team's cluster is as missing as a missing one), and the per-team quota holds under
// concurrent requests (exactly N accepted).
import assert from "node:assert/strict";
import { request as httpsRequest } from "node:https";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  calculateJwkThumbprint,
  generateKeyPair,
  importJWK,
  SignJWT,
  UnsecuredJWT,
  type CryptoKey,
  type JWK,
} from "jose";
import { guidFrom } from "../../../emulators/azure/identity/issuer.js";
import { LOCAL_API_AUDIENCE } from "../../../emulators/stack.js";
import { TAGS } from "../../../shared/azure/models.js";
import { callApi, devToken, json, startStack, waitForPhase, type Stack } from "../../../harness/stack.js";
import { assertBackstageResource } from "../../helpers/backstage.js";

const QUOTA = 2;
/** An Entra group object id that AKSV_TEAM_MAP maps to team alpha. */
const ALPHA_GROUP = "5f0c2a1e-0000-4000-8000-00000000a1fa";
/**
 * Team beta's group: an admin (no member of beta) creating beta's cluster grants the team through
 * it (a team known by app role only would have no principal but the caller: 400 TeamHasNoGroup).
 */
const BETA_GROUP = "5f0c2a1e-0000-4000-8000-0000000000be";
let stack: Stack;
let stateDir: string;
const tokens: Record<string, string> = {};

interface ArmError {
  error: { code: string; message: string; details: { path: string; message: string }[] };
}

/** A small, fast cluster: no namespaces, one node. */
const cluster = (name: string, team: string) => ({ name, team, nodePool: { count: 1 } });

function post(token: string, body: unknown): Promise<Response> {
  return callApi(stack.api, token, "/clusters", { method: "POST", body: JSON.stringify(body) });
}

async function listNames(token: string): Promise<string[]> {
  const r = await callApi(stack.api, token, "/clusters");
  assert.equal(r.status, 200);
  return (await json<{ value: { name: string }[] }>(r)).value.map((c) => c.name).sort();
}

/** GET on ARM (the Azure emulator over HTTPS, trusting its CA) with a token for ARM. */
async function armGet(path: string): Promise<{ status: number; body: { tags?: Record<string, string> } }> {
  const token = await stack.azure.issueToken({
    audience: "https://management.azure.com",
    subject: "test",
    objectId: "00000000-0000-0000-0000-0000000000aa",
  });
  const url = new URL(`${stack.azure.url}/subscriptions/${stack.azure.subscriptionId}${path}`);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      { ca: stack.azure.caPem, headers: { authorization: `Bearer ${token}` } },
      (res) => {
        let text = "";
        res.on("data", (d: Buffer) => (text += d.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : {} }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** The Azure emulator's own signing key (from its state file), to forge what its issuer never signs. */
async function emulatorSigningKey(): Promise<{ key: CryptoKey; kid: string }> {
  const state = JSON.parse(await readFile(join(stateDir, "azure", "state.json"), "utf8")) as {
    signingKey: JWK;
  };
  const { kty, n, e } = state.signingKey;
  return {
    key: (await importJWK(state.signingKey, "RS256")) as CryptoKey,
    kid: await calculateJwkThumbprint({ kty, n, e } as JWK),
  };
}

before(async () => {
  stateDir = await mkdtemp(join(tmpdir(), "aksv-auth-"));
  stack = await startStack({
    stateDir,
    env: {
      AKSV_TEAM_QUOTA: String(QUOTA),
      AKSV_TEAM_MAP: JSON.stringify({ [ALPHA_GROUP]: "alpha", [BETA_GROUP]: "beta" }),
    },
  });
  tokens["admin"] = await devToken(stack);
  tokens["alpha"] = await devToken(stack, { teams: ["alpha"], user: "alice" });
  tokens["alphaReader"] = await devToken(stack, { teams: ["alpha"], roles: ["Clusters.Read"], user: "rita" });
  tokens["alphaNoRole"] = await devToken(stack, { teams: ["alpha"], roles: [], user: "nora" });
  tokens["alphaByGroup"] = await devToken(stack, {
    groups: [ALPHA_GROUP],
    roles: ["Clusters.Read"],
    user: "gina",
  });
  tokens["beta"] = await devToken(stack, { teams: ["beta"], user: "bob" });
  tokens["gamma"] = await devToken(stack, { teams: ["gamma"], user: "gus" });
  tokens["delta"] = await devToken(stack, { teams: ["delta"], user: "dora" });
});

after(async () => {
  await stack?.stop();
  await rm(stateDir, { recursive: true, force: true });
});

describe("authentication", () => {
  it("refuses missing and bad tokens with 401 and WWW-Authenticate, without the reason, starting nothing", async () => {
    const now = Math.floor(Date.now() / 1000);
    const other = await generateKeyPair("RS256");
    const issuerKey = await emulatorSigningKey();
    const valid = tokens["alphaReader"]!;
    const [head, payload, signature] = valid.split(".") as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString()) as { roles: string[] };
    const elevated = Buffer.from(JSON.stringify({ ...claims, roles: ["Clusters.Admin"] })).toString(
      "base64url",
    );
    const bad: Record<string, string | undefined> = {
      missing: undefined,
      "not a bearer token": "Basic dXNlcjpwYXNz",
      expired: `Bearer ${await devToken(stack, { teams: ["alpha"], expiresInSeconds: -600 })}`,
      "wrong audience": `Bearer ${await stack.azure.issueToken({
        audience: "api://someone-else",
        subject: "alice",
        objectId: "alice",
        claims: { roles: ["Clusters.Admin"] },
      })}`,
      "wrong issuer (another key, another iss)": `Bearer ${await new SignJWT({ roles: ["Clusters.Admin"] })
        .setProtectedHeader({ alg: "RS256", kid: "evil" })
        .setIssuer("https://login.evil.test/tenant/v2.0")
        .setAudience(LOCAL_API_AUDIENCE)
        .setSubject("mallory")
        .setIssuedAt(now)
        .setExpirationTime(now + 600)
        .sign(other.privateKey)}`,
      "no exp (signed by the issuer's own key: valid forever)": `Bearer ${await new SignJWT({
        roles: ["Clusters.Admin"],
      })
        .setProtectedHeader({ alg: "RS256", kid: issuerKey.kid })
        .setIssuer(stack.azure.issuer)
        .setAudience(LOCAL_API_AUDIENCE)
        .setSubject("mallory")
        .setIssuedAt(now)
        .sign(issuerKey.key)}`,
      "tampered payload": `Bearer ${head}.${elevated}.${signature}`,
      "alg none": `Bearer ${new UnsecuredJWT({ roles: ["Clusters.Admin"] })
        .setIssuer(stack.azure.issuer)
        .setAudience(LOCAL_API_AUDIENCE)
        .setSubject("mallory")
        .setIssuedAt(now)
        .setExpirationTime(now + 600)
        .encode()}`,
    };
    const routes: [string, string][] = [
      ["POST", "/clusters"],
      ["GET", "/clusters"],
      ["GET", "/clusters/x1"],
      ["DELETE", "/clusters/x1"],
      ["GET", "/clusters/x1/kubeconfig"],
      ["GET", "/clusters/x1/catalog-info"],
    ];
    for (const [why, authorization] of Object.entries(bad))
      for (const [method, path] of routes) {
        const r = await fetch(`${stack.api}${path}`, {
          method,
          headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
          ...(method === "POST" ? { body: JSON.stringify(cluster("x1", "alpha")) } : {}),
        });
        const label = `${why}: ${method} ${path}`;
        assert.equal(r.status, 401, label);
        const challenge = r.headers.get("www-authenticate") ?? "";
        assert.match(challenge, /^Bearer realm="aks-vending"/, label);
        assert.equal(challenge.includes("invalid_token"), authorization !== undefined, label);
        const text = await r.text();
        assert.equal((JSON.parse(text) as ArmError).error.code, "AuthenticationFailed", label);
        assert.doesNotMatch(text, /expired|audience|issuer|signature|alg|aud|iss|exp/i, `${label}: ${text}`);
      }
    assert.deepEqual(await listNames(tokens["admin"]!), [], "no cluster was started");
    assert.equal(stack.azure.recorder.query({ method: "PUT" }).length, 0, "no ARM write");
  });

  it("serves the OpenAPI document anonymously, naming the issuer's metadata and the audience", async () => {
    const r = await fetch(`${stack.api}/openapi.json`);
    assert.equal(r.status, 200);
    const doc = await json<{ components: { securitySchemes: { entra: Record<string, string> } } }>(r);
    assert.equal(
      doc.components.securitySchemes.entra["openIdConnectUrl"],
      `${stack.azure.issuer}/.well-known/openid-configuration`,
    );
    assert.equal(doc.components.securitySchemes.entra["x-aks-vending-audience"], LOCAL_API_AUDIENCE);
  });
});

describe("authorization", () => {
  it("lets a team member create for its team, records who asked, and tags the resources with the token's team", async () => {
    const r = await post(tokens["alpha"]!, cluster("alpha-one", "alpha"));
    assert.equal(r.status, 202, await r.clone().text());
    const doc = await waitForPhase(stack.api, tokens["alpha"]!, "alpha-one", ["Succeeded", "Failed"]);
    assert.equal(doc.phase, "Succeeded", JSON.stringify(doc.error));
    const full = await json<{ requestedBy: { id: string; name: string } }>(
      await callApi(stack.api, tokens["alpha"]!, "/clusters/alpha-one"),
    );
    // The token's Entra object id (the team's default access grant) and its user name.
    assert.deepEqual(full.requestedBy, { id: guidFrom("user:alice"), name: "alice@aks-vending.local" });
    const arm = await armGet(
      "/resourceGroups/rg-alpha-one/providers/Microsoft.ContainerService/managedClusters/alpha-one?api-version=2025-07-01",
    );
    assert.equal(arm.status, 200);
    assert.equal(arm.body.tags?.[TAGS.team], "alpha", "the Azure tag is the team of the token");
    const group = await armGet("/resourcegroups/rg-alpha-one?api-version=2025-04-01");
    assert.equal(group.body.tags?.[TAGS.team], "alpha");
  });

  it("serves the cluster as a Backstage Resource entity that Backstage's catalog accepts (GET …/catalog-info)", async () => {
    const r = await callApi(stack.api, tokens["alpha"]!, "/clusters/alpha-one/catalog-info?system=aks");
    assert.equal(r.status, 200);
    const entity = await json<{
      metadata: { name: string; annotations: Record<string, string> };
      spec: unknown;
    }>(r);
    await assertBackstageResource(entity);
    assert.equal(entity.metadata.name, "alpha-one");
    assert.deepEqual(entity.spec, {
      type: "kubernetes-cluster",
      owner: "group:default/alpha",
      system: "aks",
    });
    assert.equal(entity.metadata.annotations["aks-vending.io/phase"], "Succeeded");
    assert.match(
      entity.metadata.annotations["aks-vending.io/cluster-id"] ?? "",
      /managedClusters\/alpha-one$/,
    );
    assert.equal(
      entity.metadata.annotations["aks-vending.io/status-url"],
      `${new URL(stack.api).origin}/api/clusters/alpha-one`,
    );
  });

  it("answers for another team's cluster exactly as for a missing one: 404 on GET and kubeconfig, absent from the list", async () => {
    const beta = tokens["beta"]!;
    for (const path of ["", "/kubeconfig", "/catalog-info"]) {
      const theirs = await callApi(stack.api, beta, `/clusters/alpha-one${path}`);
      const missing = await callApi(stack.api, beta, `/clusters/alpha-two${path}`);
      assert.equal(theirs.status, 404);
      assert.equal(missing.status, 404);
      const a = await json<ArmError>(theirs);
      const b = await json<ArmError>(missing);
      assert.deepEqual(
        { ...a.error, message: a.error.message.replace("alpha-one", "N") },
        { ...b.error, message: b.error.message.replace("alpha-two", "N") },
      );
    }
    assert.deepEqual(await listNames(beta), []);
    assert.deepEqual(await listNames(tokens["alpha"]!), ["alpha-one"]);
  });

  it("does not delete another team's cluster: DELETE answers as for a missing name (204) and nothing starts", async () => {
    const theirs = await callApi(stack.api, tokens["beta"]!, "/clusters/alpha-one", { method: "DELETE" });
    const missing = await callApi(stack.api, tokens["beta"]!, "/clusters/alpha-two", { method: "DELETE" });
    assert.equal(theirs.status, missing.status);
    assert.equal(theirs.status, 204);
    assert.equal(stack.azure.recorder.query({ method: "DELETE" }).length, 0, "no ARM delete");
    const doc = await waitForPhase(stack.api, tokens["alpha"]!, "alpha-one", ["Succeeded"]);
    assert.equal(doc.phase, "Succeeded");
  });

  it("lets a read-only caller read its team's clusters and their secret-free kubeconfig, but not create or delete them (403 naming the role)", async () => {
    const reader = tokens["alphaReader"]!;
    assert.equal((await callApi(stack.api, reader, "/clusters/alpha-one")).status, 200);
    assert.deepEqual(await listNames(reader), ["alpha-one"]);
    const create = await post(reader, cluster("alpha-two", "alpha"));
    const remove = await callApi(stack.api, reader, "/clusters/alpha-one", { method: "DELETE" });
    for (const r of [create, remove]) {
      assert.equal(r.status, 403);
      const e = await json<ArmError>(r);
      assert.equal(e.error.code, "AuthorizationFailed");
      assert.match(e.error.message, /Clusters\.Write/);
    }
    assert.deepEqual(await listNames(tokens["alphaByGroup"]!), ["alpha-one"], "team from the groups claim");
    // The cluster has Entra ID (the default): its kubeconfig holds no secret, so a reader gets it,
    // the same as a writer's; what either may do in the cluster is its Azure RBAC's to decide.
    const kubeconfig = await callApi(stack.api, reader, "/clusters/alpha-one/kubeconfig");
    assert.equal(kubeconfig.status, 200);
    const yaml = await kubeconfig.text();
    assert.match(yaml, /apiVersion: client\.authentication\.k8s\.io\/v1/);
    assert.doesNotMatch(yaml, /token:|client-key-data|client-certificate-data|password/);
    const writer = await callApi(stack.api, tokens["alpha"]!, "/clusters/alpha-one/kubeconfig");
    assert.equal(writer.status, 200);
    assert.equal(await writer.text(), yaml, "the same kubeconfig for every reader of the cluster");
    const noRole = tokens["alphaNoRole"]!;
    for (const path of ["/clusters", "/clusters/alpha-one", "/clusters/alpha-one/kubeconfig"])
      assert.equal((await callApi(stack.api, noRole, path)).status, 403, `no role: GET ${path}`);
  });

  it("refuses a create for a team the caller is not in (403 naming the team and the caller's teams)", async () => {
    const r = await post(tokens["alpha"]!, cluster("beta-by-alice", "beta"));
    assert.equal(r.status, 403);
    const e = await json<ArmError>(r);
    assert.equal(e.error.code, "AuthorizationFailed");
    assert.match(e.error.message, /team beta/);
    assert.match(e.error.message, /your teams: alpha/);
    assert.equal(e.error.details[0]?.path, "team");
  });

  it("lets an admin create for any team and see every team's clusters", async () => {
    const r = await post(tokens["admin"]!, cluster("beta-one", "beta"));
    assert.equal(r.status, 202, await r.clone().text());
    assert.deepEqual(await listNames(tokens["admin"]!), ["alpha-one", "beta-one"]);
    assert.deepEqual(await listNames(tokens["beta"]!), ["beta-one"]);
    assert.equal((await callApi(stack.api, tokens["admin"]!, "/clusters/alpha-one")).status, 200);
  });
});

describe("per-team quota", () => {
  it(`accepts exactly ${QUOTA} of 6 concurrent creates for one team, leaves other teams alone, and frees a claim on delete`, async () => {
    const gamma = tokens["gamma"]!;
    const names = Array.from({ length: 6 }, (_, i) => `gamma-${i}`);
    const [delta, ...answers] = await Promise.all([
      post(tokens["delta"]!, cluster("delta-0", "delta")),
      ...names.map((n) => post(gamma, cluster(n, "gamma"))),
    ]);
    assert.equal(delta!.status, 202, "another team is unaffected");
    const statuses = answers.map((r) => r.status);
    assert.deepEqual([...statuses].sort(), [202, 202, 409, 409, 409, 409], statuses.join(","));
    const accepted = names.filter((_, i) => statuses[i] === 202).sort();
    for (const r of answers.filter((x) => x.status === 409)) {
      const e = await json<ArmError>(r);
      assert.equal(e.error.code, "QuotaExceeded");
      assert.equal(
        e.error.message,
        `team gamma has 2 of 2 clusters (AKSV_TEAM_QUOTA); delete one of: ${accepted.join(", ")} or ask the platform team to raise the quota`,
      );
    }
    assert.deepEqual(await listNames(gamma), accepted);

    // The same request again is the same cluster: it is not counted twice.
    const again = await post(gamma, cluster(accepted[0]!, "gamma"));
    assert.ok([200, 202].includes(again.status), `repeat: ${again.status}`);
    assert.equal((await post(gamma, cluster("gamma-9", "gamma"))).status, 409);

    // Deleting during the AKS create is another story (AKS refuses with OperationNotAllowed): let it finish.
    await waitForPhase(stack.api, gamma, accepted[0]!, ["Succeeded"]);
    const del = await callApi(stack.api, gamma, `/clusters/${accepted[0]}`, { method: "DELETE" });
    assert.equal(del.status, 202);
    await waitForPhase(stack.api, gamma, accepted[0]!, ["Deleted"]);
    const next = await post(gamma, cluster("gamma-9", "gamma"));
    assert.equal(next.status, 202, await next.clone().text());
    assert.equal((await post(gamma, cluster("gamma-10", "gamma"))).status, 409, "still two at most");
  });
});
