// The drift check on the whole local stack: the tutorial cluster is created through the API, its
// drift monitor started as the API starts it (ensureDriftMonitor over the durable client) with a
// short period; a NetworkPolicy deleted with kubectl and a node count changed through the ARM SDK
// are each reported by the first check after the change, and under driftPolicy "repair" the policy
// is back. Every wait is on the monitor's status, none on time.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, it } from "node:test";
import type * as df from "durable-functions";
import { driftMonitorInput, ensureDriftMonitor, stopDriftMonitor } from "../../application/drift-monitor.js";
import { driftOf } from "../../shared/provision/status.js";
import type { Orchestrations } from "../../application/ports.js";
import { orchestrationsOf } from "../../functions/orchestrations.js";
import { clientsFor, FAST } from "../../harness/azure.js";
import {
  callApi,
  devToken,
  kubeconfigFor,
  durableClientOf,
  startStack,
  waitForPhase,
  type Stack,
} from "../../harness/stack.js";
import type { FunctionsHost } from "../../emulators/functions-host/index.js";
import { driftInstanceId, provisionInstanceId } from "../../shared/azure/names.js";
import { asDriftStatus, type DriftStatus } from "../../shared/provision/drift.js";
import type { ProvisionInput } from "../../shared/provision/types.js";
import { tutorialRequest } from "../helpers/examples.js";

/** The monitor's period, in the wall seconds the app's timers run in (config values are already scaled). */
const PERIOD_SECONDS = 1;
const POLICY = "namespaces[test].networkPolicies[backend-policy]";

let stack: Stack;
let stateDir: string;
let token: string;
let client: df.DurableClient;
let orchestrations: Orchestrations;
let kubeconfig: string;

before(async () => {
  stateDir = await mkdtemp(join(tmpdir(), "aksv-drift-"));
  stack = await startStack({ stateDir });
  // A platform member too: the tutorial's default access grant (writer) goes to the caller.
  token = await devToken(stack, { roles: ["Clusters.Admin"], teams: ["platform"] });
  client = durableClientOf(stack.host as FunctionsHost);
  orchestrations = orchestrationsOf(client);
});

after(async () => {
  await stack?.stop();
  await rm(stateDir, { recursive: true, force: true });
});

function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile("kubectl", ["--kubeconfig", kubeconfig, ...args], { timeout: 60_000 }, (e, stdout, stderr) =>
      resolve({ code: e ? (typeof e.code === "number" ? e.code : 1) : 0, stdout, stderr }),
    );
  });
}

function kubectlAvailable(): Promise<boolean> {
  return new Promise((resolve) => execFile("kubectl", ["version", "--client"], (e) => resolve(!e)));
}

/** Polls the monitor's status until `done` holds for its report, and answers that report. */
async function reportWhere(base: string, done: (s: DriftStatus) => boolean, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    last = (await orchestrations.getStatus(driftInstanceId(base)))?.customStatus;
    const status = asDriftStatus(last);
    if (status && done(status)) return status;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`the drift report never matched (last status: ${JSON.stringify(last)})`);
}

/**
 * The first report of a check made after `since` (checkedAt is when a check began to read the
 * cluster): "within one period" means exactly that the first check after a change reports it.
 */
function firstReportAfter(base: string, since: Date): Promise<DriftStatus> {
  return reportWhere(
    base,
    (s) => s.checkedAt !== undefined && !s.skipped && Date.parse(s.checkedAt) > since.getTime(),
  );
}

/** Polls until the instance is Terminated (the task hub carries out a terminate asynchronously). */
async function terminated(instanceId: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let instance = await orchestrations.getStatus(instanceId);
  while (instance?.runtimeStatus !== "Terminated" && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 25));
    instance = await orchestrations.getStatus(instanceId);
  }
  assert.equal(instance?.runtimeStatus, "Terminated");
  return instance;
}

const paths = (s: DriftStatus) => s.drift.map((d) => d.path);

it("reports a deleted NetworkPolicy and a changed node count within one period, and restores the policy under driftPolicy repair", async (t) => {
  if (!(await kubectlAvailable())) return t.skip("kubectl is not installed (apt-get install kubectl)");
  // The autoscaler off: a node count someone changes is then drift (with it on, the count may move
  // between its bounds).
  const request = tutorialRequest();
  request["nodePool"] = { count: 1, enableAutoScaling: false };
  const name = String(request["name"]);
  const created = await callApi(stack.api, token, "/clusters", {
    method: "POST",
    body: JSON.stringify(request),
  });
  assert.equal(created.status, 202);
  const doc = await waitForPhase(stack.api, token, name, ["Succeeded", "Failed"], 120_000);
  assert.equal(doc.phase, "Succeeded", JSON.stringify(doc.error));

  // The caller is the team's writer in its namespaces (the default grant): kubectl as that user.
  kubeconfig = join(stateDir, "kubeconfig.yaml");
  await writeFile(kubeconfig, await kubeconfigFor(stack, token, name), { mode: 0o600 });

  // The monitor, as the API starts it at the create: generation 1, the create's own input.
  const target = { subscriptionId: stack.azure.subscriptionId, resourceGroup: "akstips", name };
  const base = provisionInstanceId(target);
  const desired = (await orchestrations.getStatus(base))?.input as ProvisionInput;
  assert.equal(desired.spec.driftPolicy, "report", "report is the default");
  const config = { drift: { intervalSeconds: PERIOD_SECONDS } };
  const started = new Date();
  await ensureDriftMonitor(orchestrations, driftMonitorInput(config, base, 1, desired));

  // A cluster just as its spec says has no drift: nothing is reported that nobody changed.
  const clean = await firstReportAfter(base, started);
  assert.deepEqual(clean.drift, [], "a fresh cluster has no drift");
  assert.equal(clean.generation, 1);

  // kubectl deletes a policy: the first check after it reports it, and (report) leaves it deleted.
  const deleted = await kubectl("-n", "test", "delete", "networkpolicy", "backend-policy");
  assert.equal(deleted.code, 0, deleted.stderr);
  const deletedAt = new Date();
  const seen = await firstReportAfter(base, deletedAt);
  assert.deepEqual(paths(seen), [POLICY]);
  assert.deepEqual(
    { expected: seen.drift[0]!.expected, actual: seen.drift[0]!.actual },
    { expected: "present", actual: "absent" },
  );
  const detectedAt = seen.drift[0]!.detectedAt;
  const again = await firstReportAfter(base, new Date(seen.checkedAt!));
  assert.equal(again.drift.find((d) => d.path === POLICY)?.detectedAt, detectedAt, "first seen is kept");
  assert.notEqual(
    (await kubectl("-n", "test", "get", "networkpolicy", "backend-policy")).code,
    0,
    "not repaired",
  );
  assert.deepEqual(driftOf(await orchestrations.getStatus(driftInstanceId(base))), again.drift);

  // The node count changed through ARM (as in the portal): reported once the scale has ended.
  const aks = clientsFor(stack.azure).aks;
  const pool = await aks.agentPools.get("akstips", name, "system");
  const scaleRequested = new Date();
  await aks.agentPools.beginCreateOrUpdateAndWait("akstips", name, "system", { ...pool, count: 2 }, FAST);
  const scaled = await firstReportAfter(base, new Date());
  const count = scaled.drift.find((d) => d.path === "nodePool.count");
  assert.deepEqual({ expected: count?.expected, actual: count?.actual }, { expected: 1, actual: 2 });
  // Seen by a check after the scale was asked for (it may end in ARM before the SDK's poll sees it).
  assert.ok(Date.parse(count!.detectedAt) > scaleRequested.getTime(), count!.detectedAt);
  // Scaled back: no longer drift.
  await aks.agentPools.beginCreateOrUpdateAndWait("akstips", name, "system", { ...pool, count: 1 }, FAST);
  assert.deepEqual(paths(await firstReportAfter(base, new Date())), [POLICY]);

  // A workload edited with kubectl: the field that differs, in spec terms.
  // (kubectl patch: the Kubernetes emulator serves no scale subresource for `kubectl scale`.)
  const scaledUp = await kubectl(
    "-n",
    "test",
    "patch",
    "deployment",
    "backend",
    "-p",
    '{"spec":{"replicas":3}}',
  );
  assert.equal(scaledUp.code, 0, scaledUp.stderr);
  const edited = await firstReportAfter(base, new Date());
  assert.deepEqual(
    edited.drift.map(({ path, expected, actual }) => ({ path, expected, actual })),
    [
      { path: POLICY, expected: "present", actual: "absent" },
      { path: "namespaces[test].workloads[backend].spec.replicas", expected: 1, actual: 3 },
    ],
  );

  // The same generation with driftPolicy "repair", handed to the running monitor: the policy is back.
  await ensureDriftMonitor(
    orchestrations,
    driftMonitorInput(config, base, 1, { ...desired, spec: { ...desired.spec, driftPolicy: "repair" } }),
  );
  const repaired = await reportWhere(base, (s) => s.repair !== undefined);
  assert.equal(repaired.repair?.outcome, "Succeeded", JSON.stringify(repaired.repair));
  const restored = await kubectl("-n", "test", "get", "networkpolicy", "backend-policy", "-o", "json");
  assert.equal(restored.code, 0, restored.stderr);
  const policy = JSON.parse(restored.stdout) as { spec: { ingress: { from: unknown[] }[] } };
  assert.equal(policy.spec.ingress[0]?.from.length, 1, "restored as the spec says (allow from the frontend)");
  const replicas = await kubectl(
    "-n",
    "test",
    "get",
    "deployment",
    "backend",
    "-o",
    "jsonpath={.spec.replicas}",
  );
  assert.equal(replicas.stdout, "1", "the workload is back to the spec's replicas");
  assert.deepEqual((await firstReportAfter(base, new Date(repaired.repair!.at))).drift, [], "nothing left");

  // Stopped (as a DELETE stops it): no longer running, and its report no longer shown.
  await stopDriftMonitor(orchestrations, base);
  const stopped = await terminated(driftInstanceId(base));
  assert.equal(driftOf(stopped), undefined);
});
