// The tutorial's ARM steps (group, VNet + subnet, identity + Network Contributor, AKS with network
// policy, admin kubeconfig) through the real SDKs against the Azure emulator at a given time scale.
// Prints wall time per step and the ARM calls the emulator recorded, as JSON.
// Usage: node dist/bench/azure-tutorial.js [timeScale=0.01]
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startAzureEmulator } from "../emulators/azure/index.js";
import { parseTimeScale } from "../shared/config/time-scale.js";
import { FAST, clientsFor, clusterBody, prepareNetwork } from "../harness/azure.js";

const timeScale = parseTimeScale(process.argv[2] ?? "0.01", "timeScale (first argument)");
const stateDir = await mkdtemp(join(tmpdir(), "aksv-bench-azure-"));
const emulator = await startAzureEmulator({ port: 0, stateDir, timeScale });
try {
  const c = clientsFor(emulator);
  const steps: Record<string, number> = {};
  const timed = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const out = await f();
    steps[name] = Math.round(performance.now() - t0);
    return out;
  };
  const polling = { updateIntervalInMs: Math.max(FAST.updateIntervalInMs, Math.round(2000 * timeScale)) };
  const setup = await timed("groupVnetIdentityRole", () => prepareNetwork(c, "akstips"));
  await timed("aksCreate", () =>
    c.aks.managedClusters.createOrUpdate("akstips", "tips", clusterBody(setup), polling),
  );
  await timed("adminCredential", () => c.aks.managedClusters.listClusterAdminCredentials("akstips", "tips"));
  // ARM calls only (the token endpoint is recorded too).
  const calls = emulator.recorder.query({ path: "/subscriptions" });
  const byMethod: Record<string, number> = {};
  for (const r of calls) byMethod[r.method] = (byMethod[r.method] ?? 0) + 1;
  console.log(
    JSON.stringify({
      timeScale,
      pollIntervalMs: polling.updateIntervalInMs,
      stepsMs: steps,
      totalMs: Object.values(steps).reduce((a, b) => a + b, 0),
      armCalls: calls.length,
      byMethod,
    }),
  );
} finally {
  await emulator.stop();
  await rm(stateDir, { recursive: true, force: true });
}
