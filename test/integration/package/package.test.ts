// `npm run package`: the deployable zip is reproducible (two builds, same bytes) and holds what the
// Functions host loads, with production dependencies only, and the local Functions host serves it.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import yauzl from "yauzl";
import { buildPackage, type PackageResult } from "../../../scripts/package.js";
import { startFunctionsHost } from "../../../emulators/functions-host/index.js";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..");

interface ZipEntryInfo {
  name: string;
  mtime: Date;
  mode: number;
}

async function readEntries(file: string): Promise<ZipEntryInfo[]> {
  const zip = await promisify<string, yauzl.Options, yauzl.ZipFile>(yauzl.open)(file, { lazyEntries: true });
  const entries: ZipEntryInfo[] = [];
  await new Promise<void>((resolve, reject) => {
    zip.on("entry", (entry: yauzl.Entry) => {
      entries.push({
        name: entry.fileName,
        mtime: entry.getLastModDate(),
        mode: (entry.externalFileAttributes >>> 16) & 0o777,
      });
      zip.readEntry();
    });
    zip.on("end", () => resolve());
    zip.on("error", reject);
    zip.readEntry();
  });
  zip.close();
  return entries;
}

/** Unpacks a zip the way a deployment does, file by file. */
async function extract(file: string, into: string): Promise<void> {
  const zip = await promisify<string, yauzl.Options, yauzl.ZipFile>(yauzl.open)(file, { lazyEntries: true });
  await new Promise<void>((resolve, reject) => {
    zip.on("entry", (entry: yauzl.Entry) => {
      const target = path.join(into, entry.fileName);
      if (entry.fileName.endsWith("/"))
        return void mkdir(target, { recursive: true }).then(() => zip.readEntry(), reject);
      zip.openReadStream(entry, (err, stream) => {
        if (err) return reject(err);
        mkdir(path.dirname(target), { recursive: true })
          .then(() => pipeline(stream, createWriteStream(target)))
          .then(() => zip.readEntry(), reject);
      });
    });
    zip.on("end", () => resolve());
    zip.on("error", reject);
    zip.readEntry();
  });
  zip.close();
}

describe("npm run package", () => {
  let work: string;
  let first: PackageResult;
  let second: PackageResult;
  let entries: ZipEntryInfo[];

  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), "aksv-package-"));
    // Production dependencies are installed once per lockfile (dist/package/deps) and reused.
    first = await buildPackage({
      root: REPO_ROOT,
      stagingDir: path.join(work, "a", "app"),
      outFile: path.join(work, "a", "aks-vending.zip"),
    });
    second = await buildPackage({
      root: REPO_ROOT,
      stagingDir: path.join(work, "b", "app"),
      outFile: path.join(work, "b", "aks-vending.zip"),
    });
    entries = await readEntries(first.file);
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  test("two builds from the same tree are byte-identical", () => {
    assert.match(first.sha256, /^[0-9a-f]{64}$/);
    assert.equal(second.sha256, first.sha256);
    assert.equal(second.bytes, first.bytes);
  });

  test("entries are sorted, with one fixed timestamp and normalised modes", () => {
    const names = entries.map((e) => e.name);
    assert.deepEqual(
      names,
      [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    );
    assert.deepEqual(names, first.entries);
    const stamps = new Set(entries.map((e) => e.mtime.getTime()));
    assert.equal(stamps.size, 1);
    for (const entry of entries)
      assert.ok([0o644, 0o755].includes(entry.mode), `${entry.name} ${entry.mode.toString(8)}`);
  });

  test("holds the app entry point, host.json, package.json and the runtime dependencies", () => {
    const names = new Set(entries.map((e) => e.name));
    for (const required of [
      "package.json",
      "package-lock.json",
      "host.json",
      "dist/functions/index.js",
      "node_modules/@azure/functions/package.json",
      "node_modules/durable-functions/package.json",
      "node_modules/@azure/identity/package.json",
      "node_modules/@azure/arm-containerservice/package.json",
      "node_modules/@kubernetes/client-node/package.json",
      "node_modules/zod/package.json",
    ]) {
      assert.ok(names.has(required), required);
    }
  });

  test("leaves out tests, emulators, the CLI, TypeScript sources, local settings and dev dependencies", () => {
    for (const { name } of entries) {
      assert.doesNotMatch(name, /^dist\/(test|emulators|cli|bench|scripts)\//, name);
      assert.doesNotMatch(
        name,
        /^(application|functions|orchestrations|shared|emulators|test|infra)\//,
        name,
      );
      if (!name.startsWith("node_modules/")) assert.doesNotMatch(name, /\.ts$|\.map$/, name);
      assert.notEqual(name, "local.settings.json");
      assert.doesNotMatch(
        name,
        /^node_modules\/(typescript|eslint|prettier|yazl|fast-check|selfsigned)\//,
        name,
      );
      assert.doesNotMatch(name, /^node_modules\/\.bin\//, name);
    }
  });

  test("the staged app imports with production dependencies only", async () => {
    // Importing the entry point registers the functions; outside a Functions host @azure/functions
    // only warns. A missing runtime dependency or a file left out of the package fails the import.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--input-type=module", "-e", "await import('./dist/functions/index.js'); console.log('imported');"],
      { cwd: path.join(work, "a", "app") },
    );
    assert.match(stdout, /imported/);
  });

  test("the local Functions host loads the unzipped package and serves it", async (t) => {
    const unpacked = path.join(work, "unpacked");
    await extract(first.file, unpacked);
    const host = await startFunctionsHost({
      appDir: unpacked,
      port: 0,
      stateDir: path.join(work, "state"),
      logLevel: "warning",
    });
    t.after(() => host.stop());
    assert.ok(
      host.functions.some((f) => f.name === "openapi"),
      JSON.stringify(host.functions),
    );
    const res = await fetch(`${host.url}/api/openapi.json`);
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { openapi: string }).openapi, "3.1.0");
    // No issuer or audience configured here: the cluster routes fail closed, never open.
    const clusters = await fetch(`${host.url}/api/clusters`);
    assert.equal(clusters.status, 503);
    assert.equal(
      ((await clusters.json()) as { error: { code: string } }).error.code,
      "AuthenticationNotConfigured",
    );
  });
});
