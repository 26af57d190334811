// The Kubernetes emulator persists a write before it acknowledges it: the emulator runs as its own
// process (dist/emulators/kube/main.js), client-node writes through it, and the process is killed
// with SIGKILL the moment the 201 arrives; restarted on the same state directory, it has the object.
// A second emulator on a directory in use refuses, naming the holder's pid.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import * as k8s from "@kubernetes/client-node";
import { clusterKey } from "../../../emulators/common/cluster-key.js";
import { kubeConfigFor, registration } from "../../../harness/kube.js";
import { REPO_ROOT } from "../../helpers/examples.js";
import { httpsRequest } from "./harness.js";

const MAIN = join(REPO_ROOT, "dist/emulators/kube/main.js");

interface Running {
  child: ChildProcess;
  url: string;
  exited: Promise<NodeJS.Signals | number | null>;
}

function run(stateDir: string): { child: ChildProcess; stderr: () => string; exited: Running["exited"] } {
  const child = spawn(
    process.execPath,
    [MAIN, "--port", "0", "--state-dir", stateDir, "--time-scale", "0.01"],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.once("exit", (code, signal) => resolve(signal ?? code)),
  );
  return { child, stderr: () => stderr, exited };
}

async function start(stateDir: string): Promise<Running> {
  const { child, exited, stderr } = run(stateDir);
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    void exited.then((how) => reject(new Error(`kube emulator exited (${how}): ${stderr()}`)));
    lines.on("line", (line) => {
      const m = /listening on (https:\/\/\S+)/.exec(line);
      if (m) resolve(m[1]!);
    });
  });
  return { child, url, exited };
}

async function killNow(r: Running): Promise<void> {
  r.child.kill("SIGKILL");
  assert.equal(await r.exited, "SIGKILL");
}

test("kill -9 right after an acknowledged write loses nothing: namespace, NetworkPolicy, the cluster itself", async (t) => {
  const stateDir = await mkdtemp(join(tmpdir(), "aksv-kube-durable-"));
  const alive: Running[] = [];
  t.after(async () => {
    for (const r of alive)
      if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill("SIGKILL");
    await rm(stateDir, { recursive: true, force: true });
  });
  const ca = () => readFile(join(stateDir, "ca", "ca.pem"), "utf8");
  const reg = registration("durable");
  const key = clusterKey(reg.resourceId);

  // 1. The registration (what the Azure emulator's cluster create waits for) is acknowledged: kill.
  let r = await start(stateDir);
  alive.push(r);
  const registered = await httpsRequest(
    `${r.url}/_emulator/clusters/${key}`,
    "PUT",
    await ca(),
    undefined,
    JSON.stringify(reg),
    { "content-type": "application/json" },
  );
  assert.equal(registered.status, 201);
  await killNow(r);
  const creds = registered.json() as { server: string; certificateAuthorityData: string; adminToken: string };

  // Each step restarts the emulator on the same state directory and talks to it through client-node.
  const restart = async () => {
    r = await start(stateDir);
    alive.push(r);
    const kc = kubeConfigFor(
      creds.server.replace(/^https:\/\/[^/]+/, r.url),
      creds.certificateAuthorityData,
      creds.adminToken,
    );
    return { core: kc.makeApiClient(k8s.CoreV1Api), net: kc.makeApiClient(k8s.NetworkingV1Api) };
  };

  // 2. A namespace: 201, kill.
  let c = await restart();
  const created = await c.core.createNamespace({
    body: { metadata: { name: "kept", labels: { team: "red" } } },
  });
  assert.equal(created.metadata?.name, "kept");
  await killNow(r);

  // 3. A NetworkPolicy in it: 201, kill.
  c = await restart();
  const ns = await c.core.readNamespace({ name: "kept" });
  assert.equal(ns.metadata?.labels?.["team"], "red", "the namespace acknowledged before the kill is there");
  await c.net.createNamespacedNetworkPolicy({
    namespace: "kept",
    body: { metadata: { name: "deny-all" }, spec: { podSelector: {}, policyTypes: ["Ingress"] } },
  });
  await killNow(r);

  // 4. It is there, and the emulator still writes after a replay (its log continues): 201, kill.
  c = await restart();
  const policy = await c.net.readNamespacedNetworkPolicy({ namespace: "kept", name: "deny-all" });
  assert.deepEqual(
    policy.spec?.policyTypes,
    ["Ingress"],
    "the NetworkPolicy acknowledged before the kill is there",
  );
  await c.core.createNamespacedConfigMap({
    namespace: "kept",
    body: { metadata: { name: "after-replay" }, data: { a: "1" } },
  });
  await killNow(r);
  c = await restart();
  const cm = await c.core.readNamespacedConfigMap({ namespace: "kept", name: "after-replay" });
  assert.equal(cm.data?.["a"], "1");
  assert.ok(
    Number(cm.metadata?.resourceVersion) > Number(ns.metadata?.resourceVersion),
    "revisions keep counting up",
  );

  // 5. A second emulator on the same state directory refuses, naming the running one's pid.
  const second = run(stateDir);
  assert.equal(await second.exited, 1);
  assert.ok(
    second
      .stderr()
      .includes(`${join(stateDir, "kube")} is in use by the Kubernetes emulator (pid ${r.child.pid},`),
    second.stderr(),
  );
  r.child.kill("SIGTERM");
  assert.equal(await r.exited, 0);
});
