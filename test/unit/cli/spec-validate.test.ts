// Runs the real CLI process: `aks-vending spec validate`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT, tutorialNodePool } from "../../helpers/examples.js";

const CLI = join(REPO_ROOT, "dist", "cli", "main.js");

function run(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, input, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("spec validate on the tutorial exits 0 and prints the normalised spec with defaults", () => {
  const r = run(["spec", "validate", "examples/seed-tutorial.json"]);
  assert.equal(r.code, 0, r.stderr);
  const spec = JSON.parse(r.stdout);
  assert.equal(spec.network.dataplane, "cilium");
  assert.equal(spec.network.podCidr, "172.20.0.0/14");
  assert.deepEqual(spec.nodePool, tutorialNodePool());
  assert.match(r.stderr, /warning: network\.serviceCidr: .*\[ServiceCidrOverlapsVnetAddressSpace\]/);
});

test("spec validate reads standard input with -", () => {
  const r = run(["spec", "validate", "-"], JSON.stringify({ name: "c1", team: "t" }));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).resourceGroup, "rg-c1");
});

test("spec validate on an invalid document exits 2 with an ARM-style error listing every problem", () => {
  const r = run(
    ["spec", "validate", "-"],
    JSON.stringify({ name: "-x", team: "t", network: { dnsServiceIp: "10.1.0.10" } }),
  );
  assert.equal(r.code, 2);
  const body = JSON.parse(r.stdout);
  assert.equal(body.error.code, "InvalidClusterSpec");
  assert.deepEqual(body.error.details.map((d: { path: string; code: string }) => [d.path, d.code]).sort(), [
    ["name", "InvalidClusterName"],
    ["network.dnsServiceIp", "DnsServiceIpOutOfServiceCidr"],
  ]);
  assert.match(body.error.message, /2 problems/);
});

test("spec validate on a missing file exits non-zero with a readable message", () => {
  const r = run(["spec", "validate", "no-such-file.json"]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /no-such-file\.json/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
});

test("--help lists the spec command", () => {
  const r = run(["--help"]);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /spec/);
});

test("spec validate takes YAML too, from a file or standard input, with the same answers as JSON", () => {
  const yaml = "name: c1\nteam: t\nnodePool:\n  count: 2\n";
  for (const r of [
    run(["spec", "validate", "-"], yaml),
    run(["spec", "validate", "examples/seed-tutorial.json"]),
  ]) {
    assert.equal(r.code, 0, r.stderr);
    assert.ok(JSON.parse(r.stdout).resourceGroup);
  }
  const dir = mkdtempSync(join(tmpdir(), "aksv-spec-yaml-"));
  try {
    writeFileSync(join(dir, "c1.yaml"), yaml);
    const file = run(["spec", "validate", join(dir, "c1.yaml")]);
    assert.equal(file.code, 0, file.stderr);
    assert.deepEqual(JSON.parse(file.stdout).nodePool, tutorialNodePool(2));
    // The same problems, found in YAML as in JSON.
    writeFileSync(join(dir, "bad.yml"), "name: -x\nteam: t\n");
    const bad = run(["spec", "validate", join(dir, "bad.yml")]);
    assert.equal(bad.code, 2);
    assert.deepEqual(
      JSON.parse(bad.stdout).error.details.map((d: { path: string; code: string }) => [d.path, d.code]),
      [["name", "InvalidClusterName"]],
    );
    // Text neither format reads: the parser's own message, exit 2.
    writeFileSync(join(dir, "broken.yaml"), "name: [c1\n");
    const broken = run(["spec", "validate", join(dir, "broken.yaml")]);
    assert.equal(broken.code, 2);
    assert.equal(JSON.parse(broken.stdout).error.details[0].code, "InvalidYaml");
    const json = run(["spec", "validate", "-"], '{"name": "c1",');
    assert.equal(json.code, 2);
    assert.equal(JSON.parse(json.stdout).error.details[0].code, "InvalidJson");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
