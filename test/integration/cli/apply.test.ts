// The CLI's desired-state commands against the whole local stack (issue 16's API contract):
// apply creates (PUT on an absent cluster), diff tells no changes (0) from changes (2), apply --wait
// raises the node count, adds a namespace with a workload, a policy and an expectation and upgrades
// Kubernetes one minor version (generation 2), upgrade --wait takes the next minor (generation 3),
// an immutable field is 409 FieldImmutable at its path, two applies with the same --if-match are one
// success and one 412, and get shows generation, observedGeneration and operation.
//
// NOT RUN until renamed to apply.test.ts: it needs the API's PUT/PATCH/dryRun (the update API
// branch). Once that is merged: git mv test/integration/cli/apply.contract.ts
// test/integration/cli/apply.test.ts
import assert from "node:assert/strict";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ROOT } from "../../../harness/stack.js";
import { apiNamespace } from "../../helpers/examples.js";
import { runCli, show, startCliStack, type CliStack, type Env, type Run } from "./cli-process.js";

const TUTORIAL = join(ROOT, "examples/seed-tutorial.json");
const NAME = "tipsAndTricksAKSCluster";

type Spec = Record<string, unknown> & {
  nodePool: { count: number };
  namespaces: unknown[];
  network: Record<string, unknown>;
};

interface StatusJson {
  name: string;
  phase: string;
  generation: number;
  observedGeneration: number;
  operation: string;
  verification?: { passed: boolean };
}

describe("aks-vending apply, diff and upgrade against the local stack", () => {
  let local: CliStack | undefined;
  let env: Env = {};
  let dir: string;
  let tutorial: Spec;
  const fast = ["--poll-interval", "100ms", "--timeout", "5m"];
  const cli = (args: string[], extra: Env = {}): Promise<Run> =>
    runCli(["--api", local!.api, ...args], { ...env, ...extra });
  const file = async (name: string, doc: unknown): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, JSON.stringify(doc));
    return path;
  };
  const status = async (): Promise<StatusJson> => {
    const r = await cli(["get", NAME, "-o", "json"]);
    assert.equal(r.code, 0, show(r));
    return JSON.parse(r.stdout) as StatusJson;
  };
  /** The tutorial pinned to an old minor version, so that two upgrades are possible. */
  const v1 = () => ({ ...tutorial, kubernetesVersion: "1.31" });
  const v2 = () => ({
    ...tutorial,
    kubernetesVersion: "1.32",
    nodePool: { ...tutorial.nodePool, count: 3 },
    namespaces: [...tutorial.namespaces, apiNamespace("web", "client")],
  });

  before(async () => {
    local = await startCliStack("noSuchCluster");
    dir = await mkdtemp(join(local.stateDir, "specs-"));
    tutorial = JSON.parse(await readFile(TUTORIAL, "utf8")) as Spec;
    env = { NODE_EXTRA_CA_CERTS: local.ca };
    const t = await cli(["dev-token", "--role", "Clusters.Admin", "--team", "platform"]);
    assert.equal(t.code, 0, show(t));
    env = { NODE_EXTRA_CA_CERTS: local.ca, AKSV_TOKEN: t.stdout.trim() };
  });

  after(async () => {
    await local?.stop();
  });

  it("apply on an absent cluster creates it (PUT); --wait ends Succeeded at generation 1", async () => {
    const r = await cli(["apply", "-f", await file("v1.json", v1()), "--wait", ...fast]);
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, new RegExp(`^cluster ${NAME} Succeeded in \\d+:\\d\\d$`, "m"));
    assert.ok(
      local!.front.seen.some((s) => s.method === "PUT" && s.path === `/api/clusters/${NAME}`),
      "apply sent a PUT",
    );
    const doc = await status();
    assert.deepEqual(
      [doc.phase, doc.generation, doc.observedGeneration, doc.operation],
      ["Succeeded", 1, 1, "create"],
    );
  });

  it("diff exits 0 for the current spec and 2 for a change, printing the plan; the dry runs change nothing", async () => {
    const same = await cli(["diff", NAME, "-f", await file("v1.json", v1())]);
    assert.equal(same.code, 0, show(same));
    assert.equal(same.stdout, `No changes: cluster ${NAME} already matches the request.\n`);
    const changed = await cli(["diff", NAME, "-f", await file("v2.json", v2())]);
    assert.equal(changed.code, 2, show(changed));
    assert.match(changed.stdout, /^Spec:$/m);
    assert.match(changed.stdout, /count: 1 → 3/);
    assert.match(changed.stdout, /kubernetesVersion: "1\.31" → "1\.32"/);
    assert.match(changed.stdout, /^Kubernetes \(\d+ objects?\):$/m);
    assert.match(changed.stdout, /^Plan: \d+ to add, \d+ to change, \d+ to replace, \d+ to delete/m);
    const plan = await cli(["-o", "json", "apply", "-f", await file("v2.json", v2()), "--dry-run"]);
    assert.equal(plan.code, 0, show(plan));
    const body = JSON.parse(plan.stdout) as {
      plan: { changes: { path: string; from?: unknown; to?: unknown; action: string }[] };
    };
    assert.ok(
      body.plan.changes.some(
        (c) => c.path === "nodePool.count" && c.from === 1 && c.to === 3 && c.action === "update",
      ),
      plan.stdout,
    );
    const doc = await status();
    assert.deepEqual([doc.generation, doc.observedGeneration], [1, 1], "a dry run is no change");
  });

  it("apply --wait brings the cluster to generation 2: 3 nodes, a new namespace, Kubernetes 1.32, verified again", async () => {
    const r = await cli(["apply", "-f", await file("v2.json", v2()), "--wait", ...fast]);
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, new RegExp(`^cluster ${NAME} Succeeded in \\d+:\\d\\d \\(generation 2\\)$`, "m"));
    assert.match(
      r.stdout,
      /^verification: passed \((\d+)\/\1 probes as expected, (\d+)\/\2 access reviews\)$/m,
    );
    assert.match(r.stderr, new RegExp(`^\\[\\d+:\\d\\d\\] ${NAME}: \\w+ \\(update to generation 2\\)$`, "m"));
    const doc = await status();
    assert.deepEqual(
      [doc.phase, doc.generation, doc.observedGeneration, doc.operation],
      ["Succeeded", 2, 2, "update"],
    );
    const text = await cli(["get", NAME]);
    assert.match(text.stdout, /^ {2}generation: {4}2, observed 2$/m);
    assert.match(text.stdout, /^ {2}operation: {5}update$/m);
  });

  it("upgrade --to the next minor with --wait: a merge patch guarded by the ETag, generation 3", async () => {
    const before = local!.front.seen.length;
    const r = await cli(["upgrade", NAME, "--to", "1.33", "--wait", ...fast]);
    assert.equal(r.code, 0, show(r));
    const sent = local!.front.seen.slice(before);
    assert.deepEqual(
      sent.slice(0, 2).map((s) => [s.method, s.status]),
      [
        ["GET", 200],
        ["PATCH", 202],
      ],
    );
    assert.match(r.stdout, /\(generation 3\)$/m);
    const doc = await status();
    assert.deepEqual([doc.phase, doc.generation, doc.observedGeneration], ["Succeeded", 3, 3]);
  });

  it("a changed network.serviceCidr is 409 FieldImmutable at that path (exit 1, nothing changes)", async () => {
    const spec: Spec = { ...v2(), kubernetesVersion: "1.33" };
    const moved = {
      ...spec,
      network: { ...spec.network, serviceCidr: "10.1.0.0/16", dnsServiceIp: "10.1.0.10" },
    };
    const r = await cli(["apply", "-f", await file("moved.json", moved)]);
    assert.equal(r.code, 1, show(r));
    assert.match(r.stderr, /^error: FieldImmutable: /);
    assert.match(r.stderr, /^ {2}network\.serviceCidr: .+ \[FieldImmutable\]$/m);
    assert.equal((await status()).generation, 3);
  });

  it("two applies with the same --if-match: one is accepted, the other is 412 PreconditionFailed", async () => {
    const base: Spec = { ...v2(), kubernetesVersion: "1.33" };
    const [a, b] = await Promise.all([
      cli(["apply", "-f", await file("a.json", { ...base, tags: { change: "a" } }), "--if-match", "3"]),
      cli(["apply", "-f", await file("b.json", { ...base, tags: { change: "b" } }), "--if-match", "3"]),
    ]);
    const codes = [a.code, b.code].sort();
    assert.deepEqual(codes, [0, 1], `${show(a)}\n${show(b)}`);
    const loser = a.code === 1 ? a : b;
    assert.match(loser.stderr, /^error: PreconditionFailed: /);
    assert.match(loser.stderr, /^hint: the cluster changed since it was read/m);
    const w = await cli(["wait", NAME, ...fast]);
    assert.equal(w.code, 0, show(w));
    const doc = await status();
    assert.deepEqual([doc.generation, doc.observedGeneration], [4, 4]);
  });

  it("delete --wait removes the updated cluster", async () => {
    const r = await cli(["delete", NAME, "--wait", ...fast]);
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, new RegExp(`^cluster ${NAME} deleted in \\d+:\\d\\d$`, "m"));
  });
});
