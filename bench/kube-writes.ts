// Kubernetes emulator write throughput through the real client-node: ConfigMap creates, one at a time
// and 16 in flight, on a cluster that already holds `--objects` ConfigMaps (a snapshot's cost grows
// with the cluster). Every acknowledged write is persisted before the answer (emulators/kube/persistence.ts).
// Prints JSON. Usage: node dist/bench/kube-writes.js [--writes 1000] [--objects 500]
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import * as k8s from "@kubernetes/client-node";
import { clusterKey } from "../emulators/common/cluster-key.js";
import { startKubeEmulator } from "../emulators/kube/index.js";
import { kubeConfigFor, registration } from "../harness/kube.js";

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const writes = arg("--writes", 1000);
const objects = arg("--objects", 500);
const CONCURRENCY = 16;

const stateDir = await mkdtemp(join(tmpdir(), "aksv-kube-writes-"));
const emulator = await startKubeEmulator({ port: 0, stateDir, timeScale: 0.001 });
try {
  const reg = registration("writes");
  const creds = emulator.registerCluster(clusterKey(reg.resourceId), reg);
  const core = kubeConfigFor(creds.server, creds.certificateAuthorityData, creds.adminToken).makeApiClient(
    k8s.CoreV1Api,
  );
  await core.createNamespace({ body: { metadata: { name: "bench" } } });
  // Objects of a realistic size (a few hundred bytes of data each).
  const body = (name: string) => ({
    metadata: { name, labels: { app: "bench" } },
    data: { payload: "x".repeat(400) },
  });
  const create = (name: string) => core.createNamespacedConfigMap({ namespace: "bench", body: body(name) });
  for (let i = 0; i < objects; i++) await create(`existing-${i}`);

  let t0 = performance.now();
  for (let i = 0; i < writes; i++) await create(`seq-${i}`);
  const sequential = writes / ((performance.now() - t0) / 1000);

  t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < writes) await create(`par-${next++}`);
    }),
  );
  const concurrent = writes / ((performance.now() - t0) / 1000);

  console.log(
    JSON.stringify(
      {
        writes,
        existingObjects: objects,
        sequentialWritesPerSecond: Math.round(sequential),
        concurrentWritesPerSecond: Math.round(concurrent),
        concurrency: CONCURRENCY,
      },
      null,
      2,
    ),
  );
} finally {
  await emulator.stop();
  await rm(stateDir, { recursive: true, force: true });
}
