// The Table service emulator through the REAL @azure/data-tables client with a TokenCredential from
// the emulator's issuer: tables, insert/upsert/get/query/delete, If-Match, and the error codes the
// SDK parses.
import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { odata, RestError, TableClient, TableServiceClient } from "@azure/data-tables";
import { credentialFor, startForTest } from "./helpers.js";

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

describe("Table service emulator (real @azure/data-tables)", () => {
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

  it("refuses requests without a token, and tokens for another audience", async (t) => {
    const c = await clients(t);
    const anonymous = new TableClient(c.url, "callbacks", c.options);
    await rejectsWith(anonymous.createTable(), 401, "NoAuthenticationInformation");
    const armToken = await c.emulator.issueToken({
      audience: "https://management.azure.com",
      subject: "x",
      objectId: "x",
    });
    const wrong = new TableClient(
      c.url,
      "callbacks",
      { getToken: async () => ({ token: armToken, expiresOnTimestamp: Date.now() + 3_600_000 }) },
      c.options,
    );
    await rejectsWith(wrong.createTable(), 401, "InvalidAuthenticationInfo");
    // The same identity with the storage audience is accepted.
    await new TableClient(c.url, "callbacks", credentialFor(c.emulator), c.options).createTable();
  });
});
