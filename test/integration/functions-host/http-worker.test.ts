// HTTP triggers in a language worker of their own (separateHttpWorker, as Flex Consumption scales
// them apart from the Durable functions): the HTTP trigger and the activity answer from different
// processes, both workers count in workerStarts; by default one process runs everything.
import { test } from "node:test";
import assert from "node:assert/strict";
import { startTestHost, waitForFinal, type TestHost } from "./helpers.js";

async function pids(host: TestHost): Promise<{ http: number; activity: number; workerStarts: number }> {
  const http = ((await (await fetch(`${host.url}/api/pid`)).json()) as { pid: number }).pid;
  const id = await host.client.startNew("WhichProcess");
  const activity = (await waitForFinal(host.client, id)).output as number;
  const status = (await (
    await fetch(`${host.url}/admin/host/status`, { headers: { "x-functions-key": host.keys.masterKey } })
  ).json()) as { workerStarts: number; state: string };
  assert.equal(status.state, "Running");
  return { http, activity, workerStarts: status.workerStarts };
}

test("separateHttpWorker: HTTP triggers run in another process than activities", async (t) => {
  const seen = await pids(await startTestHost(t, "durable", { separateHttpWorker: true }));
  assert.notEqual(seen.http, seen.activity);
  assert.notEqual(seen.http, process.pid);
  assert.equal(seen.workerStarts, 2);
});

test("by default one language worker runs HTTP triggers and activities", async (t) => {
  const seen = await pids(await startTestHost(t, "durable", { separateHttpWorker: false }));
  assert.equal(seen.http, seen.activity);
  assert.equal(seen.workerStarts, 1);
});
