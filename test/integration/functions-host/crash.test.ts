// Crash safety: kill -9 the host process at several points of an orchestration with activities, retries, a
// timer, fan-out and a sub-orchestration, restart it each time on the same state, and check the outcome.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { DatabaseSync } from "../../../emulators/functions-host/durable/sqlite.js";
import { fixture, repoRoot, waitFor } from "./helpers.js";

interface HostProcess {
  child: ChildProcess;
  url: string;
  exited: Promise<NodeJS.Signals | number | null>;
}

const TIME_SCALE = "0.002"; // 30 emulated minutes = 3.6 s real

async function startHostProcess(stateDir: string, crashAt?: string): Promise<HostProcess> {
  const child = spawn(
    process.execPath,
    [
      join(repoRoot, "dist/emulators/functions-host/main.js"),
      "--app-dir",
      fixture("durable"),
      "--port",
      "0",
      "--state-dir",
      stateDir,
      "--time-scale",
      TIME_SCALE,
      "--log-level",
      "none",
    ],
    {
      env: { ...process.env, FIXTURE_STATE_DIR: stateDir, AKSV_FUNCTIONS_HOST_CRASH_AT: crashAt ?? "" },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.once("exit", (code, signal) => resolve(signal ?? code)),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      if (line.startsWith('{"listening"')) resolve((JSON.parse(line) as { listening: string }).listening);
    });
    void exited.then((how) => reject(new Error(`host exited before listening (${String(how)})`)));
  });
  return { child, url, exited };
}

/** How the process ended, or a clear failure if the crash point was never reached. */
async function crashed(host: HostProcess, what: string): Promise<NodeJS.Signals | number | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the host did not crash at ${what} within 60 s`)), 60_000);
  });
  try {
    return await Promise.race([host.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function status(
  url: string,
  id: string,
): Promise<{ runtimeStatus: string; output: unknown } | undefined> {
  const res = await fetch(`${url}/durabletask/instances/${id}`);
  return res.status === 404 ? undefined : ((await res.json()) as { runtimeStatus: string; output: unknown });
}

test("kill -9 at several points: the orchestration resumes from its history and completes exactly once", async (t) => {
  const stateDir = await mkdtemp(join(tmpdir(), "aksv-fh-crash-"));
  let current: HostProcess | undefined;
  t.after(async () => {
    current?.child.kill("SIGKILL");
    await rm(stateDir, { recursive: true, force: true });
  });
  const id = "crash-1";

  // 1. Dies after the first activity returned, before its result is recorded.
  current = await startHostProcess(stateDir, "activity-finished:1");
  const started = await fetch(`${current.url}/api/orchestrators/Crashy/${id}`, {
    method: "POST",
    body: JSON.stringify("k1"),
  });
  assert.equal(started.status, 202);
  assert.equal(await crashed(current, "activity-finished:1"), "SIGKILL");

  // 2. Dies after an orchestrator episode ran but before it was committed; 3. right after a commit.
  for (const point of ["episode-finished:3", "episode-committed:3"]) {
    current = await startHostProcess(stateDir, point);
    assert.equal(await crashed(current, point), "SIGKILL", `crashed at ${point}`);
  }

  // 4. Killed from outside while the 30-minute durable timer is pending; the timer falls due while down.
  current = await startHostProcess(stateDir);
  const host4 = current;
  await waitFor("the long timer to be created", async () => {
    const events = await fetch(`${host4.url}/durabletask/instances/${id}?showHistory=true`).then(
      (r) => r.json() as Promise<{ historyEvents: { EventType: string }[] }>,
    );
    return events.historyEvents.filter((e) => e.EventType === "TimerCreated").length >= 3 ? true : undefined;
  });
  current.child.kill("SIGKILL");
  assert.equal(await current.exited, "SIGKILL");
  await new Promise((r) => setTimeout(r, 3700)); // > 3.6 s: the timer is due when the host comes back

  // 5. Dies after the second of the fan-out activities returned; 6. runs to the end.
  current = await startHostProcess(stateDir, "activity-finished:2");
  assert.equal(await crashed(current, "activity-finished:2"), "SIGKILL");
  current = await startHostProcess(stateDir);
  const host6 = current;
  const final = await waitFor("completion", async () => {
    const s = await status(host6.url, id);
    return s && s.runtimeStatus !== "Running" && s.runtimeStatus !== "Pending" ? s : undefined;
  });
  assert.equal(final.runtimeStatus, "Completed", JSON.stringify(final.output));
  assert.deepEqual(final.output, [
    "k1-a",
    { key: "k1-flaky", attempt: 3 },
    ["k1-b", "k1-c"],
    "Hello k1 from a parent!",
    "k1-d",
  ]);

  // At-least-once: the activity that was running at the first crash ran again.
  assert.ok((await readFile(join(stateDir, "attempts-record-k1-a.log"), "utf8")).length >= 2);

  // Nothing completed twice: every scheduled id has at most one completion in the stored history.
  const db = new DatabaseSync(join(stateDir, "functions-host", "FixtureHub.sqlite"), { readOnly: true });
  t.after(() => db.close());
  const rows = db.prepare("SELECT event FROM history WHERE instance_id = ? ORDER BY seq").all(id) as {
    event: string;
  }[];
  const events = rows.map(
    (r) =>
      JSON.parse(r.event) as {
        EventType: number;
        EventId: number;
        TaskScheduledId?: number;
        TimerId?: number;
      },
  );
  const completions = events
    .filter((e) => [5, 6, 8, 9, 11].includes(e.EventType))
    .map((e) => e.TaskScheduledId ?? e.TimerId);
  assert.equal(
    new Set(completions).size,
    completions.length,
    `duplicate completions in ${JSON.stringify(completions)}`,
  );
  const scheduled = events.filter((e) => [4, 7, 10].includes(e.EventType)).map((e) => e.EventId);
  assert.deepEqual(
    [...completions].sort((a, b) => a! - b!),
    [...scheduled].sort((a, b) => a - b),
    "every scheduled task, timer and sub-orchestration completed once",
  );
  assert.equal(events.filter((e) => e.EventType === 1).length, 1, "one ExecutionCompleted");
  host6.child.kill("SIGTERM");
  assert.equal(await host6.exited, 0, "SIGTERM shuts the host down cleanly");
});
