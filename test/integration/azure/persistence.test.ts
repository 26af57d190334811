// State survives a restart (same state directory and port): resources, the signing key (tokens stay
// valid) and running operations, which a restored poller then finishes. --reset starts clean.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { ContainerServiceClient, restorePoller } from "@azure/arm-containerservice";
import { startAzureEmulator } from "../../../emulators/azure/index.js";
import {
  FAST,
  clientsFor,
  clusterBody,
  credentialFor,
  prepareNetwork,
  sdkOptions,
} from "../../../harness/azure.js";
import { eventually, tempStateDir } from "./helpers.js";

type Latency = NonNullable<Parameters<typeof startAzureEmulator>[0]>["latency"];

/**
 * A first emulator over a fresh state directory, with the network a cluster needs, and a way to
 * start it again (`again`: same directory; a port, or 0) — every start stopped after the test.
 */
async function restartable(t: TestContext, latency: Latency) {
  const stateDir = await tempStateDir();
  const running: { stop(): Promise<void> }[] = [];
  t.after(async () => {
    for (const e of running) await e.stop();
    await rm(stateDir, { recursive: true, force: true });
  });
  const options = { stateDir, timeScale: 0.002, latency };
  const again = async (port: number, reset = false) => {
    const emulator = await startAzureEmulator({ ...options, port, ...(reset ? { reset } : {}) });
    running.push(emulator);
    return emulator;
  };
  const first = await again(0);
  const credential = credentialFor(first);
  const c1 = clientsFor(first, credential);
  const setup = await prepareNetwork(c1, "rg");
  return { first, credential, c1, setup, again };
}

/** A cluster operation's poller serialized before a restart, resumed by a fresh client and polled to its end: its result. */
async function finishRestored(
  credential: ReturnType<typeof credentialFor>,
  emulator: Awaited<ReturnType<typeof startAzureEmulator>>,
  state: string,
  what: string,
) {
  const fresh = new ContainerServiceClient(credential, emulator.subscriptionId, sdkOptions(emulator));
  const resumed = restorePoller(fresh, state, fresh.managedClusters.createOrUpdate, FAST);
  await eventually(
    async () => {
      await resumed.poll();
      return resumed.isDone;
    },
    what,
    10_000,
  );
  return await resumed;
}

test("a restart keeps resources and in-flight cluster creates; restorePoller finishes the create; reset starts clean", async (t) => {
  const { first, credential, c1, setup, again } = await restartable(t, { clusterCreate: 1500 });
  const poller = c1.aks.managedClusters.createOrUpdate("rg", "aks", clusterBody(setup), FAST);
  await poller.submitted();
  const state = await poller.serialize();
  await first.stop();

  const second = await again(first.port);
  assert.equal(second.url, first.url);
  const c2 = clientsFor(second, credential);
  assert.equal((await c2.network.virtualNetworks.get("rg", "myVnet")).subnets?.[0]?.id, setup.subnetId);
  assert.equal(
    (await c2.msi.userAssignedIdentities.get("rg", "aks-identity")).principalId,
    setup.principalId,
  );
  assert.equal((await c2.aks.managedClusters.get("rg", "aks")).provisioningState, "Creating");

  const created = await finishRestored(credential, second, state, "the resumed create to finish");
  assert.equal(created.provisioningState, "Succeeded");
  await second.stop();

  const third = await again(0, true);
  const c3 = clientsFor(third);
  await assert.rejects(c3.resources.resourceGroups.get("rg"), {
    statusCode: 404,
    code: "ResourceGroupNotFound",
  });
});

test("an upgrade in flight survives a restart: the restarted emulator completes it and moves currentKubernetesVersion then", async (t) => {
  const { first, credential, c1, setup, again } = await restartable(t, { controlPlaneUpgrade: 1500 });
  const body = { ...clusterBody(setup), kubernetesVersion: "1.32" };
  await c1.aks.managedClusters.createOrUpdate("rg", "aks", body, FAST);
  const poller = c1.aks.managedClusters.createOrUpdate(
    "rg",
    "aks",
    { ...body, kubernetesVersion: "1.33" },
    FAST,
  );
  await poller.submitted();
  const state = await poller.serialize();
  await first.stop();

  const second = await again(first.port);
  const during = await clientsFor(second, credential).aks.managedClusters.get("rg", "aks");
  assert.deepEqual(
    [during.provisioningState, during.kubernetesVersion, during.currentKubernetesVersion],
    ["Updating", "1.33", "1.32.7"],
  );
  const done = await finishRestored(credential, second, state, "the resumed upgrade to finish");
  assert.deepEqual([done.provisioningState, done.currentKubernetesVersion], ["Succeeded", "1.33.3"]);
});
