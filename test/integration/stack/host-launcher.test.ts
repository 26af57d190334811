// A Functions host spawned by the harness (spawnHost, as kill -9 tests and the scale bench run it)
// ends with the process that launched it, even when that process is killed with SIGKILL: its
// standard input is a pipe from the launcher, and `--exit-with-stdin` stops it when the pipe ends.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const STACK = fileURLToPath(new URL("../../../harness/stack.js", import.meta.url));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test("a spawned host stops when its launcher is killed with SIGKILL", async (t) => {
  const stateDir = await mkdtemp(join(tmpdir(), "aksv-launcher-"));
  t.after(() => rm(stateDir, { recursive: true, force: true }));
  const script = `
    const { spawnHost } = await import(${JSON.stringify(STACK)});
    const host = await spawnHost(${JSON.stringify(stateDir)}, {}, true, "none");
    console.log(JSON.stringify({ host: host.process.pid }));
    setInterval(() => {}, 1000);
  `;
  const launcher = spawn(process.execPath, ["--input-type=module", "-e", script], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const launcherExited = new Promise((r) => launcher.once("exit", r));
  const hostPid = await new Promise<number>((resolve, reject) => {
    createInterface({ input: launcher.stdout! }).on("line", (line) => {
      if (line.startsWith('{"host"')) resolve((JSON.parse(line) as { host: number }).host);
    });
    launcher.once("exit", (code) =>
      reject(new Error(`the launcher exited (${code}) before the host listened`)),
    );
  });
  t.after(() => {
    if (alive(hostPid)) process.kill(hostPid, "SIGKILL");
  });
  assert.ok(alive(hostPid), "the host runs while its launcher does");

  launcher.kill("SIGKILL");
  await launcherExited;
  const deadline = Date.now() + 30_000;
  while (alive(hostPid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.equal(alive(hostPid), false, "the host ended with its launcher");
});
