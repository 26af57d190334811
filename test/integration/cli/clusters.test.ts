// The real CLI process (node dist/cli/main.js) against the whole local stack: create --wait on the
// tutorial, a failing create (injected QuotaExceeded), Azure DevOps logging commands, get/list/
// kubeconfig, delete --wait, wait timeouts, readable API errors, and the bearer token header.
import assert from "node:assert/strict";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { ensureCa, ROOT } from "../../e2e/stack.js";

const CLI = join(ROOT, "dist/cli/main.js");
const STACK = fileURLToPath(new URL("./stack-child.js", import.meta.url));
const TUTORIAL = join(ROOT, "examples/seed-tutorial.json");
const NAME = "tipsAndTricksAKSCluster";
const FAILING = "failingCluster";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Environment of a CLI run: none of the test runner's pipeline or colour settings leak in. */
function cliEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ["TF_BUILD", "AKSV_API_URL", "AKSV_TOKEN", "NO_COLOR", "FORCE_COLOR"]) delete env[k];
  return { ...env, ...extra };
}

function run(file: string, args: string[], extra: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { env: cliEnv(extra) }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

function cli(args: string[], extra: Record<string, string> = {}): Promise<Run> {
  return run(process.execPath, [CLI, ...args], extra);
}

/** The CLI on a pseudo-terminal (util-linux `script`); stdout and stderr both arrive in `stdout`. */
function cliOnTty(args: string[], extra: Record<string, string> = {}): Promise<Run> {
  const quote = (a: string) => `'${a.replace(/'/g, "'\\''")}'`;
  const command = [process.execPath, CLI, ...args].map(quote).join(" ");
  return run("script", ["-qec", command, "/dev/null"], extra);
}

const show = (r: Run) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

describe("aks-vending CLI against the local stack", () => {
  let stateDir: string;
  let child: ChildProcess;
  let api: string;
  /** Arguments every cluster command gets: the stack's API and quick polling. */
  const at = () => ["--api", api];
  const fast = ["--poll-interval", "100ms", "--timeout", "2m"];

  before(async () => {
    stateDir = await mkdtemp(join(tmpdir(), "aksv-cli-"));
    const ca = await ensureCa(stateDir);
    child = spawn(process.execPath, [STACK, stateDir, FAILING], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: ca },
      stdio: ["pipe", "pipe", "inherit"],
    });
    api = await new Promise<string>((resolve, reject) => {
      child.once("exit", (code) => reject(new Error(`stack exited with ${code}`)));
      createInterface({ input: child.stdout! }).on("line", (line) => {
        if (line.startsWith("{")) resolve((JSON.parse(line) as { api: string }).api);
      });
    });
  });

  after(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.stdin!.end();
      await exited;
    }
    await rm(stateDir, { recursive: true, force: true });
  });

  it("create --wait on the tutorial succeeds, shows plain progress lines and prints the outputs", async () => {
    const r = await cli([...at(), "create", "-f", TUTORIAL, "--wait", ...fast]);
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, new RegExp(`^cluster ${NAME} Succeeded in \\d+:\\d\\d$`, "m"));
    assert.match(
      r.stdout,
      /^ {2}clusterId: +\/subscriptions\/[^/]+\/resourceGroups\/akstips\/providers\/Microsoft\.ContainerService\/managedClusters\/tipsAndTricksAKSCluster$/m,
    );
    assert.match(r.stdout, /^ {2}fqdn: +\S+\.\S+$/m);
    assert.match(r.stdout, /^ {2}resourceGroup: +akstips$/m);
    assert.match(r.stdout, /^verification: passed \((\d+)\/\1 probes as expected\)$/m);
    // Not a TTY: one plain line per change, no escape sequences, no pipeline commands.
    assert.ok(!(r.stderr + r.stdout).includes("\u001b["), "no escape sequences");
    assert.ok(!r.stdout.includes("##vso"), "no pipeline commands outside a pipeline");
    const lines = r.stderr.trim().split("\n");
    assert.ok(
      lines.every((l) => /^\[\d+:\d\d\] /.test(l)),
      r.stderr,
    );
    assert.ok(
      lines.some((l) => l.endsWith(`${NAME}: Succeeded`)),
      r.stderr,
    );
    assert.ok(
      lines.some((l) => /step cluster: Succeeded( \(attempt \d+\))?$/.test(l)),
      r.stderr,
    );
    assert.ok(
      lines.some((l) => /step cluster: Running/.test(l)),
      r.stderr,
    );
    assert.equal(new Set(lines).size, lines.length, "each change is printed once");
  });

  it("get -o json prints the status document; get shows it as text", async () => {
    const r = await cli([...at(), "get", NAME, "-o", "json"]);
    assert.equal(r.code, 0, show(r));
    const doc = JSON.parse(r.stdout) as { name: string; phase: string; outputs: { clusterId?: string } };
    assert.equal(doc.name, NAME);
    assert.equal(doc.phase, "Succeeded");
    assert.match(doc.outputs.clusterId ?? "", /managedClusters\/tipsAndTricksAKSCluster$/);
    const t = await cli([...at(), "get", NAME]);
    assert.equal(t.code, 0, show(t));
    assert.match(t.stdout, /^tipsAndTricksAKSCluster {2}Succeeded$/m);
    assert.match(t.stdout, /^STEP +STATUS +ATTEMPTS +ERROR$/m);
  });

  it("list prints a table and filters by phase and team; -o json for scripts", async () => {
    const r = await cli([...at(), "list"]);
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, /^NAME +TEAM +PHASE +RESOURCE GROUP +CREATED$/m);
    assert.match(r.stdout, /^tipsAndTricksAKSCluster +platform +Succeeded +akstips /m);
    const j = await cli([...at(), "-o", "json", "list", "--phase", "succeeded", "--team", "platform"]);
    assert.equal(j.code, 0, show(j));
    assert.deepEqual(
      (JSON.parse(j.stdout) as { name: string }[]).map((c) => c.name),
      [NAME],
    );
    const none = await cli([...at(), "list", "--team", "nobody"]);
    assert.equal(none.stdout, "no clusters\n");
  });

  it("kubeconfig prints the user kubeconfig to stdout and nothing else", async () => {
    const r = await cli([...at(), "kubeconfig", NAME]);
    assert.equal(r.code, 0, show(r));
    assert.equal(r.stderr, "");
    const kc = parseYaml(r.stdout) as { kind: string; clusters: { cluster: { server: string } }[] };
    assert.equal(kc.kind, "Config");
    assert.match(kc.clusters[0]!.cluster.server, /^https:\/\/127\.0\.0\.1:\d+\/clusters\/[0-9a-f]{20}$/);
  });

  it("under TF_BUILD=True a finished wait sets exact output variables", async () => {
    const r = await cli([...at(), "wait", NAME, ...fast], { TF_BUILD: "True" });
    assert.equal(r.code, 0, show(r));
    const doc = JSON.parse((await cli([...at(), "get", NAME, "-o", "json"])).stdout) as {
      outputs: { clusterId: string; fqdn: string };
    };
    const vso = r.stdout.split("\n").filter((l) => l.startsWith("##vso["));
    assert.deepEqual(vso, [
      "##vso[task.setprogress value=100;]Succeeded",
      `##vso[task.setvariable variable=clusterId;isOutput=true]${doc.outputs.clusterId}`,
      `##vso[task.setvariable variable=fqdn;isOutput=true]${doc.outputs.fqdn}`,
      "##vso[task.setvariable variable=resourceGroup;isOutput=true]akstips",
    ]);
  });

  it("a failing create (injected QuotaExceeded) exits 3 with the code; under TF_BUILD=True it fails the step exactly", async () => {
    const dir = await mkdtemp(join(tmpdir(), "aksv-cli-spec-"));
    try {
      const spec = JSON.parse(readFileSync(TUTORIAL, "utf8")) as Record<string, unknown>;
      const file = join(dir, "failing.json");
      await writeFile(file, JSON.stringify({ ...spec, name: FAILING, resourceGroup: "failing-rg" }));
      const r = await cli([...at(), "create", "-f", file, "--wait", ...fast], { TF_BUILD: "True" });
      assert.equal(r.code, 3, show(r));
      const message =
        "cluster failingCluster Failed at step cluster: QuotaExceeded: Operation could not be completed as it results in exceeding approved standardDSv5Family Cores quota";
      assert.match(r.stderr, new RegExp(`^error: ${message}$`, "m"));
      const vso = r.stdout.split("\n").filter((l) => l.startsWith("##vso["));
      assert.deepEqual(vso.slice(-2), [
        `##vso[task.logissue type=error]${message}`,
        "##vso[task.complete result=Failed;]QuotaExceeded",
      ]);
      const progress = vso.slice(0, -2);
      assert.ok(progress.length > 0, "progress is reported");
      for (const l of progress)
        assert.match(l, /^##vso\[task\.setprogress value=\d{1,3};\][A-Za-z]+( \([a-zA-Z]+\))?$/);
      assert.ok(!vso.some((l) => l.includes("task.setvariable")), "no outputs for a failed cluster");
      // Progress lines (on stdout in a pipeline) show the failing step.
      assert.match(r.stdout, /^\[\d+:\d\d\] {3}step cluster: Failed QuotaExceeded( \(attempt \d+\))?$/m);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("API errors print code, message and each detail; -o json prints the body as is", async () => {
    const missing = await cli([...at(), "get", "noSuchCluster"]);
    assert.equal(missing.code, 1, show(missing));
    assert.equal(missing.stderr, "error: ClusterNotFound: cluster noSuchCluster was not found\n");
    const asJson = await cli([...at(), "get", "noSuchCluster", "-o", "json"]);
    assert.equal(asJson.code, 1);
    assert.deepEqual(JSON.parse(asJson.stdout), {
      error: { code: "ClusterNotFound", message: "cluster noSuchCluster was not found", details: [] },
    });
    const dir = await mkdtemp(join(tmpdir(), "aksv-cli-spec-"));
    try {
      const file = join(dir, "bad.json");
      await writeFile(file, JSON.stringify({ name: "bad", team: "platform", nodePool: { count: 0 } }));
      const bad = await cli([...at(), "create", "-f", file]);
      assert.equal(bad.code, 2, show(bad));
      const [head, ...details] = bad.stderr.trim().split("\n");
      assert.match(head!, /^error: [A-Za-z]+: .+/);
      assert.ok(details.length >= 1, bad.stderr);
      assert.ok(
        details.some((d) => /^ {2}nodePool\.count: .+/.test(d)),
        bad.stderr,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("delete --wait with a tiny timeout exits 4 and says it timed out; delete --wait then finishes", async () => {
    const t = await cli([...at(), "delete", NAME, "--wait", "--timeout", "1ms"]);
    assert.equal(t.code, 4, show(t));
    assert.match(
      t.stderr,
      /^error: WaitTimeout: gave up on cluster tipsAndTricksAKSCluster after 0:00; it is still Deleting/m,
    );
    // On a terminal the progress block is redrawn in place; NO_COLOR turns colours off.
    const r = await cliOnTty([...at(), "delete", NAME, "--wait", ...fast], { NO_COLOR: "1" });
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, /^cluster tipsAndTricksAKSCluster deleted in \d+:\d\d\r?$/m);
    const esc = String.fromCharCode(27);
    assert.match(r.stdout, new RegExp(`${esc}\\[13A\r${esc}\\[J`), "the 13-line block is redrawn in place");
    assert.match(r.stdout, /tipsAndTricksAKSCluster {2}Deleted {2}\[#{30}\] 100% {2}\d+:\d\d\r?\n/);
    assert.match(r.stdout, /^ {2}✓ verification +Succeeded\r?$/m);
    assert.doesNotMatch(r.stdout, new RegExp(`${esc}\\[\\d+m`), "no colours with NO_COLOR");
    const get = await cli([...at(), "get", NAME, "-o", "json"]);
    if (get.code === 0) assert.equal((JSON.parse(get.stdout) as { phase: string }).phase, "Deleted");
    else assert.equal((JSON.parse(get.stdout) as { error: { code: string } }).error.code, "ClusterNotFound");
    const list = await cli([...at(), "-o", "json", "list", "--phase", "Succeeded"]);
    assert.deepEqual(JSON.parse(list.stdout), []);
  });
});

describe("aks-vending CLI options", () => {
  it("sends --token / AKSV_TOKEN as a bearer token and takes the API from AKSV_API_URL", async () => {
    const seen: IncomingHttpHeaders[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(404, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          error: { code: "ClusterNotFound", message: "cluster x was not found", details: [] },
        }),
      );
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
      const a = await cli(["get", "x"], { AKSV_API_URL: url, AKSV_TOKEN: "t0ken" });
      const b = await cli(["--api", url, "--token", "other", "get", "x"]);
      const c = await cli(["--api", url, "get", "x"]);
      for (const r of [a, b, c]) assert.equal(r.stderr, "error: ClusterNotFound: cluster x was not found\n");
      assert.deepEqual(
        seen.map((h) => h.authorization),
        ["Bearer t0ken", "Bearer other", undefined],
      );
      assert.ok(!a.stdout.includes("t0ken") && !a.stderr.includes("t0ken"), "the token is never printed");
    } finally {
      server.close();
    }
  });

  it("an unreachable API is one readable line and exit 1", async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    await new Promise((r) => server.close(r));
    const r = await cli(["--api", `http://127.0.0.1:${port}/api`, "list"]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^error: cannot reach the API at http:\/\/127\.0\.0\.1:\d+\/api \(ECONNREFUSED\); set --api or AKSV_API_URL\n$/,
    );
  });
});
