// Kubernetes emulator benchmark through the real client-node: request latency of pod creates and
// gets, and the wall time for N probe pods (half allowed, half denied by a policy) to finish.
// Prints JSON. Usage: node dist/bench/kube.js [--probes 100]
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import * as k8s from "@kubernetes/client-node";
import { clusterKey } from "../emulators/common/cluster-key.js";
import { startKubeEmulator } from "../emulators/kube/index.js";
import { kubeConfigFor, registration } from "../harness/kube.js";

const probes = Number(process.argv[process.argv.indexOf("--probes") + 1] || 100);
const TIME_SCALE = 0.001;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Number((sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0).toFixed(2));
}

const stateDir = await mkdtemp(join(tmpdir(), "aksv-kube-bench-"));
const emulator = await startKubeEmulator({ port: 0, stateDir, timeScale: TIME_SCALE });
try {
  const reg = registration("bench");
  const creds = emulator.registerCluster(clusterKey(reg.resourceId), reg);
  const kc = kubeConfigFor(creds.server, creds.certificateAuthorityData, creds.adminToken);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const net = kc.makeApiClient(k8s.NetworkingV1Api);
  const namespace = "test";
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  const backend = { app: "webapp", role: "backend" };
  await core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name: "backend", labels: backend },
      spec: { containers: [{ name: "nginx", image: "nginx" }] },
    },
  });
  await core.createNamespacedService({
    namespace,
    body: { metadata: { name: "backend" }, spec: { selector: backend, ports: [{ port: 80 }] } },
  });
  await net.createNamespacedNetworkPolicy({
    namespace,
    body: {
      metadata: { name: "backend-policy" },
      spec: {
        podSelector: { matchLabels: backend },
        ingress: [{ _from: [{ podSelector: { matchLabels: { role: "frontend" } } }] }],
      },
    },
  });
  const createMs: number[] = [];
  const started = performance.now();
  // Sequential creates: per-request latency, as the seeding's activities issue them.
  for (const i of Array.from({ length: probes }, (_, n) => n))
    await (async () => {
      const t0 = performance.now();
      await core.createNamespacedPod({
        namespace,
        body: {
          metadata: { name: `probe-${i}`, labels: i % 2 === 0 ? { role: "frontend" } : {} },
          spec: {
            restartPolicy: "Never",
            containers: [
              { name: "p", image: "busybox", command: ["wget", "-qO-", "--timeout=2", "http://backend"] },
            ],
          },
        },
      });
      createMs.push(performance.now() - t0);
    })();
  const getMs: number[] = [];
  let phases: string[] = [];
  for (;;) {
    const t0 = performance.now();
    const list = await core.listNamespacedPod({ namespace, labelSelector: "" });
    getMs.push(performance.now() - t0);
    phases = list.items
      .filter((p) => p.metadata?.name?.startsWith("probe-"))
      .map((p) => p.status?.phase ?? "");
    if (phases.every((p) => p === "Succeeded" || p === "Failed")) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const allFinished = performance.now() - started;
  console.log(
    JSON.stringify(
      {
        probes,
        timeScale: TIME_SCALE,
        succeeded: phases.filter((p) => p === "Succeeded").length,
        failed: phases.filter((p) => p === "Failed").length,
        createPodMs: { p50: percentile(createMs, 50), p95: percentile(createMs, 95) },
        listPodsMs: { p50: percentile(getMs, 50), p95: percentile(getMs, 95) },
        allProbesFinishedMs: Math.round(allFinished),
      },
      null,
      2,
    ),
  );
} finally {
  await emulator.stop();
  await rm(stateDir, { recursive: true, force: true });
}
