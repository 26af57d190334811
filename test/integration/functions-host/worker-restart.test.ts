// While the language worker restarts (it exited: the app threw an uncaught exception), the HTTP API
// answers 503 with Retry-After, not 500; once the new worker is up, requests succeed again. The test
// waits for the host's own "Restarting it" log line, not for a length of time.
import { test } from "node:test";
import assert from "node:assert/strict";
import { startTestHost, waitFor } from "./helpers.js";

test("while the language worker restarts, HTTP triggers answer 503 with Retry-After; then they work again", async (t) => {
  let restarting: () => void = () => {};
  const exited = new Promise<void>((resolve) => (restarting = resolve));
  const host = await startTestHost(t, "durable", {
    logLevel: "error",
    logSink: (line) => {
      if (line.includes("The language worker exited") && line.includes("Restarting it")) restarting();
    },
    // A restart window wide enough that the request below lands inside it on a loaded machine.
    workerRestartDelayMs: 3000,
  });
  assert.equal((await fetch(`${host.url}/api/crash-worker`, { method: "POST" })).status, 200);
  await exited;

  const during = await fetch(`${host.url}/api/hooks`);
  assert.equal(during.status, 503);
  assert.equal(during.headers.get("retry-after"), "2");
  const body = (await during.json()) as { error: { code: string; message: string } };
  assert.equal(body.error.code, "LanguageWorkerRestarting");
  assert.doesNotMatch(body.error.message, /not running/);

  await waitFor("the new language worker", async () => {
    const res = await fetch(`${host.url}/admin/host/status`, {
      headers: { "x-functions-key": host.keys.masterKey },
    });
    const status = (await res.json()) as { workerStarts: number; state: string };
    return status.workerStarts === 2 && status.state === "Running" ? true : undefined;
  });
  assert.equal((await fetch(`${host.url}/api/hooks`)).status, 200);
});
