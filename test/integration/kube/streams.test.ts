// exec, attach and logs as clients reach them: client-node's Exec (WebSocket, v5.channel.k8s.io),
// a raw `ws` client speaking the channel protocol to an attached shell, and the log of a
// crash-looping container (its last run's output, as the kubelet serves it).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import * as k8s from "@kubernetes/client-node";
import WebSocket from "ws";
import { eventually, startHarness, type Harness } from "./harness.js";

function sink() {
  let text = "";
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      text += chunk.toString();
      cb();
    },
  });
  return { stream, text: () => text };
}

async function exec(h: Harness, pod: string, command: string[]) {
  const stdout = sink();
  const stderr = sink();
  const status = await new Promise<k8s.V1Status>((resolve, reject) => {
    new k8s.Exec(h.kc)
      .exec("default", pod, "c", command, stdout.stream, stderr.stream, null, false, resolve)
      .catch(reject);
  });
  return { stdout: stdout.text(), stderr: stderr.text(), status };
}

async function runningPod(h: Harness, name: string, container: k8s.V1Container, restartPolicy = "Always") {
  const core = h.kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespacedPod({
    namespace: "default",
    body: { metadata: { name, labels: { app: name } }, spec: { restartPolicy, containers: [container] } },
  });
  return eventually(async () => {
    const p = await core.readNamespacedPod({ name, namespace: "default" });
    return p.status?.phase === "Running" ? p : undefined;
  }, `${name} Running`);
}

test("exec through client-node: streams, exit codes, the data plane from inside the pod, missing binaries", async (t) => {
  const h = await startHarness(t);
  await runningPod(h, "web", { name: "c", image: "nginx", ports: [{ containerPort: 80 }] });
  const core = h.kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespacedService({
    namespace: "default",
    body: { metadata: { name: "web" }, spec: { selector: { app: "web" }, ports: [{ port: 80 }] } },
  });
  await runningPod(h, "client", { name: "c", image: "busybox", command: ["sleep", "3600"] });

  const script = await exec(h, "client", ["sh", "-c", "echo out; echo err >&2; exit 3"]);
  assert.deepEqual([script.stdout, script.stderr], ["out\n", "err\n"]);
  assert.equal(script.status.status, "Failure");
  assert.equal(script.status.reason, "NonZeroExitCode");
  assert.deepEqual(script.status.details?.causes, [{ reason: "ExitCode", message: "3" }]);

  const page = await eventually(async () => {
    const r = await exec(h, "client", ["wget", "-qO-", "--timeout=1", "http://web"]);
    return r.status.status === "Success" ? r : undefined;
  }, "wget through the service");
  assert.match(page.stdout, /<title>Welcome to nginx!<\/title>/);

  const nc = await exec(h, "client", ["nc", "-zv", "-w", "1", "web", "81"]);
  assert.match(nc.stderr, /nc: web \(10\.0\.\d+\.\d+:81\): Connection refused/);

  const missing = await exec(h, "client", ["nslookup", "web"]);
  assert.equal(missing.status.status, "Failure");
  assert.match(missing.status.message ?? "", /exec: "nslookup": executable file not found in \$PATH/);

  await core.createNamespacedPod({
    namespace: "default",
    body: {
      metadata: { name: "done" },
      spec: {
        restartPolicy: "Never",
        containers: [{ name: "c", image: "busybox", command: ["wget", "-qO-", "http://web"] }],
      },
    },
  });
  await eventually(async () => {
    const p = await core.readNamespacedPod({ name: "done", namespace: "default" });
    return p.status?.phase === "Succeeded" ? true : undefined;
  }, "done Succeeded");
  await assert.rejects(exec(h, "done", ["sh"]), "a finished container cannot be exec'd into");
});

test("attach over a raw WebSocket (v5.channel.k8s.io) to a shell reading stdin; closing stdin ends it", async (t) => {
  const h = await startHarness(t);
  const core = h.kc.makeApiClient(k8s.CoreV1Api);
  await runningPod(h, "shell", {
    name: "c",
    image: "busybox",
    command: ["sh"],
    stdin: true,
    stdinOnce: true,
  } as k8s.V1Container);
  const ca = Buffer.from(h.caData, "base64").toString();
  const url = `${h.server.replace(/^https/, "wss")}/api/v1/namespaces/default/pods/shell/attach?container=c&stdin=true&stdout=true&stderr=true`;
  const ws = new WebSocket(url, ["v5.channel.k8s.io", "v4.channel.k8s.io"], {
    ca,
    headers: { Authorization: `Bearer ${h.token}` },
  });
  const frames: { channel: number; text: string }[] = [];
  const closed = new Promise<void>((resolve) => ws.on("close", () => resolve()));
  ws.on("message", (data: Buffer) => frames.push({ channel: data[0]!, text: data.subarray(1).toString() }));
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  assert.equal(ws.protocol, "v5.channel.k8s.io");
  ws.send(Buffer.concat([Buffer.from([0]), Buffer.from("echo hi; hostname; ls\n")]));
  await eventually(() => (frames.some((f) => f.channel === 2) ? true : undefined), "stderr frame");
  assert.deepEqual(
    frames.map((f) => [f.channel, f.text]),
    [
      [1, "hi\n"],
      [1, "shell\n"],
      [2, "sh: ls: not found\n"],
    ],
  );
  ws.send(Buffer.from([255, 0])); // v5: close stdin
  await closed;
  const status = frames.find((f) => f.channel === 3);
  assert.deepEqual(JSON.parse(status?.text ?? "{}"), { metadata: {}, status: "Success" });

  // The shell was the main process: it exited with its last status (ls: 127), and the kubelet
  // restarts it (restartPolicy Always).
  const pod = await eventually(async () => {
    const p = await core.readNamespacedPod({ name: "shell", namespace: "default" });
    return p.status?.containerStatuses?.[0]?.lastState?.terminated ? p : undefined;
  }, "the shell's exit reported");
  assert.equal(pod.status?.containerStatuses?.[0]?.lastState?.terminated?.exitCode, 127);
  const previous = await eventually(async () => {
    try {
      return await core.readNamespacedPodLog({ name: "shell", namespace: "default", previous: true });
    } catch {
      return undefined;
    }
  }, "the previous instance's log");
  assert.equal(previous, "hi\nshell\nsh: ls: not found\n");
});

test("the log of a crash-looping container is its last run's output, also with previous=true", async (t) => {
  const h = await startHarness(t);
  const core = h.kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespacedPod({
    namespace: "default",
    body: {
      metadata: { name: "probe" },
      spec: {
        containers: [
          { name: "c", image: "busybox", command: ["wget", "-qO-", "--timeout=2", "http://nothing"] },
        ],
      },
    },
  });
  // Before its container starts, the log is refused as the kubelet refuses it. On a loaded machine the
  // emulated start may already be over when the read arrives: then the container must have started.
  const early = await core.readNamespacedPodLog({ name: "probe", namespace: "default" }).then(
    () => undefined,
    (err: unknown) => String((err as { body?: string }).body),
  );
  if (early === undefined) {
    const p = await core.readNamespacedPod({ name: "probe", namespace: "default" });
    const s = p.status?.containerStatuses?.[0];
    assert.ok(
      s?.state?.running || s?.state?.terminated || s?.lastState?.terminated || (s?.restartCount ?? 0) > 0,
      "a log was served for a container that never started",
    );
  } else assert.match(early, /is waiting to start: ContainerCreating/);
  const pod = await eventually(async () => {
    const p = await core.readNamespacedPod({ name: "probe", namespace: "default" });
    const s = p.status?.containerStatuses?.[0];
    return s?.state?.waiting?.reason === "CrashLoopBackOff" ? p : undefined;
  }, "CrashLoopBackOff");
  assert.equal(pod.status?.phase, "Running");
  assert.equal(
    await core.readNamespacedPodLog({ name: "probe", namespace: "default" }),
    "wget: bad address 'nothing'\n",
  );
  assert.equal(
    await core.readNamespacedPodLog({ name: "probe", namespace: "default", previous: true }),
    "wget: bad address 'nothing'\n",
  );
  const stamped = await core.readNamespacedPodLog({ name: "probe", namespace: "default", timestamps: true });
  assert.match(stamped, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z wget: bad address 'nothing'\n$/);
});
