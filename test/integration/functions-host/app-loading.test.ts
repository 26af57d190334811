import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startFunctionsHost } from "../../../emulators/functions-host/index.js";
import { fixture, repoRoot, startTestHost, waitFor, waitForFinal } from "./helpers.js";

test("the host loads this repository's app (package.json main) and serves GET /api/openapi.json", async (t) => {
  const host = await startTestHost(t, repoRoot);
  const res = await fetch(`${host.url}/api/openapi.json`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /application\/json/);
  const doc = (await res.json()) as { openapi: string; info: { title: string } };
  assert.match(doc.openapi, /^3\./);
  assert.equal(doc.info.title, "aks-vending");
  assert.equal(host.settings.hubName, "AksVendingHub", "host.json of the app is read");
});

test("a CommonJS app gets local.settings.json Values as environment and its host.json routePrefix", async (t) => {
  const host = await startTestHost(t, "cjs-app", { env: { FIXTURE_OVERRIDDEN: "option" } });
  const res = await fetch(`${host.url}/v1/custom/greeting`);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { greeting: "from local.settings.json", overridden: "option" });
  assert.equal((await fetch(`${host.url}/api/greeting`)).status, 404);
});

test("apps the worker would reject fail to start with a clear message", async (t) => {
  const stateDir = await mkdtemp(join(tmpdir(), "aksv-fh-bad-"));
  t.after(() => rm(stateDir, { recursive: true, force: true }));
  const start = (app: string) =>
    startFunctionsHost({ appDir: fixture(app), port: 0, stateDir, logLevel: "none" });
  await assert.rejects(start("bad-duplicate"), /"twice" has already been registered/);
  await assert.rejects(start("bad-trigger"), /trigger type 'queueTrigger'.*not support/);
  await assert.rejects(start("does-not-exist"), /package\.json/);
});

test("hooks run, registrations after start-up are refused, and the host status needs the master key", async (t) => {
  const host = await startTestHost(t, "durable");
  const late = await fetch(`${host.url}/api/late`);
  assert.equal(late.status, 409);
  assert.equal(await late.text(), "A function can only be registered during app startup.");

  const hooks = (await (await fetch(`${host.url}/api/hooks`)).json()) as Record<string, number>;
  assert.equal(hooks["appStart"], 1);
  assert.equal(hooks["preInvocation"], 2, "one per invocation, this one included");
  assert.equal(
    hooks["postInvocation"],
    2,
    "postInvocation runs before the response is serialized, as in the worker",
  );

  assert.equal((await fetch(`${host.url}/admin/host/status`)).status, 401);
  const status = await fetch(`${host.url}/admin/host/status`, {
    headers: { "x-functions-key": host.keys.masterKey },
  });
  assert.equal(status.status, 200);
  const body = (await status.json()) as { state: string; functions: { name: string; kind: string }[] };
  assert.equal(body.state, "Running");
  assert.ok(body.functions.some((f) => f.name === "Sequence" && f.kind === "orchestration"));
  assert.ok(body.functions.some((f) => f.name === "Hello" && f.kind === "activity"));
});

test("an uncaught exception in the app restarts the language worker and queued work continues", async (t) => {
  const host = await startTestHost(t, "durable");
  assert.equal((await fetch(`${host.url}/api/crash-worker`, { method: "POST" })).status, 200);
  await waitFor("a second language worker", async () => {
    const res = await fetch(`${host.url}/admin/host/status`, {
      headers: { "x-functions-key": host.keys.masterKey },
    });
    const body = (await res.json()) as { workerStarts: number; state: string };
    return body.workerStarts === 2 && body.state === "Running" ? true : undefined;
  });
  const id = await host.client.startNew("Sequence", { input: ["after the crash"] });
  const status = await waitForFinal(host.client, id);
  assert.deepEqual(status.output, ["Hello after the crash!"]);
  const hooks = (await (await fetch(`${host.url}/api/hooks`)).json()) as Record<string, number>;
  assert.equal(hooks["appStart"], 1, "the new worker loaded the app afresh");
});

test("context.log lines pass the app's log hooks and reach the host log with the function name", async (t) => {
  const lines: string[] = [];
  const host = await startTestHost(t, "durable", {
    logLevel: "information",
    logSink: (line) => lines.push(line),
  });
  const res = await fetch(`${host.url}/api/orchestrators/Sequence/logged`, { method: "POST", body: "[]" });
  assert.equal(res.status, 202);
  assert.ok(
    lines.some((l) =>
      l.includes("[Functions.startOrchestration] [tagged by log hook] Started orchestration logged"),
    ),
  );
  assert.ok(
    lines.some((l) =>
      /Executed 'Functions\.startOrchestration' \(Succeeded, Id=[0-9a-f-]{36}, Duration=[\d.]+ms\)/.test(l),
    ),
  );
});
