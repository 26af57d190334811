// The Azure CLI, unmodified, against the local emulators: the ARM part of the tutorial as a user types
// it (recipe in emulators/azure/README.md). Needs `az` on PATH (Debian: apt-get install azure-cli);
// without it the test reports a skip naming the package.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { startAzureEmulator } from "../../emulators/azure/index.js";
import { startEmulators } from "../../emulators/stack.js";
import { clientsFor, FAST, prepareNetwork } from "../../harness/azure.js";
import { managedClusterModel } from "../../shared/azure/models.js";
import { validateClusterSpec } from "../../shared/spec/index.js";
import { sampleCluster } from "../helpers/spec-conformance.js";
import { azModelsAvailable, validateAnswers } from "./az-models.js";

const run = promisify(execFile);

function azInstalled(): boolean {
  try {
    execFileSync("az", ["version", "-o", "none"], { stdio: "ignore", timeout: 60_000 });
    return true;
  } catch {
    return false;
  }
}

/** npm start's default time scale: the az part must stay under 2 minutes there. */
const TIME_SCALE = 0.02;

/**
 * The emulators on free ports and az pointed at them (its own config directory, the local CA), torn
 * down after the test. `az` fails the test when az does; `azRaw` answers how az ended.
 */
async function azOnEmulators(t: TestContext, prefix: string) {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const emulators = await startEmulators({
    stateDir: join(dir, "state"),
    timeScale: TIME_SCALE,
    ports: { azure: 0, kube: 0, table: 0 },
    reset: true,
  });
  t.after(async () => {
    await emulators.azure.stop();
    await emulators.kube.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const { azure } = emulators;
  const env = {
    ...process.env,
    AZURE_CONFIG_DIR: join(dir, "azure-config"),
    REQUESTS_CA_BUNDLE: emulators.caPath,
    AZURE_CORE_COLLECT_TELEMETRY: "no",
    AZURE_CORE_NO_COLOR: "1",
  };
  const azRaw = (...args: string[]) =>
    run("az", args, { env, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }).then(
      ({ stdout }) => ({ ok: true, stdout, stderr: "" }),
      (e: { stderr?: string; message: string }) => ({ ok: false, stdout: "", stderr: e.stderr ?? e.message }),
    );
  const az = async (...args: string[]): Promise<string> => {
    const r = await azRaw(...args);
    if (!r.ok) assert.fail(`az ${args.join(" ")} failed: ${r.stderr}`);
    return r.stdout;
  };
  const json = async <T>(...args: string[]): Promise<T> => JSON.parse(await az(...args, "-o", "json")) as T;
  /** Registers the emulator as a cloud and signs in as a service principal: az's accounts. */
  const signIn = async () => {
    await az("cloud", "register", "-n", "AksvLocal", "--endpoint-resource-manager", `${azure.url}/`);
    await az("cloud", "set", "-n", "AksvLocal");
    return json<{ id: string; tenantId: string }[]>(
      "login",
      "--service-principal",
      "-u",
      "tutorial-app",
      "-p",
      "any-secret",
      "--tenant",
      azure.tenantId,
    );
  };
  return { dir, azure, az, azRaw, json, signIn };
}

test("az: cloud register, service-principal login and the tutorial's ARM commands exit 0 in under 2 minutes", async (t) => {
  if (!azInstalled()) {
    t.skip("azure-cli not installed: apt-get install azure-cli");
    return;
  }
  const { dir, azure, az, json, signIn } = await azOnEmulators(t, "aksv-az-");
  azure.recorder.keepBodies = true;
  const accounts = await signIn();
  assert.equal(accounts[0]!.id, azure.subscriptionId);
  assert.equal(accounts[0]!.tenantId, azure.tenantId);

  const started = Date.now();
  const rg = "myResourceGroup";
  await az("group", "create", "-n", rg, "-l", "eastus", "-o", "none");
  const identity = await json<{ id: string }>("identity", "create", "-g", rg, "-n", "myIdentity");
  await az(
    "aks",
    "create",
    "-g",
    rg,
    "-n",
    "myAKSCluster",
    "--network-plugin",
    "azure",
    "--network-policy",
    "azure",
    "--node-count",
    "1",
    "--no-ssh-key",
    "--enable-managed-identity",
    "--assign-identity",
    identity.id,
    "-o",
    "none",
  );
  const shown = await json<{
    provisioningState: string;
    currentKubernetesVersion: string;
    servicePrincipalProfile: { clientId: string };
    identityProfile: { kubeletidentity: { clientId: string } };
    nodeResourceGroup: string;
  }>("aks", "show", "-g", rg, "-n", "myAKSCluster");
  assert.equal(shown.provisioningState, "Succeeded");
  assert.match(shown.currentKubernetesVersion, /^1\.\d+\.\d+$/);
  assert.equal(shown.servicePrincipalProfile.clientId, "msi");
  assert.ok(shown.identityProfile.kubeletidentity.clientId);
  assert.equal(shown.nodeResourceGroup, `MC_${rg}_myAKSCluster_eastus`);
  const list = await json<{ name: string }[]>("aks", "list");
  assert.deepEqual(
    list.map((c) => c.name),
    ["myAKSCluster"],
  );
  const versions = await az("aks", "get-versions", "-l", "eastus", "-o", "json");
  assert.match(versions, new RegExp(shown.currentKubernetesVersion.replace(/\./g, "\\.")));
  const pools = await json<{ name: string; count: number }[]>(
    "aks",
    "nodepool",
    "list",
    "-g",
    rg,
    "--cluster-name",
    "myAKSCluster",
  );
  assert.deepEqual(
    pools.map((p) => [p.name, p.count]),
    [["nodepool1", 1]],
  );
  const kubeconfig = join(dir, "kubeconfig");
  await az("aks", "get-credentials", "-g", rg, "-n", "myAKSCluster", "--admin", "-f", kubeconfig);
  assert.match(await readFile(kubeconfig, "utf8"), /current-context: myAKSCluster-admin\n/);
  const resources = await json<{ type: string }[]>("resource", "list", "-g", rg);
  assert.deepEqual(resources.map((r) => r.type).sort(), [
    "Microsoft.ContainerService/managedClusters",
    "Microsoft.ManagedIdentity/userAssignedIdentities",
  ]);
  const clusters = await json<unknown[]>(
    "resource",
    "list",
    "--resource-type",
    "Microsoft.ContainerService/managedClusters",
  );
  assert.equal(clusters.length, 1);
  await az("aks", "delete", "-g", rg, "-n", "myAKSCluster", "--yes");
  await az("group", "delete", "-n", rg, "--yes");
  const seconds = (Date.now() - started) / 1000;
  t.diagnostic(`az part of the tutorial: ${seconds.toFixed(1)} s at time scale ${TIME_SCALE}`);
  assert.ok(seconds < 120, `the az part took ${seconds.toFixed(1)} s (limit 120 s)`);

  // Every answer az read conforms to az's own response model at the api-version it asked for.
  assert.ok(azModelsAvailable(), "azure-cli is installed, so its SDK models must load");
  const conformance = await validateAnswers(azure.recorder.query());
  t.diagnostic(`validated against azure-cli's models: ${conformance.checked.join(", ")}`);
  t.diagnostic(`not modelled: ${[...new Set(conformance.unmodelled)].join(", ")}`);
  assert.deepEqual(conformance.failures, []);
  const models = new Set(conformance.checked.map((c) => c.split("→ ")[1]));
  for (const m of [
    "ResourceGroup",
    "Identity",
    "ManagedCluster",
    "ManagedClusterListResult",
    "AgentPoolListResult",
    "CredentialResults",
    "ResourceListResult",
  ])
    assert.ok(models.has(m), `an answer was validated against ${m}`);
});

test("az aks get-credentials --admin fails on a cluster as aks-vending creates it by default (Entra ID, no local accounts), as on AKS", async (t) => {
  if (!azInstalled()) {
    t.skip("azure-cli not installed: apt-get install azure-cli");
    return;
  }
  const { dir, azure, az, azRaw, signIn } = await azOnEmulators(t, "aksv-az-locked-");
  // The cluster exactly as the app's ARM model builds it from a request with every default.
  const c = clientsFor(azure);
  const setup = await prepareNetwork(c, "rg-locked", {
    vnetPrefix: "10.224.0.0/12",
    subnetPrefix: "10.224.0.0/16",
  });
  const validated = validateClusterSpec({ name: "locked", team: "platform", nodePool: { count: 1 } });
  assert.ok(validated.ok);
  const model = managedClusterModel(validated.spec, setup, {});
  assert.equal(model.disableLocalAccounts, true, "the default");
  await c.aks.managedClusters.beginCreateOrUpdateAndWait("rg-locked", "locked", model, FAST);

  await signIn();
  const kubeconfig = join(dir, "kubeconfig");
  const admin = await azRaw(
    "aks",
    "get-credentials",
    "-g",
    "rg-locked",
    "-n",
    "locked",
    "--admin",
    "-f",
    kubeconfig,
  );
  assert.equal(admin.ok, false, "az aks get-credentials --admin must fail");
  assert.match(
    admin.stderr,
    /static credential is not allowed because this cluster is set to disable local accounts/,
  );
  // The user credential is still there, and holds no token: kubelogin signs in with Entra ID.
  await az("aks", "get-credentials", "-g", "rg-locked", "-n", "locked", "-f", kubeconfig);
  assert.doesNotMatch(await readFile(kubeconfig, "utf8"), /token: |client-key-data/);
});

test("azure-cli's models reject what Azure would not answer: unknown properties, wrong types, broken patterns", async (t) => {
  if (!azModelsAvailable()) {
    t.skip("azure-cli not installed (its SDK models are the schemas): apt-get install azure-cli");
    return;
  }
  const path = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c";
  const cluster = sampleCluster(path);
  const answer = (body: unknown) => ({
    method: "GET",
    path,
    apiVersion: "2022-11-01",
    status: 200,
    responseBody: body,
  });
  const good = await validateAnswers([answer(cluster)]);
  assert.deepEqual(good.failures, []);
  assert.equal(good.checked.length, 1);
  const bad = await validateAnswers([
    answer({ ...cluster, properties: { ...cluster.properties, inventedProfile: {} } }),
    answer({ ...cluster, properties: { ...cluster.properties, maxAgentPools: "100" } }),
    answer({ ...cluster, properties: { ...cluster.properties, agentPoolProfiles: [{ count: 1 }] } }),
    answer({ ...cluster, location: undefined }),
  ]);
  assert.equal(bad.failures.length, 4, bad.failures.join("\n"));
  assert.match(bad.failures[0]!, /inventedProfile/);
  assert.match(bad.failures[1]!, /maxAgentPools must be integer/);
  assert.match(bad.failures[2]!, /must have required property 'name'/);
  assert.match(bad.failures[3]!, /must have required property 'location'/);
});

test("az login --identity signs in through MSI_ENDPOINT + MSI_SECRET (App Service 2017-09-01 and the MSI extension's POST)", async (t) => {
  if (!azInstalled()) {
    t.skip("azure-cli not installed: apt-get install azure-cli");
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), "aksv-az-mi-"));
  const azure = await startAzureEmulator({
    port: 0,
    stateDir: join(dir, "state"),
    timeScale: TIME_SCALE,
    reset: true,
  });
  t.after(async () => {
    await azure.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AZURE_CONFIG_DIR: join(dir, "azure-config"),
    REQUESTS_CA_BUNDLE: azure.caPath,
    AZURE_CORE_COLLECT_TELEMETRY: "no",
    AZURE_CORE_NO_COLOR: "1",
    MSI_ENDPOINT: azure.identityEndpoint,
    MSI_SECRET: azure.identityHeader,
  };
  delete env["APPSETTING_WEBSITE_SITE_NAME"];
  const az = async (extra: NodeJS.ProcessEnv, ...args: string[]): Promise<string> => {
    try {
      return (await run("az", args, { env: { ...env, ...extra }, timeout: 120_000 })).stdout;
    } catch (e) {
      const err = e as { stderr?: string; message: string };
      assert.fail(`az ${args.join(" ")} failed: ${err.stderr ?? err.message}`);
    }
  };
  await az({}, "cloud", "register", "-n", "AksvLocal", "--endpoint-resource-manager", `${azure.url}/`);
  await az({}, "cloud", "set", "-n", "AksvLocal");
  // az 2.45 (msrestazure) speaks App Service's 2017-09-01 protocol where APPSETTING_WEBSITE_SITE_NAME
  // says it runs in App Service, and the MSI extension's POST elsewhere: both must sign in and call ARM.
  for (const [where, extra, method] of [
    ["App Service", { APPSETTING_WEBSITE_SITE_NAME: "local-site" }, "GET"],
    ["a shell", {}, "POST"],
  ] as const) {
    const since = azure.recorder.query().at(-1)?.seq ?? 0;
    const accounts = JSON.parse(await az(extra, "login", "--identity", "-o", "json")) as {
      id: string;
      user: { type: string; name: string };
    }[];
    assert.equal(accounts[0]!.id, azure.subscriptionId, where);
    assert.equal(accounts[0]!.user.type, "servicePrincipal", where);
    await az(extra, "group", "create", "-n", "rg-identity", "-l", "eastus", "-o", "none");
    const calls = azure.recorder.query({ path: "/msi/token", sinceSeq: since, status: 200 });
    assert.ok(
      calls.length > 0 && calls.every((c) => c.method === method),
      `${where}: ${JSON.stringify(calls.map((c) => [c.method, c.apiVersion]))}`,
    );
    if (method === "GET") assert.ok(calls.every((c) => c.apiVersion === "2017-09-01"));
  }
});
