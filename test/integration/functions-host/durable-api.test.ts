import { test } from "node:test";
import assert from "node:assert/strict";
import * as df from "durable-functions";
import { startTestHost, waitFor, waitForFinal } from "./helpers.js";

test("the Durable HTTP API answers the DurableClient with the extension's status codes", async (t) => {
  // Real time: the 24 h timer in "Approval" stays pending for the whole test.
  const host = await startTestHost(t, "durable", { timeScale: 1 });
  const { client } = host;
  const webhook = `${host.url}/runtime/webhooks/durabletask`;
  const code = `code=${host.keys.systemKeys["durabletask_extension"]}`;
  const running = (id: string) =>
    waitFor(`${id} running`, async () =>
      (await client.getStatus(id)).runtimeStatus === "Running" ? true : undefined,
    );

  await t.test(
    "start: 202 with links, 400 for an unknown orchestrator, 500 for a running instance id",
    async () => {
      const res = await fetch(`${webhook}/orchestrators/Approval/api-1?${code}`, {
        method: "POST",
        body: "",
      });
      assert.equal(res.status, 202);
      assert.equal(res.headers.get("retry-after"), "10");
      const body = (await res.json()) as Record<string, string>;
      assert.equal(body["id"], "api-1");
      assert.equal(res.headers.get("location"), body["statusQueryGetUri"]);
      assert.equal(
        (await fetch(`${webhook}/orchestrators/NoSuchOrchestrator?${code}`, { method: "POST" })).status,
        400,
      );
      await assert.rejects(client.startNew("NoSuchOrchestrator"));
      assert.equal(
        (await fetch(`${webhook}/orchestrators/Approval/api-1?${code}`, { method: "POST" })).status,
        500,
      );
      assert.equal(
        (await fetch(`${webhook}/orchestrators/Sequence?${code}`, { method: "POST", body: "{not json" }))
          .status,
        400,
      );
    },
  );

  await t.test(
    "status: 202 while running, 200 when done, 404 unknown; showInput and showHistory",
    async () => {
      await running("api-1");
      const res = await fetch(`${webhook}/instances/api-1?${code}`);
      assert.equal(res.status, 202);
      assert.equal(res.headers.get("retry-after"), "5");
      const body = (await res.json()) as Record<string, unknown>;
      assert.equal(body["runtimeStatus"], "Running");
      assert.match(String(body["createdTime"]), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.equal("historyEvents" in body, false);
      assert.equal((await fetch(`${webhook}/instances/nope?${code}`)).status, 404);
      await assert.rejects(client.getStatus("nope"));

      const id = await client.startNew("Sequence", { input: ["x"] });
      await waitForFinal(client, id);
      const done = await fetch(`${webhook}/instances/${id}?${code}&showInput=false&showHistory=true`);
      assert.equal(done.status, 200);
      const doneBody = (await done.json()) as { input: unknown; historyEvents: { EventType: string }[] };
      assert.equal(doneBody.input, null);
      assert.equal(doneBody.historyEvents[0]!.EventType, "ExecutionStarted");
    },
  );

  await t.test(
    "start and wait (timeout query): 200 with the output when it finishes in time, else 202",
    async () => {
      const quick = await fetch(`${webhook}/orchestrators/Sequence?timeout=10&pollingInterval=1&${code}`, {
        method: "POST",
        body: JSON.stringify(["Rome"]),
      });
      assert.equal(quick.status, 200);
      assert.deepEqual(await quick.json(), ["Hello Rome!"]);
      const slow = await fetch(`${webhook}/orchestrators/Approval?timeout=0.2&pollingInterval=1&${code}`, {
        method: "POST",
      });
      assert.equal(slow.status, 202);
      await client.terminate(((await slow.json()) as { id: string }).id, "cleanup");
    },
  );

  await t.test("a failed instance is 200, or 500 with returnInternalServerErrorOnFailure", async () => {
    const id = await client.startNew("Throwing");
    await waitForFinal(client, id);
    assert.equal((await fetch(`${webhook}/instances/${id}?${code}`)).status, 200);
    assert.equal(
      (await fetch(`${webhook}/instances/${id}?${code}&returnInternalServerErrorOnFailure=true`)).status,
      500,
    );
  });

  await t.test("raise event: 202, 404 unknown, 400 without JSON content, 410 once finished", async () => {
    const raw = (id: string, type = "application/json") =>
      fetch(`${webhook}/instances/${id}/raiseEvent/Other?${code}`, {
        method: "POST",
        headers: { "content-type": type },
        body: '"x"',
      });
    assert.equal((await raw("api-1")).status, 202);
    assert.equal((await raw("api-1", "text/plain")).status, 400);
    assert.equal((await raw("nope")).status, 404);
    await assert.rejects(client.raiseEvent("nope", "Approval", 1), /No instance with ID/);
    await client.raiseEvent("api-1", "Approval", "bob");
    const status = await waitForFinal(client, "api-1");
    assert.deepEqual(status.output, { approvedBy: "bob" });
    assert.equal((await raw("api-1")).status, 410);
    await client.raiseEvent("api-1", "Approval", "late"); // 410 is not an error for the client
  });

  await t.test("suspend buffers events until resume; terminate ends a running instance", async () => {
    const id = await client.startNew("Approval");
    await running(id);
    await client.suspend(id, "maintenance");
    await waitFor("suspended", async () =>
      (await client.getStatus(id)).runtimeStatus === "Suspended" ? true : undefined,
    );
    await client.raiseEvent(id, "Approval", "carol");
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await client.getStatus(id)).runtimeStatus, "Suspended");
    await client.resume(id, "done");
    assert.deepEqual((await waitForFinal(client, id)).output, { approvedBy: "carol" });

    const other = await client.startNew("Approval");
    await running(other);
    await client.terminate(other, "no longer needed");
    const terminated = await waitForFinal(client, other);
    assert.equal(terminated.runtimeStatus, "Terminated");
    assert.equal(terminated.output, "no longer needed");
    assert.equal(
      (await fetch(`${webhook}/instances/${other}/terminate?${code}`, { method: "POST" })).status,
      410,
    );
    await client.terminate(other, "again"); // 410 resolves for the client
  });

  await t.test("list with filters and continuation tokens", async () => {
    const createdTimeFrom = new Date(host.clock.now() - 60_000);
    const ids = [];
    for (let i = 0; i < 3; i++)
      ids.push(await client.startNew("Sequence", { instanceId: `list-${i}`, input: [] }));
    for (const id of ids) await waitForFinal(client, id);
    const completed = await client.getStatusBy({
      createdTimeFrom,
      runtimeStatus: [df.OrchestrationRuntimeStatus.Completed],
    });
    assert.ok(ids.every((id) => completed.some((s) => s.instanceId === id)));
    assert.ok(completed.every((s) => s.runtimeStatus === "Completed"));

    const seen: string[] = [];
    let token: string | null = null;
    do {
      const res: Response = await fetch(`${webhook}/instances/?${code}&instanceIdPrefix=list-&top=2`, {
        headers: token ? { "x-ms-continuation-token": token } : {},
      });
      assert.equal(res.status, 200);
      seen.push(...((await res.json()) as { instanceId: string }[]).map((s) => s.instanceId));
      token = res.headers.get("x-ms-continuation-token");
    } while (token);
    assert.deepEqual(seen.sort(), ["list-0", "list-1", "list-2"]);
  });

  await t.test("purge one and by filter; rewind and entities are not supported (501); restart", async () => {
    const id = await client.startNew("Sequence", { input: [] });
    await waitForFinal(client, id);
    assert.equal((await client.purgeInstanceHistory(id)).instancesDeleted, 1);
    assert.equal((await fetch(`${webhook}/instances/${id}?${code}`)).status, 404);
    assert.equal((await client.purgeInstanceHistory(id)).instancesDeleted, 0);

    assert.equal((await fetch(`${webhook}/instances/?${code}`, { method: "DELETE" })).status, 400);
    const purged = await client.purgeInstanceHistoryBy({
      createdTimeFrom: new Date(0),
      runtimeStatus: [df.OrchestrationRuntimeStatus.Completed],
    });
    assert.ok(purged.instancesDeleted >= 3);
    assert.equal(
      (await client.getStatusBy({ runtimeStatus: [df.OrchestrationRuntimeStatus.Completed] })).length,
      0,
    );

    const failed = await client.startNew("Throwing");
    await waitForFinal(client, failed);
    await assert.rejects(client.rewind(failed, "try again"));
    assert.equal(
      (await fetch(`${webhook}/instances/${failed}/rewind?${code}`, { method: "POST" })).status,
      501,
    );
    assert.equal((await fetch(`${webhook}/entities/counter/one?${code}`)).status, 501);

    const restarted = await fetch(`${webhook}/instances/${failed}/restart?${code}`, { method: "POST" });
    assert.equal(restarted.status, 202);
    const newId = ((await restarted.json()) as { id: string }).id;
    assert.notEqual(newId, failed);
    assert.equal((await waitForFinal(client, newId)).name, "Throwing");
  });
});
