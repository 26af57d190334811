// Local state (emulators/common/state-dir.ts): one owner per state directory (a second start refuses,
// naming the holder's pid; a dead holder's lock is taken over), damaged state stops the start with a
// message naming the file and --reset (never an empty start), a fresh directory starts clean, and
// every file and directory is private (0600 / 0700).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { mkdtemp, open, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { startAzureEmulator } from "../../../emulators/azure/index.js";
import { clusterKey } from "../../../emulators/common/cluster-key.js";
import { startFunctionsHost } from "../../../emulators/functions-host/index.js";
import { startKubeEmulator } from "../../../emulators/kube/index.js";
import { startLocalStack } from "../../../emulators/stack.js";
import { registration } from "../../../harness/kube.js";
import { fixture } from "../functions-host/helpers.js";

async function stateDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "aksv-state-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** The pid of a process that has ended (a stale lock's holder). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((resolve) => child.once("exit", resolve));
  return child.pid!;
}

/** Rejects with a StateDamagedError naming `file` and --reset. */
async function refusesDamaged(start: Promise<unknown>, file: string): Promise<void> {
  await assert.rejects(start, (err: Error) => {
    assert.equal(err.name, "StateDamagedError", err.message);
    assert.ok(err.message.includes(`the state file ${file} is damaged`), err.message);
    assert.match(err.message, /--reset/);
    return true;
  });
}

const host = (dir: string, reset = false) =>
  startFunctionsHost({ appDir: fixture("durable"), port: 0, stateDir: dir, logLevel: "none", reset });
const azure = (dir: string, reset = false) =>
  startAzureEmulator({ port: 0, stateDir: dir, timeScale: 0.002, reset });
const kube = (dir: string, reset = false) =>
  startKubeEmulator({ port: 0, stateDir: dir, timeScale: 0.01, reset });

test("each emulator and the host refuse a state directory in use, naming the holder's pid and the directory", async (t) => {
  const dir = await stateDir(t);
  for (const [what, start, sub] of [
    ["the Kubernetes emulator", kube, "kube"],
    ["the Azure emulator", azure, "azure"],
    ["the Functions host", host, "functions-host"],
  ] as const) {
    const first = await start(dir);
    await assert.rejects(start(dir), (err: Error) => {
      assert.equal(err.name, "StateDirInUseError");
      assert.ok(
        err.message.includes(`${join(dir, sub)} is in use by ${what} (pid ${process.pid},`),
        err.message,
      );
      return true;
    });
    // --reset must not delete what the running one holds either.
    await assert.rejects(start(dir, true), { name: "StateDirInUseError" });
    await first.stop();
    // Stopped: the lock is gone and the next start takes the directory.
    await (await start(dir)).stop();
  }
});

test("a lock left by a process that has ended (kill -9) is taken over", async (t) => {
  const dir = await stateDir(t);
  const pid = await deadPid();
  const lockFile = join(dir, "kube.lock");
  await writeFile(
    lockFile,
    JSON.stringify({ pid, holder: "the Kubernetes emulator", since: new Date().toISOString(), nonce: "old" }),
  );
  const emulator = await kube(dir);
  t.after(() => emulator.stop());
  assert.equal((JSON.parse(await readFile(lockFile, "utf8")) as { pid: number }).pid, process.pid);
});

test("npm start's stack holds the whole state directory: a second one refuses; all state is 0600 in 0700 directories", async (t) => {
  const dir = await stateDir(t);
  const options = { stateDir: dir, timeScale: 0.01, ports: { host: 0, azure: 0, kube: 0 }, logLevel: "none" };
  const stack = await startLocalStack(options);
  t.after(() => stack.stop());
  await assert.rejects(startLocalStack(options), (err: Error) => {
    assert.ok(
      err.message.includes(`${dir} is in use by npm start (the local stack) (pid ${process.pid},`),
      err.message,
    );
    return true;
  });
  // Something in every store: a cluster with an object (snapshot and write-ahead log), the ARM state.
  const reg = registration("modes");
  stack.kube.registerCluster(clusterKey(reg.resourceId), reg);
  await stack.azure.issueToken({ audience: "api://x", subject: "s", objectId: "s" });
  await stack.stop();

  const loose: string[] = [];
  const walk = (path: string) => {
    const s = statSync(path);
    const mode = s.mode & 0o777;
    // Azurite writes its own database with the process umask (npm start sets 077); its directory is private.
    const own = !path.endsWith("azurite-table.json");
    if (s.isDirectory()) {
      if (mode !== 0o700) loose.push(`${path} ${mode.toString(8)}`);
      for (const entry of readdirSync(path)) walk(join(path, entry));
    } else if (own && mode !== 0o600) loose.push(`${path} ${mode.toString(8)}`);
  };
  walk(dir);
  for (const expected of [
    "kube/clusters",
    "azure/state.json",
    "functions-host/host.keys.json",
    "ca/ca-key.pem",
  ])
    assert.ok(statSync(join(dir, expected)), expected);
  assert.ok(
    readdirSync(join(dir, "functions-host")).some((f) => f.endsWith(".sqlite")),
    "the task hub exists",
  );
  assert.deepEqual(loose, [], "every state file is 0600 and every directory 0700");

  // Stopped cleanly, the same directory starts again.
  const again = await startLocalStack(options);
  await again.stop();
});

test("a truncated ARM state.json stops the Azure emulator (naming the file and --reset); --reset starts clean", async (t) => {
  const dir = await stateDir(t);
  await (await azure(dir)).stop();
  const file = join(dir, "azure", "state.json");
  const whole = await readFile(file, "utf8");
  assert.match(whole, /signingKey/);
  await truncate(file, Math.floor(whole.length / 2));
  await refusesDamaged(azure(dir), file);
  assert.equal(
    (await readFile(file, "utf8")).length,
    Math.floor(whole.length / 2),
    "the damaged file is left as it was",
  );
  await writeFile(file, "");
  await refusesDamaged(azure(dir), file);
  await (await azure(dir, true)).stop();
});

test("a damaged Kubernetes cluster file (snapshot or write-ahead log) stops the emulator", async (t) => {
  const dir = await stateDir(t);
  const first = await kube(dir);
  const reg = registration("damaged");
  const key = clusterKey(reg.resourceId);
  first.registerCluster(key, reg);
  await first.stop();
  const snapshot = join(dir, "kube", "clusters", `${key}.json`);
  const wal = join(dir, "kube", "clusters", `${key}.wal`);
  const whole = await readFile(snapshot, "utf8");

  await truncate(snapshot, 100);
  await refusesDamaged(kube(dir), snapshot);

  await writeFile(snapshot, whole);
  await writeFile(wal, '{"type":"ADDED"\n{"type":"ADDED","resource":"/namespaces","revision":999}\n');
  await refusesDamaged(kube(dir), wal);

  // A last record cut off without its newline is a write that was never acknowledged: dropped.
  await writeFile(wal, '{"type":"ADDED","resource":"/namespa');
  await (await kube(dir)).stop();
  await (await kube(dir, true)).stop();
});

test("an empty or corrupt task hub, or damaged host keys, stop the Functions host; a fresh directory starts clean", async (t) => {
  const dir = await stateDir(t);
  await (await host(dir)).stop();
  const hubDir = join(dir, "functions-host");
  const hub = join(
    hubDir,
    readdirSync(hubDir).find((f) => f.endsWith(".sqlite"))!,
  );
  const keys = join(hubDir, "host.keys.json");
  const good = await readFile(hub);

  await writeFile(hub, "");
  await refusesDamaged(host(dir), hub);

  // 64 KB of garbage inside the hub, past SQLite's header page (its schema and tables).
  await writeFile(hub, good);
  const file = await open(hub, "r+");
  await file.write(Buffer.alloc(64 * 1024, 0x5a), 0, 64 * 1024, 4096);
  await file.close();
  await refusesDamaged(host(dir), hub);

  await writeFile(hub, good);
  const keysText = await readFile(keys, "utf8");
  await writeFile(keys, keysText.slice(0, 20));
  await refusesDamaged(host(dir), keys);
  await writeFile(keys, keysText);
  await (await host(dir)).stop();
  await (await host(dir, true)).stop();
});
