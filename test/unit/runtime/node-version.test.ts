// `npm start` and the CLI check the Node version before anything else and name the Node to install;
// engines in package.json and the check agree.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { atLeast, MIN_NODE, NODE22_HINT, nodeVersionProblem } from "../../../shared/runtime/node-version.js";

const dist = (path: string): string => fileURLToPath(new URL(`../../../${path}`, import.meta.url));
const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
// The Debian package's Node (20 on this project's machines): an older Node to run the entries with.
const OLD_NODE = "/usr/bin/node";

test("versions compare by major, minor and patch", () => {
  assert.equal(atLeast("22.16.0", "22.16.0"), true);
  assert.equal(atLeast("v22.23.3", "22.16.0"), true);
  assert.equal(atLeast("24.0.0", "22.16.0"), true);
  assert.equal(atLeast("22.15.9", "22.16.0"), false);
  assert.equal(atLeast("20.20.2", "22.16.0"), false);
  assert.equal(atLeast("18.20.8", "22.16.0"), false);
});

test("the message names the required version, the running one and how to get Node 22", () => {
  assert.equal(nodeVersionProblem("x", "22.23.3"), undefined);
  const line = nodeVersionProblem("aks-vending", "v20.20.2");
  assert.ok(line);
  assert.doesNotMatch(line, /\n/);
  assert.match(line, new RegExp(`^aks-vending needs Node\\.js ${MIN_NODE.replace(/\./g, "\\.")} or newer`));
  assert.match(line, /this is Node\.js 20\.20\.2/);
  assert.ok(line.includes(NODE22_HINT));
  assert.match(NODE22_HINT, /node@22/);
});

test("package.json engines.node is the version the entry points check", () => {
  const pkg = JSON.parse(readFileSync(`${REPO_ROOT}package.json`, "utf8")) as { engines: { node: string } };
  assert.equal(pkg.engines.node, `>=${MIN_NODE}`);
});

for (const [name, entry, args] of [
  ["the CLI (dist/cli/main.js)", "cli/main.js", ["--help"]],
  ["npm start (dist/emulators/start.js)", "emulators/start.js", ["--help"]],
] as const) {
  test(`${name} on an older Node prints one line naming Node ${MIN_NODE} and node@22, exit 1`, async (t) => {
    if (!existsSync(OLD_NODE)) {
      t.skip(`${OLD_NODE} (an older Node to run the entry with) not found`);
      return;
    }
    const version = execFileSync(OLD_NODE, ["-p", "process.versions.node"], { encoding: "utf8" }).trim();
    if (atLeast(version, MIN_NODE)) {
      t.skip(`${OLD_NODE} is Node ${version}, not older than ${MIN_NODE}`);
      return;
    }
    const result = await promisify(execFile)(OLD_NODE, [dist(entry), ...args]).then(
      () => ({ code: 0, stdout: "", stderr: "" }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    assert.equal(result.code, 1);
    assert.equal(result.stdout, "");
    assert.equal(
      result.stderr,
      nodeVersionProblem(/^npm/.test(name) ? "npm start (aks-vending local stack)" : "aks-vending", version) +
        "\n",
    );
  });

  test(`${name} on this Node (${process.versions.node}) goes on to the program`, async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [dist(entry), ...args]);
    assert.match(stdout, /Usage:/);
  });
}
