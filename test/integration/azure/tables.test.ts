// The local Table service (Azurite) through the REAL @azure/data-tables client with a TokenCredential
// from the emulator's issuer: tables, insert/upsert/get/query/delete, If-Match, the error codes the
// SDK parses, and what Azurite's OAuth check refuses.
import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import type { TokenCredential } from "@azure/core-auth";
import { odata, RestError, TableClient, TableServiceClient } from "@azure/data-tables";
import { generateKeyPair, SignJWT } from "jose";
import { rm } from "node:fs/promises";
import { startAzureEmulator, type AzureEmulator } from "../../../emulators/azure/index.js";
import { credentialFor } from "../../../harness/azure.js";
import { startForTest, tempStateDir } from "./helpers.js";

async function clients(t: TestContext) {
  const c = await startForTest(t);
  const options = { tlsOptions: { ca: c.emulator.caPem }, retryOptions: { maxRetries: 0 } };
  return {
    url: c.emulator.tableUrl,
    emulator: c.emulator,
    service: new TableServiceClient(c.emulator.tableUrl, c.credential, options),
    table: (name: string) => new TableClient(c.emulator.tableUrl, name, c.credential, options),
    options,
  };
}

async function rejectsWith(p: Promise<unknown>, status: number, code: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof RestError, String(e));
    assert.equal(e.statusCode, status);
    // Where the SDK itself reads the service's code (handleTableAlreadyExists): RestError.code stays
    // unset for the Table service's odata.error body.
    const body = (e.response as { parsedBody?: { odataError?: { code?: string } } } | undefined)?.parsedBody;
    assert.equal(body?.odataError?.code, code);
    assert.equal(e.response?.headers.get("x-ms-error-code"), code);
    return true;
  });
}

describe("Table service: Azurite (real @azure/data-tables)", () => {
  it("creates a table once (a second create is swallowed by the SDK as TableAlreadyExists) and lists it", async (t) => {
    const c = await clients(t);
    await c.service.createTable("callbacks");
    await c.table("callbacks").createTable();
    const names: string[] = [];
    for await (const tbl of c.service.listTables()) names.push(tbl.name!);
    assert.deepEqual(names, ["callbacks"]);
    await c.service.deleteTable("callbacks");
    await rejectsWith(c.table("callbacks").getEntity("a", "b"), 404, "TableNotFound");
  });

  it("inserts, upserts, reads, queries by PartitionKey, and deletes with If-Match", async (t) => {
    const c = await clients(t);
    const tbl = c.table("callbacks");
    await tbl.createTable();
    await tbl.createEntity({ partitionKey: "inst-1", rowKey: "task-a", token: "x", n: 1 });
    await rejectsWith(
      tbl.createEntity({ partitionKey: "inst-1", rowKey: "task-a" }),
      409,
      "EntityAlreadyExists",
    );
    await tbl.upsertEntity({ partitionKey: "inst-1", rowKey: "task-b", token: "it's" }, "Replace");
    await tbl.upsertEntity({ partitionKey: "inst-2", rowKey: "task-c", token: "z" }, "Merge");
    await tbl.upsertEntity({ partitionKey: "inst-1", rowKey: "task-a", extra: true }, "Merge");

    const a = await tbl.getEntity<{ token: string; n: number; extra: boolean }>("inst-1", "task-a");
    assert.equal(a.token, "x");
    assert.equal(a.n, 1);
    assert.equal(a.extra, true);
    assert.ok(a.etag.startsWith('W/"datetime'), a.etag);

    const rows: string[] = [];
    for await (const e of tbl.listEntities({ queryOptions: { filter: odata`PartitionKey eq ${"inst-1"}` } }))
      rows.push(`${e.partitionKey}/${e.rowKey}`);
    assert.deepEqual(rows, ["inst-1/task-a", "inst-1/task-b"]);
    const quoted = await tbl.getEntity<{ token: string }>("inst-1", "task-b");
    assert.equal(quoted.token, "it's");

    // A stale ETag is refused; the current one (or "*") deletes.
    await tbl.updateEntity({ partitionKey: "inst-1", rowKey: "task-a", n: 2 }, "Merge", { etag: a.etag });
    await rejectsWith(
      tbl.deleteEntity("inst-1", "task-a", { etag: a.etag }),
      412,
      "UpdateConditionNotSatisfied",
    );
    const fresh = await tbl.getEntity("inst-1", "task-a");
    await tbl.deleteEntity("inst-1", "task-a", { etag: fresh.etag });
    await rejectsWith(tbl.getEntity("inst-1", "task-a"), 404, "ResourceNotFound");
    await rejectsWith(tbl.deleteEntity("inst-1", "task-a"), 404, "ResourceNotFound");
    await rejectsWith(
      tbl.updateEntity({ partitionKey: "inst-9", rowKey: "none" }, "Replace", { etag: "*" }),
      404,
      "ResourceNotFound",
    );
  });

  it("keys with quotes, slashes-free unicode and spaces round-trip", async (t) => {
    const c = await clients(t);
    const tbl = c.table("keys");
    await tbl.createTable();
    const pk = "a'b c ü";
    await tbl.createEntity({ partitionKey: pk, rowKey: "r'1", v: "ok" });
    assert.equal((await tbl.getEntity<{ v: string }>(pk, "r'1")).v, "ok");
    await tbl.deleteEntity(pk, "r'1");
  });

  it("keeps its rows across a restart on the same state directory, and drops them on reset", async (t) => {
    const stateDir = await tempStateDir();
    const started: AzureEmulator[] = [];
    t.after(async () => {
      for (const e of started) await e.stop();
      await rm(stateDir, { recursive: true, force: true });
    });
    const start = async (reset: boolean) => {
      const emulator = await startAzureEmulator({ port: 0, stateDir, reset });
      started.push(emulator);
      const options = { tlsOptions: { ca: emulator.caPem }, retryOptions: { maxRetries: 0 } };
      return { emulator, tbl: new TableClient(emulator.tableUrl, "kept", credentialFor(emulator), options) };
    };
    const first = await start(true);
    await first.tbl.createTable();
    await first.tbl.createEntity({ partitionKey: "p", rowKey: "r", v: "before" });
    await first.emulator.stop();

    const second = await start(false);
    assert.equal((await second.tbl.getEntity<{ v: string }>("p", "r")).v, "before");
    await second.emulator.stop();

    const third = await start(true);
    await rejectsWith(third.tbl.getEntity("p", "r"), 404, "TableNotFound");
  });

  // Azurite answers authentication failures with 403 and an XML body whatever the Accept header;
  // Azure Storage answers 401 with a bearer challenge (see emulators/azure/README.md).
  async function refusedWith(p: Promise<unknown>, code: string, detail?: string): Promise<void> {
    await assert.rejects(p, (e: unknown) => {
      assert.ok(e instanceof RestError, String(e));
      assert.equal(e.statusCode, 403);
      assert.equal(e.response?.headers.get("x-ms-error-code"), code);
      if (detail)
        assert.ok(
          e.response?.bodyAsText?.includes(
            `<AuthenticationErrorDetail>${detail}</AuthenticationErrorDetail>`,
          ),
          e.response?.bodyAsText ?? "no body",
        );
      return true;
    });
  }

  /** A token signed with a key of its own, shaped as Entra ID's v1.0 tokens. */
  async function selfMadeToken(tenantId: string, audience: string): Promise<TokenCredential> {
    const { privateKey } = await generateKeyPair("RS256");
    const token = await new SignJWT({ tid: tenantId, oid: "x", ver: "1.0" })
      .setProtectedHeader({ alg: "RS256" })
      .setIssuer(`https://sts.windows.net/${tenantId}/`)
      .setAudience(audience)
      .setSubject("x")
      .setIssuedAt()
      .setNotBefore("0s")
      .setExpirationTime("1h")
      .sign(privateKey);
    return { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3_600_000 }) };
  }

  it("refuses requests without a token, expired tokens, and tokens of another issuer or audience", async (t) => {
    const c = await clients(t);
    const withToken = (credential: TokenCredential) =>
      new TableClient(c.url, "callbacks", credential, c.options).createTable();
    const issued = async (audience: string, expiresInSeconds?: number): Promise<TokenCredential> => {
      const token = await c.emulator.issueToken({
        audience,
        subject: "x",
        objectId: "x",
        ...(expiresInSeconds !== undefined ? { expiresInSeconds } : {}),
      });
      return { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3_600_000 }) };
    };
    await refusedWith(new TableClient(c.url, "callbacks", c.options).createTable(), "AuthorizationFailure");
    // ARM tokens come from the emulator's own (v2.0) issuer, not from https://sts.windows.net/.
    await refusedWith(
      withToken(await issued("https://management.azure.com")),
      "AuthenticationFailed",
      "Invalid token issuer.",
    );
    await refusedWith(
      withToken(await selfMadeToken(c.emulator.tenantId, "https://management.azure.com")),
      "AuthenticationFailed",
      "Invalid token audience.",
    );
    await refusedWith(
      withToken(await issued("https://storage.azure.com", -60)),
      "AuthenticationFailed",
      "Lifetime validation failed. The token is expired.",
    );
    // The same identity with the storage audience is accepted.
    await new TableClient(c.url, "callbacks", credentialFor(c.emulator), c.options).createTable();
  });

  it("accepts a storage token nobody it knows signed: Azurite's basic OAuth checks no signature (a gap the README lists)", async (t) => {
    const c = await clients(t);
    const forged = await selfMadeToken(c.emulator.tenantId, "https://storage.azure.com");
    await new TableClient(c.url, "forged", forged, c.options).createTable();
    const names: string[] = [];
    for await (const tbl of c.service.listTables()) names.push(tbl.name!);
    assert.deepEqual(names, ["forged"]);
  });
});
