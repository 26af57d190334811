// The tutorial's kubectl commands, typed as a user types them, with the machine's kubectl (the
// Google Cloud SDK dispatcher picks the kubectl matching GET /version, 1.33 here) against an
// emulated cluster: kubectl run --expose, the two policies, `kubectl run --rm -i … -- wget`
// (attach, or its fallback to logs), the interactive `kubectl run --rm -it … -- sh` through a
// pseudo-terminal (python3's pty module), explain, get --raw, auth can-i and api-resources.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  backendPolicy,
  kubectl,
  podPhase,
  kubectlWorks,
  KUBECTL_MISSING,
  runTool,
  toolWorks,
} from "./cli.js";
import { startHarness } from "./harness.js";

const pythonPty = await toolWorks("python3", ["-c", "import pty, select"]);

const DENY_ALL = backendPolicy({ app: "web" });
const ALLOW_FRONTEND = backendPolicy({ app: "web" }, { app: "frontend" });

// Drives a command in a pseudo-terminal: waits for each `expect`, then types `send`; prints a JSON
// summary (exit status, everything the terminal showed, the steps that timed out).
const PTY_DRIVER = `
import json, os, pty, select, sys, time
steps = json.loads(sys.argv[1]); argv = sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
out = b""; missed = []
def read_until(text, timeout):
    global out
    end = time.time() + timeout
    while time.time() < end:
        if text.encode() in out: return True
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try: data = os.read(fd, 4096)
            except OSError: return text.encode() in out
            if not data: return text.encode() in out
            out += data
    return text.encode() in out
for step in steps:
    if not read_until(step["expect"], 30): missed.append(step["expect"])
    if "send" in step: os.write(fd, step["send"].encode())
read_until("\\x00never", 0.2)
try:
    while True:
        r, _, _ = select.select([fd], [], [], 30)
        if not r: break
        data = os.read(fd, 4096)
        if not data: break
        out += data
except OSError:
    pass
_, status = os.waitpid(pid, 0)
print(json.dumps({"status": os.waitstatus_to_exitcode(status), "output": out.decode(errors="replace"), "missed": missed}))
`;

async function inPty(
  dir: string,
  steps: { expect: string; send?: string }[],
  argv: string[],
): Promise<{ status: number; output: string; missed: string[] }> {
  const script = join(dir, "drive_pty.py");
  await writeFile(script, PTY_DRIVER);
  const r = await runTool("python3", [script, JSON.stringify(steps), ...argv]);
  assert.equal(r.code, 0, `pty driver failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { status: number; output: string; missed: string[] };
}

async function setUp(t: TestContext) {
  // Emulated seconds at 1/20: wget --timeout=2 takes 0.1 s, a pod starts in 0.1 s.
  const h = await startHarness(t, { timeScale: 0.05 });
  const dir = await mkdtemp(join(tmpdir(), "aksv-kubectl-tutorial-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const k = kubectl(h, join(dir, "cache"));
  const version = JSON.parse((await k("version", "-o", "json")).stdout) as {
    clientVersion: { gitVersion: string };
    serverVersion: { gitVersion: string };
  };
  t.diagnostic(
    `kubectl ${version.clientVersion.gitVersion} against server ${version.serverVersion.gitVersion}`,
  );
  return { h, dir, k };
}

test(
  "the tutorial with kubectl: run --expose, policies, run --rm -i … -- wget from a frontend and a plain pod",
  { skip: kubectlWorks ? false : KUBECTL_MISSING },
  async (t) => {
    const { dir, k } = await setUp(t);
    assert.equal((await k("create", "namespace", "test")).stdout, "namespace/test created\n");
    const backend = await k(
      "run",
      "backend",
      "--image=nginx",
      "--labels",
      "app=web",
      "--namespace",
      "test",
      "--expose",
      "--port",
      "80",
    );
    assert.equal(backend.stdout, "service/backend created\npod/backend created\n", backend.stderr);
    await podPhase(k, "backend", "test", "Running");

    const wget = (name: string, labels?: string) =>
      k(
        "run",
        "--rm",
        "-i",
        `--image=busybox`,
        name,
        "--namespace",
        "test",
        ...(labels ? ["--labels", labels] : []),
        "--",
        "wget",
        "-qO-",
        "--timeout=2",
        "http://backend",
      );

    // No policy yet: the plain pod reaches nginx; the pod is deleted afterwards (--rm).
    const open = await wget("network-policy");
    assert.equal(open.code, 0, open.stderr);
    assert.match(open.stdout, /<title>Welcome to nginx!<\/title>/);
    assert.match(open.stdout, /pod "network-policy" deleted/);
    assert.equal((await k("get", "pod", "network-policy", "-n", "test")).code, 1, "--rm deleted the pod");

    await writeFile(join(dir, "deny.yaml"), DENY_ALL);
    await writeFile(join(dir, "allow.yaml"), ALLOW_FRONTEND);
    assert.equal(
      (await k("apply", "-f", join(dir, "deny.yaml"))).stdout,
      "networkpolicy.networking.k8s.io/backend-policy created\n",
    );
    const deniedFrontend = await wget("frontend", "app=frontend");
    assert.match(deniedFrontend.stderr, /wget: download timed out/, "deny-all denies the frontend too");
    assert.doesNotMatch(deniedFrontend.stdout, /nginx/);

    assert.equal(
      (await k("apply", "-f", join(dir, "allow.yaml"))).stdout,
      "networkpolicy.networking.k8s.io/backend-policy configured\n",
    );
    const frontend = await wget("frontend", "app=frontend");
    assert.equal(frontend.code, 0, frontend.stderr);
    assert.match(frontend.stdout, /<title>Welcome to nginx!<\/title>/);
    const plain = await wget("network-policy");
    assert.match(plain.stderr, /wget: download timed out/);
    assert.doesNotMatch(plain.stdout, /Welcome to nginx/);
    assert.match(plain.stdout, /pod "network-policy" deleted/);

    // The backend's log is nginx's: start-up lines, then one access line per page served.
    const log = await k("logs", "backend", "-n", "test");
    assert.equal((log.stdout.match(/"GET \/ HTTP\/1.1" 200 615 "-" "Wget"/g) ?? []).length, 2, log.stdout);
  },
);

test(
  "the tutorial with kubectl: the interactive kubectl run --rm -it … -- sh through a pseudo-terminal",
  {
    skip: !kubectlWorks
      ? KUBECTL_MISSING
      : !pythonPty
        ? "python3 (with its pty module) is not installed: it drives the pseudo-terminal"
        : false,
  },
  async (t) => {
    const { h, dir, k } = await setUp(t);
    await k("create", "namespace", "test");
    await k(
      "run",
      "backend",
      "--image=nginx",
      "--labels",
      "app=web",
      "-n",
      "test",
      "--expose",
      "--port",
      "80",
    );
    await writeFile(join(dir, "allow.yaml"), ALLOW_FRONTEND);
    await k("apply", "-f", join(dir, "allow.yaml"));
    // The tutorial's interactive probe: kubectl run --rm -it --image=alpine NAME [--labels …] -- sh
    const runShell = (name: string, labels?: string) => [
      "kubectl",
      `--kubeconfig=${h.kubeconfigPath}`,
      `--cache-dir=${join(dir, "cache")}`,
      ...["run", "--rm", "-it", "--image=alpine", name, "-n", "test"],
      ...(labels ? ["--labels", labels] : []),
      ...["--", "sh"],
    ];
    const session = await inPty(
      dir,
      [
        { expect: "try pressing enter", send: "\r" },
        { expect: "/ # ", send: "wget -qO- --timeout=2 http://backend\r" },
        { expect: "</html>", send: "nc -zv -w 2 backend 80\r" },
        { expect: "open", send: "nslookup backend\r" },
        { expect: "not found", send: "exit\r" },
        { expect: "deleted" },
      ],
      runShell("network-policy", "app=frontend"),
    );
    assert.deepEqual(session.missed, [], session.output);
    assert.equal(session.status, 0, session.output);
    const screen = session.output.replace(/\r/g, "");
    assert.match(
      screen,
      /\/ # wget -qO- --timeout=2 http:\/\/backend\n<!DOCTYPE html>/,
      "echoed, then the page",
    );
    assert.match(screen, /<title>Welcome to nginx!<\/title>/);
    assert.match(screen, /backend \(10\.0\.\d+\.\d+:80\) open/);
    assert.match(screen, /sh: nslookup: not found/);
    assert.match(screen, /\/ # exit\n/);
    assert.match(screen, /pod "network-policy" deleted/);
    assert.equal((await k("get", "pod", "network-policy", "-n", "test")).code, 1, "--rm deleted the pod");

    // An unlabelled pod is denied by allow-frontend: wget times out after its 2 s.
    const denied = await inPty(
      dir,
      [
        { expect: "try pressing enter", send: "\r" },
        { expect: "/ # ", send: "wget -qO- --timeout=2 http://backend; echo status=$?\r" },
        { expect: "status=", send: "exit\r" },
        { expect: "deleted" },
      ],
      runShell("plain"),
    );
    assert.deepEqual(denied.missed, [], denied.output);
    assert.match(denied.output.replace(/\r/g, ""), /wget: download timed out\nstatus=1\n/);
    assert.equal(denied.status, 0);
  },
);

test(
  "the tutorial with kubectl: explain, get --raw, auth can-i, api-resources, readyz answer as a cluster does",
  { skip: kubectlWorks ? false : KUBECTL_MISSING },
  async (t) => {
    const { k } = await setUp(t);
    const explain = await k("explain", "networkpolicy.spec.podSelector");
    assert.equal(explain.code, 0, explain.stderr);
    assert.match(explain.stdout, /^GROUP: +networking\.k8s\.io\nKIND: +NetworkPolicy\nVERSION: +v1\n/);
    assert.match(explain.stdout, /FIELD: podSelector <LabelSelector>/);
    assert.match(explain.stdout, /podSelector selects the pods to which this NetworkPolicy object applies/);
    assert.match(explain.stdout, /matchLabels\t<map\[string\]string>/);

    const apis = JSON.parse((await k("get", "--raw", "/apis")).stdout) as {
      kind: string;
      groups: { name: string }[];
    };
    assert.equal(apis.kind, "APIGroupList");
    assert.ok(apis.groups.some((g) => g.name === "networking.k8s.io"));
    assert.ok(apis.groups.some((g) => g.name === "discovery.k8s.io"));

    assert.deepEqual(await k("auth", "can-i", "list", "pods"), { code: 0, stdout: "yes\n", stderr: "" });
    assert.match((await k("auth", "whoami")).stdout, /Username +masterclient/);

    const resources = (await k("api-resources")).stdout;
    assert.match(resources, /^replicasets +rs +apps\/v1 +true +ReplicaSet$/m);
    assert.match(resources, /^secrets +v1 +true +Secret$/m);
    assert.match(resources, /^endpointslices +discovery\.k8s\.io\/v1 +true +EndpointSlice$/m);

    const readyz = await k("get", "--raw", "/readyz?verbose");
    assert.match(readyz.stdout, /^\[\+\]ping ok$/m);
    assert.match(readyz.stdout, /readyz check passed\n$/);
    assert.equal((await k("get", "--raw", "/livez")).stdout, "ok");

    // Client-side validation hands strict checking to the server (fieldValidation=Strict).
    await k("create", "namespace", "test");
    const { dir } = { dir: await mkdtemp(join(tmpdir(), "aksv-kubectl-validate-")) };
    t.after(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, "typo.yaml"), DENY_ALL.replace("podSelector:", "podSelectr:"));
    const typo = await k("apply", "--validate=strict", "-f", join(dir, "typo.yaml"));
    assert.equal(typo.code, 1);
    assert.match(typo.stderr, /strict decoding error: unknown field "spec\.podSelectr"/);
  },
);
