// `aks-vending apply | diff | upgrade` and `get`'s generation and drift, through the real CLI process
// (node dist/cli/main.js) against a local HTTP server that answers the update contract
// (contract-server.ts): what each command sends (method, path, content type, If-Match, body), how it
// reads the answers, its exit codes, and that --wait follows a change until its generation.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { startContractServer, type ContractServer } from "./contract-server.js";

const CLI = fileURLToPath(new URL("../../../cli/main.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "aksv-cli-updates-"));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI with none of the runner's pipeline, colour or sign-in settings, and no profile. */
function cli(args: string[], extra: Record<string, string> = {}, input?: string): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, AKSV_CONFIG_DIR: join(dir, "no-profile") };
  for (const k of Object.keys(env))
    if (/^(TF_BUILD|AKSV_API_URL|AKSV_TOKEN|NO_COLOR|FORCE_COLOR)/.test(k)) delete env[k];
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [CLI, ...args],
      { env: { ...env, ...extra } },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(input);
  });
}

const show = (r: Run) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

const spec = (overrides: Record<string, unknown> = {}) => ({
  name: "c1",
  team: "platform",
  location: "eastus",
  kubernetesVersion: "1.32",
  nodePool: { count: 1 },
  ...overrides,
});

function file(name: string, doc: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof doc === "string" ? doc : JSON.stringify(doc));
  return path;
}

describe("aks-vending apply, diff and upgrade against the update contract", () => {
  let server: ContractServer;
  let at: string[];
  const fast = ["--poll-interval", "10ms", "--timeout", "30s"];
  const sent = () => server.requests.filter((r) => r.method !== "GET" || r.url.includes("dryRun"));

  before(async () => {
    server = await startContractServer();
    at = ["--api", server.api, "--token", "t0ken"];
  });
  after(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
    server.clusters.clear();
  });

  it("apply PUTs the whole document to /clusters/{its name}: a create, then an update, then 200 for the same spec", async () => {
    const path = file("c1.yaml", "name: c1\nteam: platform\nlocation: eastus\nnodePool:\n  count: 1\n");
    const created = await cli([...at, "apply", "-f", path]);
    assert.equal(created.code, 0, show(created));
    assert.equal(
      created.stdout,
      "cluster c1 create accepted (generation 1, phase Accepted); follow it with: aks-vending wait c1\n",
    );
    const put = server.requests[0]!;
    assert.deepEqual(
      [put.method, put.url, put.headers["content-type"]],
      ["PUT", "/api/clusters/c1", "application/json"],
    );
    assert.equal(put.headers["authorization"], "Bearer t0ken");
    assert.equal(put.headers["if-match"], undefined, "no If-Match unless asked");
    assert.deepEqual(JSON.parse(put.body), {
      name: "c1",
      team: "platform",
      location: "eastus",
      nodePool: { count: 1 },
    });
    server.seed("c1", JSON.parse(put.body) as Record<string, unknown>);

    const bigger = file("c1-3.json", {
      name: "c1",
      team: "platform",
      location: "eastus",
      nodePool: { count: 3 },
    });
    const updated = await cli([...at, "apply", "-f", bigger, "-o", "json"]);
    assert.equal(updated.code, 0, show(updated));
    const doc = JSON.parse(updated.stdout) as { generation: number; operation: string };
    assert.deepEqual([doc.generation, doc.operation], [2, "update"]);

    server.seed("c1", server.clusters.get("c1")!.spec, 2);
    const same = await cli([...at, "apply", "-f", bigger]);
    assert.equal(same.code, 0, show(same));
    assert.equal(
      same.stdout,
      "cluster c1 unchanged: the request is its current spec (generation 2, phase Succeeded)\n",
    );
  });

  it("apply --if-match sends the ETag; a stale one is 412 PreconditionFailed, exit 1 with what to do", async () => {
    server.seed("c1", spec(), 3);
    const applyIfMatch = (etag: string) =>
      cli([...at, "apply", "-f", file("c1.json", spec({ nodePool: { count: 2 } })), "--if-match", etag]);
    const stale = await applyIfMatch("2");
    assert.equal(stale.code, 1, show(stale));
    assert.equal(server.requests[0]!.headers["if-match"], '"2"');
    assert.equal(
      stale.stderr,
      'error: PreconditionFailed: cluster c1 is not at "2"\nhint: the cluster changed since it was read (its ETag is no longer the one sent); read it again and retry\n',
    );
    const fresh = await applyIfMatch('"3"');
    assert.equal(fresh.code, 0, show(fresh));
    assert.equal(server.requests[1]!.headers["if-match"], '"3"');
    const bad = await cli([...at, "apply", "-f", file("c1.json", spec()), "--if-match", "latest"]);
    assert.equal(bad.code, 1, show(bad));
    assert.match(bad.stderr, /--if-match <generation>' argument 'latest' is invalid/);
    assert.equal(server.requests.length, 2, "an unusable --if-match sends nothing");
  });

  it("apply refuses a document without a name before sending it (exit 2)", async () => {
    const r = await cli([...at, "apply", "-f", "-"], {}, JSON.stringify({ team: "platform" }));
    assert.equal(r.code, 2, show(r));
    assert.equal(
      r.stderr,
      "error: standard input: the document has no name (apply puts the cluster under its name)\n",
    );
    assert.equal(server.requests.length, 0);
  });

  it("a changed immutable field is 409 FieldImmutable: one line per path; OperationInProgress says to wait", async () => {
    server.seed("c1", spec());
    const moved = await cli([...at, "apply", "-f", file("c1.json", spec({ location: "westeurope" }))]);
    assert.equal(moved.code, 1, show(moved));
    assert.equal(
      moved.stderr,
      "error: FieldImmutable: fields that cannot change were changed\n  location: location cannot change [FieldImmutable]\nhint: these fields cannot change on an existing cluster; keep their current values (or create a new cluster)\n",
    );
    const asJson = await cli([
      ...at,
      "apply",
      "-f",
      file("c1.json", spec({ location: "westeurope" })),
      "-o",
      "json",
    ]);
    assert.equal(
      (JSON.parse(asJson.stdout) as { error: { details: { path: string }[] } }).error.details[0]!.path,
      "location",
    );
    assert.equal((await cli([...at, "apply", "-f", file("c1.json", spec({ tags: { a: "1" } }))])).code, 0);
    const busy = await cli([...at, "apply", "-f", file("c1.json", spec({ tags: { a: "2" } }))]);
    assert.equal(busy.code, 1, show(busy));
    assert.match(
      busy.stderr,
      /^error: OperationInProgress: cluster c1 is Accepted\nhint: one operation at a time per cluster; follow the running one with aks-vending wait, then retry\n$/,
    );
  });

  it("apply --dry-run asks PUT ?dryRun=true and prints the plan as a diff; -o json prints the plan document", async () => {
    server.seed("c1", spec({ tags: { env: "dev" } }));
    const next = file(
      "c1.json",
      spec({ kubernetesVersion: "1.33", nodePool: { count: 3 }, driftPolicy: "repair", tags: undefined }),
    );
    const r = await cli([...at, "apply", "-f", next, "--dry-run"]);
    assert.equal(r.code, 0, show(r));
    assert.deepEqual(
      server.requests.map((q) => [q.method, q.url]),
      [["PUT", "/api/clusters/c1?dryRun=true"]],
    );
    assert.equal(
      r.stdout,
      [
        "Cluster c1: what applying the request would do",
        "",
        "Spec:",
        '  ~ kubernetesVersion: "1.32" → "1.33"  (disruptive)',
        '  ~ nodePool: {"count":1} → {"count":3}',
        '  - tags: {"env":"dev"}',
        '  + driftPolicy: "repair"',
        "",
        "Azure Resource Manager (1 request):",
        "  PUT    /subscriptions/0/resourceGroups/rg-c1/providers/Microsoft.ContainerService/managedClusters/c1  # update the managed cluster",
        "",
        "Plan: 1 to add, 2 to change, 0 to replace, 1 to delete (1 disruptive).",
        "",
      ].join("\n"),
    );
    assert.equal(server.clusters.get("c1")!.generation, 1, "a dry run changes nothing");
    const j = await cli([...at, "-o", "json", "apply", "-f", next, "--dry-run"]);
    assert.equal(j.code, 0, show(j));
    const body = JSON.parse(j.stdout) as {
      plan: { changes: { path: string; action: string }[]; arm: unknown[] };
    };
    assert.deepEqual(
      body.plan.changes.filter((c) => c.action !== "none").map((c) => [c.path, c.action]),
      [
        ["kubernetesVersion", "update"],
        ["nodePool", "update"],
        ["tags", "delete"],
        ["driftPolicy", "create"],
      ],
    );
  });

  it("diff exits 0 without changes and 2 with them (Terraform's -detailed-exitcode); every error exits 1", async () => {
    server.seed("c1", spec());
    const same = await cli([...at, "diff", "c1", "-f", file("same.json", spec())]);
    assert.equal(same.code, 0, show(same));
    assert.equal(same.stdout, "No changes: cluster c1 already matches the request.\n");
    const changed = await cli(
      [...at, "diff", "c1", "-f", file("more.json", spec({ nodePool: { count: 2 } }))],
      {
        TF_BUILD: "True",
      },
    );
    assert.equal(changed.code, 2, show(changed));
    assert.match(changed.stdout, /^ {2}~ nodePool: \{"count":1\} → \{"count":2\}$/m);
    assert.match(changed.stdout, /^##vso\[task\.setvariable variable=hasChanges;isOutput=true\]true$/m);
    // A document without a name is the named cluster's; one naming another cluster is refused unsent.
    const { name: _name, ...unnamed } = spec();
    const noName = await cli([...at, "diff", "c1", "-f", "-"], {}, JSON.stringify(unnamed));
    assert.equal(noName.code, 0, show(noName));
    assert.equal((JSON.parse(server.requests.at(-1)!.body) as { name: string }).name, "c1");
    const before = server.requests.length;
    const other = await cli([...at, "diff", "c2", "-f", file("same.json", spec())]);
    assert.deepEqual([other.code, other.stderr], [1, "error: the document names cluster c1, not c2\n"]);
    assert.equal(server.requests.length, before);
    // Refused by the API (409), or not readable (exit 2 elsewhere): 1, never 2.
    const moved = await cli([
      ...at,
      "diff",
      "c1",
      "-f",
      file("moved.json", spec({ location: "westeurope" })),
    ]);
    assert.equal(moved.code, 1, show(moved));
    const broken = await cli([...at, "diff", "c1", "-f", "-"], {}, "{");
    assert.equal(broken.code, 1, show(broken));
    assert.ok(sent().every((q) => q.method === "PUT" && q.url === "/api/clusters/c1?dryRun=true"));
  });

  it("upgrade reads the ETag, then PATCHes {kubernetesVersion} as a merge patch with If-Match", async () => {
    server.seed("c1", spec(), 4);
    const r = await cli([...at, "upgrade", "c1", "--to", "1.33"]);
    assert.equal(r.code, 0, show(r));
    const [get, patch] = server.requests;
    assert.deepEqual([get!.method, get!.url], ["GET", "/api/clusters/c1"]);
    assert.deepEqual(
      [patch!.method, patch!.url, patch!.headers["content-type"], patch!.headers["if-match"]],
      ["PATCH", "/api/clusters/c1", "application/merge-patch+json", '"4"'],
    );
    assert.deepEqual(JSON.parse(patch!.body), { kubernetesVersion: "1.33" });
    assert.equal(
      r.stdout,
      "cluster c1 update accepted (generation 5, phase Accepted); follow it with: aks-vending wait c1\n",
    );
    assert.equal(server.clusters.get("c1")!.spec["kubernetesVersion"], "1.33");

    server.seed("c1", spec(), 4);
    const plan = await cli([...at, "upgrade", "c1", "--to", "1.33.1", "--dry-run"]);
    assert.equal(plan.code, 0, show(plan));
    assert.match(plan.stdout, /^ {2}~ kubernetesVersion: "1\.32" → "1\.33\.1" {2}\(disruptive\)$/m);
    assert.deepEqual(
      server.requests.slice(-1).map((q) => [q.method, q.url, q.headers["if-match"]]),
      [["PATCH", "/api/clusters/c1?dryRun=true", '"4"']],
    );

    const count = server.requests.length;
    const bad = await cli([...at, "upgrade", "c1", "--to", "latest"]);
    assert.deepEqual(
      [bad.code, bad.stderr],
      [
        2,
        'error: --to "latest" is not a Kubernetes version; use MAJOR.MINOR or MAJOR.MINOR.PATCH, e.g. 1.33\n',
      ],
    );
    const missing = await cli([...at, "upgrade", "c1"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /required option '--to <version>' not specified/);
    assert.equal(server.requests.length, count, "nothing is sent for a bad --to");
  });

  it("apply --wait follows the update past the previous generation's Succeeded until observedGeneration is reached", async () => {
    server.seed("c1", spec());
    const r = await cli([
      ...at,
      "apply",
      "-f",
      file("c1.json", spec({ nodePool: { count: 3 } })),
      "--wait",
      ...fast,
    ]);
    assert.equal(r.code, 0, show(r));
    // The first GET still showed Succeeded (generation 1): the wait went on.
    assert.deepEqual(
      server.requests.map((q) => q.method),
      ["PUT", "GET", "GET", "GET"],
    );
    assert.match(r.stdout, /^cluster c1 Succeeded in \d+:\d\d \(generation 2\)$/m);
    const lines = r.stderr.trim().split("\n");
    assert.deepEqual(
      lines.filter((l) => / c1: /.test(l)).map((l) => l.replace(/^\[\d+:\d\d\] /, "")),
      [
        "c1: Accepted (update to generation 2)",
        "c1: Succeeded (update to generation 2)",
        "c1: Provisioning (update to generation 2)",
        "c1: Succeeded (update to generation 2)",
      ],
    );
  });

  it("upgrade --wait on a failing upgrade exits 3; under TF_BUILD=True it fails the step exactly", async () => {
    server.seed("c1", spec({ tags: { fail: "true" } }));
    const r = await cli([...at, "upgrade", "c1", "--to", "1.33", "--wait", ...fast], { TF_BUILD: "True" });
    assert.equal(r.code, 3, show(r));
    const message = "cluster c1 Failed at step cluster: UpgradeFailed: the control plane upgrade failed";
    assert.equal(r.stderr, `error: ${message}\n`);
    const vso = r.stdout.split("\n").filter((l) => l.startsWith("##vso["));
    assert.deepEqual(vso.slice(-2), [
      `##vso[task.logissue type=error]${message}`,
      "##vso[task.complete result=Failed;]UpgradeFailed",
    ]);
    assert.ok(
      vso.slice(0, -2).every((l) => /^##vso\[task\.setprogress value=\d{1,3};\]/.test(l)),
      r.stdout,
    );
    assert.match(r.stdout, /^\[\d+:\d\d\] c1: Provisioning \(update to generation 2\)$/m);
  });

  it("create --dry-run and delete --dry-run ask POST and DELETE ?dryRun=true and print their plans", async () => {
    const created = await cli([...at, "create", "-f", file("c1.json", spec()), "--dry-run"]);
    assert.equal(created.code, 0, show(created));
    assert.match(created.stdout, /^ {2}\+ nodePool: \{"count":1\}$/m);
    assert.match(created.stdout, /^Plan: 5 to add, 0 to change, 0 to replace, 0 to delete\.$/m);
    server.seed("c1", spec());
    const deleted = await cli([...at, "delete", "c1", "--dry-run"]);
    assert.equal(deleted.code, 0, show(deleted));
    assert.match(deleted.stdout, /^ {2}- team: "platform"$/m);
    assert.match(deleted.stdout, /^Plan: 0 to add, 0 to change, 0 to replace, 5 to delete\.$/m);
    assert.deepEqual(
      server.requests.map((q) => [q.method, q.url]),
      [
        ["POST", "/api/clusters?dryRun=true"],
        ["DELETE", "/api/clusters/c1?dryRun=true"],
      ],
    );
    assert.equal(server.clusters.get("c1")!.phase, "Succeeded", "nothing was deleted");
  });

  it("a dry run answered without a plan is an error (exit 1, NoPlan), never 'no changes'", async () => {
    const r = await cli([...at, "diff", "noPlan", "-f", file("np.json", spec({ name: "noPlan" }))], {
      TF_BUILD: "True",
    });
    assert.equal(r.code, 1, show(r));
    assert.equal(r.stderr, "error: the API answered the dry run of PUT for noPlan without a plan\n");
    assert.match(r.stdout, /^##vso\[task\.complete result=Failed;\]NoPlan$/m);
    assert.doesNotMatch(r.stdout, /hasChanges/);
  });

  it("get shows the generation, the operation and the drift found", async () => {
    server.seed("c1", spec(), 2, [
      {
        path: "namespaces[test].networkPolicies[deny-all]",
        expected: "present",
        actual: "missing",
        detectedAt: "2026-12-06T09:00:00Z",
      },
      { path: "nodePool.count", expected: 3, actual: 2, detectedAt: "2026-12-06T09:00:00Z" },
    ]);
    const r = await cli([...at, "get", "c1"]);
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, /^ {2}generation: {4}2, observed 2$/m);
    assert.match(r.stdout, /^ {2}operation: {5}update$/m);
    assert.match(r.stdout, /^drift: 2 differences between the cluster and its spec$/m);
    assert.match(r.stdout, /^ {2}PATH +EXPECTED +ACTUAL +DETECTED$/m);
    assert.match(
      r.stdout,
      /^ {2}namespaces\[test\]\.networkPolicies\[deny-all\] +"present" +"missing" +2026-12-06T09:00:00Z$/m,
    );
    assert.match(r.stdout, /^ {2}nodePool\.count +3 +2 +2026-12-06T09:00:00Z$/m);
    server.seed("c1", spec(), 1, []);
    const clean = await cli([...at, "get", "c1"]);
    assert.match(clean.stdout, /^drift: none$/m);
    assert.match(clean.stdout, /^ {2}generation: {4}1, observed 1$/m);
  });
});
