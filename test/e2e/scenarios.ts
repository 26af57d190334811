// End-to-end scenarios on the whole local stack, each run in its own process by provision.test.ts
// (NODE_EXTRA_CA_CERTS, which lets the app trust the emulators, is only read at process start).
// Usage: node dist/test/e2e/scenarios.js <scenario> <stateDir>. Exit 0 = passed; assertion
// failures print to stderr and exit 1.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CoreV1Api, KubeConfig, NetworkingV1Api } from "@kubernetes/client-node";
import { decodeJwt } from "jose";
import { guidFrom } from "../../emulators/azure/identity/issuer.js";
import { AKS_SERVER_APP_ID } from "../../shared/azure/names.js";
import { AKS_RBAC_ROLES } from "../../shared/spec/access.js";
import { clientsFor } from "../../harness/azure.js";
import {
  armResources,
  armWrites,
  callApi,
  devToken,
  json,
  ROOT,
  HOST_LOG,
  spawnHost,
  startStack,
  waitForPhase,
  type ClusterDoc,
  type FaultRule,
  type HostProcess,
  type Stack,
} from "../../harness/stack.js";
import { SdkModels } from "../helpers/sdk-models.js";
import { scenarioMain } from "../helpers/scenario-process.js";
import { validateAgainst } from "../helpers/spec-conformance.js";

const tutorial = (): Record<string, unknown> =>
  JSON.parse(readFileSync(join(ROOT, "examples/seed-tutorial.json"), "utf8")) as Record<string, unknown>;

const ONE_OF_EACH = {
  "Microsoft.Resources/resourceGroups": 1,
  "Microsoft.Network/virtualNetworks": 1,
  "Microsoft.ManagedIdentity/userAssignedIdentities": 1,
  "Microsoft.Authorization/roleAssignments": 1,
  "Microsoft.ContainerService/managedClusters": 1,
};

/**
 * The resources of a provisioned cluster: one of each, and on the cluster (Entra ID by default) two
 * more role assignments, the app's Cluster Admin and the team's default grant (writer).
 */
const PROVISIONED_RESOURCES = { ...ONE_OF_EACH, "Microsoft.Authorization/roleAssignments": 3 };

/** What a provisioning that got past the cluster also writes: its maintenance window and policy. */
const PROVISIONED_WRITES = {
  ...PROVISIONED_RESOURCES,
  "Microsoft.ContainerService/managedClusters/maintenanceConfigurations": 2,
  "Microsoft.Authorization/policyAssignments": 1,
};

/**
 * The tutorial's cluster as ARM answers it through the real SDKs: every secure-by-default setting
 * field by field (README "Security posture"), its maintenance window and its pod security policy.
 */
async function checkSecurePosture(s: Stack, doc: ClusterDoc): Promise<void> {
  const c = clientsFor(s.azure);
  const mc = await c.aks.managedClusters.get("akstips", "tipsAndTricksAKSCluster");
  assert.deepEqual(mc.sku, { name: "Base", tier: "Standard" });
  assert.equal(mc.oidcIssuerProfile?.enabled, true);
  assert.match(mc.oidcIssuerProfile?.issuerURL ?? "", /^https:\/\/eastus\.oic\.prod-aks\.azure\.com\//);
  assert.equal(mc.securityProfile?.workloadIdentity?.enabled, true);
  assert.equal(mc.addonProfiles?.["azurepolicy"]?.enabled, true);
  assert.match(
    mc.addonProfiles?.["azurepolicy"]?.identity?.resourceId ?? "",
    /azurepolicy-tipsAndTricksAKSCluster$/,
  );
  assert.deepEqual(mc.autoUpgradeProfile, { upgradeChannel: "patch", nodeOSUpgradeChannel: "NodeImage" });
  assert.equal(mc.apiServerAccessProfile?.enablePrivateCluster, false);
  assert.equal(mc.apiServerAccessProfile?.authorizedIPRanges, undefined);
  const system = mc.agentPoolProfiles?.[0];
  assert.deepEqual(
    [system?.name, system?.mode, system?.enableAutoScaling, system?.minCount, system?.maxCount],
    ["system", "System", true, 1, 5],
  );
  assert.deepEqual(system?.availabilityZones, ["1", "2", "3"], "eastus has zones");
  assert.equal(mc.addonProfiles?.["omsagent"], undefined, "monitoring only when asked for");
  assert.equal(mc.servicePrincipalProfile?.clientId, "msi");
  assert.ok(mc.identityProfile?.["kubeletidentity"]?.objectId);
  assert.equal(mc.nodeResourceGroup, "MC_akstips_tipsAndTricksAKSCluster_eastus");
  assert.match(mc.currentKubernetesVersion ?? "", /^\d+\.\d+\.\d+$/);
  assert.equal(mc.powerState?.code, "Running");
  assert.equal(mc.fqdn, doc.outputs["fqdn"]);
  // Entra ID with Azure RBAC, the deployment's tenant, and no local accounts: by default.
  assert.deepEqual(
    [mc.aadProfile?.managed, mc.aadProfile?.enableAzureRbac, mc.aadProfile?.tenantID],
    [true, true, s.azure.tenantId],
  );
  assert.equal(mc.disableLocalAccounts, true);
  assert.equal(mc.enableRbac, true);
  // No static credential exists (what `az aks get-credentials --admin` asks ARM for).
  await assert.rejects(
    c.aks.managedClusters.listClusterAdminCredentials("akstips", "tipsAndTricksAKSCluster"),
    (e: { statusCode?: number; code?: string }) => e.statusCode === 400 && e.code === "BadRequest",
  );

  for (const name of ["aksManagedAutoUpgradeSchedule", "aksManagedNodeOSUpgradeSchedule"]) {
    const m = await c.aks.maintenanceConfigurations.get("akstips", "tipsAndTricksAKSCluster", name);
    assert.deepEqual(m.maintenanceWindow?.schedule?.weekly, { intervalWeeks: 1, dayOfWeek: "Sunday" }, name);
    assert.deepEqual(
      [m.maintenanceWindow?.startTime, m.maintenanceWindow?.durationHours, m.maintenanceWindow?.utcOffset],
      ["00:00", 4, "+00:00"],
      name,
    );
  }

  const assignmentId = doc.outputs["policyAssignmentId"];
  assert.equal(
    assignmentId,
    `${mc.id}/providers/Microsoft.Authorization/policyAssignments/aksv-pod-security`,
  );
  const assignment = await c.resources.resources.getById(assignmentId, "2023-04-01");
  const props = assignment.properties as Record<string, unknown>;
  assert.equal(
    props["policyDefinitionId"],
    "/providers/Microsoft.Authorization/policySetDefinitions/a8640138-9b0a-4a28-b8cb-1666c838647d",
    "Kubernetes cluster pod security baseline standards for Linux-based workloads",
  );
  assert.equal(props["scope"], mc.id);
  assert.deepEqual(props["parameters"], { effect: { value: "Audit" } });
  for (const step of ["maintenanceConfiguration", "policyAssignment"])
    assert.equal(doc.steps.find((x) => x.name === step)?.status, "Succeeded", step);
}

/**
 * The caller of every scenario: a member of team platform with Clusters.Write (what a pipeline's
 * identity has), not an admin. Set once the stack is up.
 */
let token = "";

async function signIn(s: Stack): Promise<void> {
  token = await devToken(s, { teams: ["platform"], roles: ["Clusters.Write"], user: "pipeline" });
}

function post(api: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return callApi(api, token, "/clusters", { method: "POST", body: JSON.stringify(body), headers });
}

/**
 * Namespaced objects of the cluster, read with the kubeconfig the API hands out (no secret: its
 * user is an exec plugin) and the Entra token that plugin would get for the caller, the team's
 * writer (its default grant), from the local issuer.
 */
async function clusterObjects(s: Pick<Stack, "azure">, api: string, name: string) {
  const r = await callApi(api, token, `/clusters/${name}/kubeconfig`);
  assert.equal(r.status, 200, "kubeconfig of a Succeeded cluster");
  const yaml = await r.text();
  assert.doesNotMatch(yaml, /token:|client-key-data|adminToken/i, "no credential in the kubeconfig");
  const kc = new KubeConfig();
  kc.loadFromString(yaml);
  assert.ok(kc.getCurrentUser()?.exec, "the user is an exec credential plugin");
  const oid = String(decodeJwt(token)["oid"]);
  const entra = await s.azure.issueToken({ audience: AKS_SERVER_APP_ID, subject: oid, objectId: oid });
  kc.users = kc.users.map((u) => ({ name: u.name, token: entra }));
  const core = kc.makeApiClient(CoreV1Api);
  const net = kc.makeApiClient(NetworkingV1Api);
  const names = (l: { items: { metadata?: { name?: string } }[] }) =>
    l.items.map((i) => i.metadata?.name ?? "").sort();
  return {
    pods: (await core.listNamespacedPod({ namespace: "test" })).items.map((p) => ({
      name: p.metadata?.name ?? "",
      labels: p.metadata?.labels ?? {},
    })),
    services: names(await core.listNamespacedService({ namespace: "test" })),
    policies: names(await net.listNamespacedNetworkPolicy({ namespace: "test" })),
    namespaceLabels: (await core.readNamespace({ name: "test" })).metadata?.labels ?? {},
  };
}

async function deleteAndCheckGone(s: Stack, name: string): Promise<void> {
  const del = await callApi(s.api, token, `/clusters/${name}`, { method: "DELETE" });
  assert.equal(del.status, 202);
  const accepted = await json<ClusterDoc>(del);
  assert.equal(accepted.phase, "Deleting");
  assert.ok(
    accepted.steps.every((x) => x.name.startsWith("delete:")),
    "the DELETE's answer shows none of the create's steps",
  );
  const again = await callApi(s.api, token, `/clusters/${name}`, { method: "DELETE" });
  assert.ok([200, 202].includes(again.status), `DELETE is idempotent (${again.status})`);
  await assertDeleted(s, name);
}

/** The DELETE ends Deleted and leaves nothing in ARM or in the Kubernetes emulator. */
async function assertDeleted(s: Stack, name: string): Promise<ClusterDoc> {
  const doc = await waitForPhase(s.api, token, name, ["Deleted", "Failed"]);
  assert.equal(doc.phase, "Deleted", JSON.stringify(doc.error));
  // The deletion's own view: its steps only, each done; how the create ended is apart.
  assert.deepEqual(
    doc.steps.map((x) => [x.name, x.status]),
    ["cluster", "roleAssignment", "identity", "virtualNetwork", "resourceGroup"].map((k) => [
      `delete:${k}`,
      "Succeeded",
    ]),
  );
  assert.equal(doc.error, undefined);
  assert.ok(doc.provisioning, "the provisioning's outcome is kept apart");
  const clusters = await json<{ clusters: unknown[] }>(await fetch(`${s.kube.url}/_emulator/clusters`));
  assert.deepEqual(clusters.clusters, [], "nothing left in the Kubernetes emulator");
  assert.equal(
    await armStatus(s, "/resourcegroups/akstips?api-version=2025-04-01"),
    404,
    "resource group gone",
  );
  return doc;
}

/** GET on the Azure emulator with a managed-identity token, as any ARM client would. */
async function armGet(s: Stack, path: string, method = "GET"): Promise<Response> {
  const resource = encodeURIComponent("https://management.azure.com");
  const token = await json<{ access_token: string }>(
    await fetch(`${s.azure.identityEndpoint}?api-version=2019-08-01&resource=${resource}`, {
      headers: { "X-IDENTITY-HEADER": s.azure.identityHeader },
    }),
  );
  return fetch(`${s.azure.url}/subscriptions/${s.azure.subscriptionId}${path}`, {
    method,
    headers: { authorization: `Bearer ${token.access_token}` },
  });
}

async function armStatus(s: Stack, path: string): Promise<number> {
  return (await armGet(s, path)).status;
}

/**
 * What exists in a resource group, by type (ARM's own list), plus the role assignments ARM accepted
 * under it (extension resources, not listed in the group).
 */
async function resourcesIn(s: Stack, rg: string): Promise<Record<string, number>> {
  const r = await armGet(s, `/resourcegroups/${rg}/resources?api-version=2025-04-01`);
  assert.equal(r.status, 200, `resource group ${rg} exists`);
  const out: Record<string, number> = { "Microsoft.Resources/resourceGroups": 1 };
  for (const { type } of (await json<{ value: { type: string }[] }>(r)).value)
    out[type] = (out[type] ?? 0) + 1;
  const assigned = s.azure.recorder
    .query({
      method: "PUT",
      resourceType: "Microsoft.Authorization/roleAssignments",
      path: `/resourcegroups/${rg}/`,
    })
    .filter((q) => q.status >= 200 && q.status < 300).length;
  if (assigned) out["Microsoft.Authorization/roleAssignments"] = assigned;
  return out;
}

/** Provisions a cluster without namespaces (no seeding) and returns its final document. */
async function provisionSmall(
  s: Stack,
  name: string,
  extra: Record<string, unknown> = {},
): Promise<ClusterDoc> {
  const r = await post(s.api, { name, team: "platform", nodePool: { count: 1 }, ...extra });
  assert.equal(r.status, 202, `${name} accepted`);
  return waitForPhase(s.api, token, name, ["Succeeded", "Failed"], 120_000);
}

const CLUSTERS = "Microsoft.ContainerService/managedClusters";
const OPERATION_STATUS = "/providers/Microsoft.ContainerService/locations/[^/]+/operations/";

/**
 * Durable history is stored readable: every byte the task hub wrote (inputs, outputs, custom status,
 * history, in the database and its WAL) must be free of tokens, kubeconfigs and the identity secret.
 */
function assertNoSecretsInTaskHub(
  stateDir: string,
  env: Record<string, string>,
  adminTokens: string[] = [],
): void {
  const dir = join(stateDir, "functions-host");
  const files = readdirSync(dir).filter((f) => statSync(join(dir, f)).isFile() && !f.endsWith(".keys.json"));
  assert.ok(files.length > 0, "the task hub wrote files");
  const text = files.map((f) => readFileSync(join(dir, f)).toString("latin1")).join("\n");
  assert.ok(text.includes("tipsAndTricksAKSCluster"), "the scan reads the task hub's content");
  assert.doesNotMatch(text, /eyJ[\w-]{10,}\.eyJ[\w-]{10,}\./, "no JWT in the task hub");
  assert.doesNotMatch(
    text,
    /certificate-authority-data|client-key-data|adminToken|kind: Config/,
    "no kubeconfig in the task hub",
  );
  assert.ok(!text.includes(env["IDENTITY_HEADER"]!), "no managed-identity secret in the task hub");
  for (const t of adminTokens) assert.ok(!text.includes(t), "no cluster admin token in the task hub");
}

/**
 * Issue 15's secret scan: no kubeconfig the API handed out, no status document or list page, no
 * line of the host's (and its worker's) log and no byte of the durable history holds a bearer
 * token, the cluster's admin token, a client secret or a kubeconfig's `token:`.
 */
function assertNoSecrets(
  stateDir: string,
  env: Record<string, string>,
  handedOut: string[],
  adminTokens: string[],
): void {
  const log = readFileSync(join(stateDir, HOST_LOG), "utf8");
  assert.match(
    log,
    /Executed 'Functions\.grantClusterAccess' \(Succeeded/,
    "the scan reads the host's log of the run",
  );
  const texts = [...handedOut.map((t, i) => [`handed out #${i}`, t] as const), ["host log", log] as const];
  for (const [what, text] of texts) {
    assert.doesNotMatch(text, /eyJ[\w-]{10,}\.eyJ[\w-]{10,}\./, `${what}: no JWT`);
    assert.doesNotMatch(
      text,
      /\btoken:\s*\S|client-key-data|client-certificate-data/,
      `${what}: no credential`,
    );
    assert.doesNotMatch(text, /client_secret=|"clientSecret"\s*:\s*"[^"]/i, `${what}: no client secret`);
    for (const t of adminTokens) assert.ok(!text.includes(t), `${what}: no cluster admin token`);
    assert.ok(!text.includes(env["IDENTITY_HEADER"]!), `${what}: no managed-identity secret`);
  }
  assertNoSecretsInTaskHub(stateDir, env, adminTokens);
}

/** The object id the local issuer gives a dev user (its token routes derive it so). */
const userOid = (user: string) => guidFrom(`user:${user}`);

/**
 * The machine's kubectl with the API's kubeconfig (exec plugin: this project's CLI, signed in per
 * person with AKSV_CONFIG_DIR): the team's writer creates a pod in its namespace, the reader gets
 * but may not delete it (403), another team's user is refused everywhere; the kubeconfig, as any
 * reader of the cluster gets it, holds no secret. Returns the kubeconfig it was handed.
 */
async function kubectlAsTeams(s: Stack, stateDir: string): Promise<string[]> {
  const bin = join(stateDir, "bin");
  await mkdir(bin, { recursive: true });
  const cliPath = join(ROOT, "dist/cli/main.js");
  await writeFile(join(bin, "aks-vending"), `#!/bin/sh\nexec "${process.execPath}" "${cliPath}" "$@"\n`, {
    mode: 0o755,
  });
  const run = (cmd: string, args: string[], configDir: string) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        cmd,
        args,
        {
          env: { ...process.env, PATH: `${bin}:${process.env["PATH"] ?? ""}`, AKSV_CONFIG_DIR: configDir },
          timeout: 60_000,
        },
        (e, stdout, stderr) =>
          resolve({ code: e ? (typeof e.code === "number" ? e.code : 1) : 0, stdout, stderr }),
      );
    });
  const person = async (user: string, team: string, role: string) => {
    const dir = join(stateDir, `cli-${user}`);
    const login = await run(
      "aks-vending",
      ["--api", s.api, "login", "--team", team, "--user", user, "--role", role],
      dir,
    );
    assert.equal(login.code, 0, login.stderr);
    return dir;
  };
  const pipeline = await person("pipeline", "platform", "Clusters.Write");
  const rita = await person("rita", "platform", "Clusters.Read");
  const paula = await person("paula", "payments", "Clusters.Write");
  // A Clusters.Read caller gets the kubeconfig now (it holds nothing that could change the cluster).
  const got = await run(
    "aks-vending",
    ["--api", s.api, "kubeconfig", "tipsAndTricksAKSCluster", "--plugin", "aks-vending"],
    rita,
  );
  assert.equal(got.code, 0, got.stderr);
  assert.match(got.stdout, /command: aks-vending/);
  assert.doesNotMatch(got.stdout, /token:|client-key-data|client-certificate-data|password/, "no secret");
  const kubeconfig = join(stateDir, "kubeconfig.yaml");
  await writeFile(kubeconfig, got.stdout);
  const kubectl = (dir: string, ...args: string[]) =>
    run("kubectl", ["--kubeconfig", kubeconfig, ...args], dir);

  const created = await kubectl(
    pipeline,
    "-n",
    "test",
    "run",
    "by-writer",
    "--image=busybox:1.36",
    "--restart=Never",
  );
  assert.equal(created.code, 0, `writer creates a pod in its namespace: ${created.stderr}`);
  const read = await kubectl(rita, "-n", "test", "get", "pod", "by-writer", "-o", "name");
  assert.equal(read.code, 0, read.stderr);
  assert.equal(read.stdout.trim(), "pod/by-writer");
  const del = await kubectl(rita, "-n", "test", "delete", "pod", "by-writer");
  assert.notEqual(del.code, 0);
  assert.match(del.stderr, /Forbidden|forbidden/, "the reader may not delete");
  assert.match(del.stderr, /\(403\)|forbidden/);
  const outside = await kubectl(rita, "-n", "kube-system", "get", "pods");
  assert.match(outside.stderr, /forbidden/, "the reader's role holds in its namespace only");
  for (const args of [
    ["-n", "test", "get", "pods"],
    ["get", "pods", "-A"],
    ["get", "namespaces"],
  ]) {
    const other = await kubectl(paula, ...args);
    assert.notEqual(other.code, 0, `another team: ${args.join(" ")}`);
    assert.match(other.stderr, /forbidden/, `another team: ${args.join(" ")}`);
  }
  return [got.stdout];
}

const scenarios: Record<string, (stateDir: string) => Promise<void>> = {
  /**
   * Locked down by default (issue 15's "done when"): the tutorial's request, unchanged, gives a
   * cluster with Entra ID, Azure RBAC and no local accounts beside every other secure setting; the
   * app seeds and verifies with its own identity's Entra token; the team's writer (the caller)
   * creates a pod with kubectl and the API's kubeconfig, a reader granted in Azure gets it but may
   * not delete it, another team is refused everywhere; and no kubeconfig, status document, host
   * log or durable history holds a secret.
   */
  async entra(stateDir) {
    const s = await startStack({ stateDir, hostProcess: true, hostLogLevel: "information" });
    await signIn(s); // pipeline, member of platform: an Entra object id (a GUID)
    const NAME = "tipsAndTricksAKSCluster";
    let stopped = false;
    try {
      const r = await post(s.api, tutorial());
      assert.equal(r.status, 202);
      const doc = await waitForPhase(s.api, token, NAME, ["Succeeded", "Failed"]);
      assert.equal(doc.phase, "Succeeded", JSON.stringify(doc.error ?? doc.verification));
      assert.equal(doc.verification?.passed, true);
      assert.equal(doc.steps.find((x) => x.name === "clusterAccess")?.status, "Succeeded");
      // Verification asked the API server (SubjectAccessReviews, as the app's Cluster Admin) what
      // the team's default grant allows in its namespace, the next action up and the same outside.
      assert.deepEqual(
        doc.verification?.access?.map((a) => [a.subject, a.action, a.namespace, a.observed]),
        [
          ["team platform", "create pods", "test", "allowed"],
          ["team platform", "create rolebindings.rbac.authorization.k8s.io", "test", "denied"],
          ["team platform", "create pods", "kube-system", "denied"],
        ],
      );
      await checkSecurePosture(s, doc);

      const c = clientsFor(s.azure);
      const mc = await c.aks.managedClusters.get("akstips", NAME);
      const caller = String(decodeJwt(token)["oid"]);
      // A reader, granted by the platform team in Azure beside what the request asked for.
      await c.authorization.roleAssignments.create(`${mc.id}/namespaces/test`, guidFrom(`rita:${mc.id}`), {
        roleDefinitionId: `/subscriptions/${s.azure.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${AKS_RBAC_ROLES.reader}`,
        principalId: userOid("rita"),
        principalType: "User",
      });
      const access = await json<{
        assignments: { roleDefinitionId: string; scope: string; principalId: string }[];
      }>(await fetch(`${s.azure.url}/_emulator/access?scope=${encodeURIComponent(mc.id!)}`));
      assert.deepEqual(
        access.assignments
          .map((a) => [a.roleDefinitionId.split("/").pop(), a.scope.toLowerCase(), a.principalId === caller])
          .sort(),
        [
          [AKS_RBAC_ROLES.reader, `${mc.id}/namespaces/test`.toLowerCase(), false],
          [AKS_RBAC_ROLES.writer, `${mc.id}/namespaces/test`.toLowerCase(), true],
          [AKS_RBAC_ROLES.clusterAdmin, mc.id!.toLowerCase(), false],
        ],
        "the app's Cluster Admin on this cluster only; the caller's team (no group: the caller) writer in its namespace; rita reader there",
      );
      assert.deepEqual(armWrites(s.azure, "PUT"), {
        ...PROVISIONED_WRITES,
        "Microsoft.Authorization/roleAssignments": 4,
      });
      // The cluster's static admin token exists in ARM's state only (listClusterAdminCredential
      // refuses it): the scan below must not find it anywhere.
      const adminTokens = [
        ...readFileSync(join(stateDir, "azure", "state.json"), "utf8").matchAll(/"adminToken":"([^"]+)"/g),
      ].map((m) => m[1]!);
      assert.ok(adminTokens.length > 0, "the cluster's admin token is known to the scan");
      const kubeconfigs = await kubectlAsTeams(s, stateDir);
      // What the API hands out and shows: the kubeconfigs (both plugins), the status and the list.
      const handedOut = [
        ...kubeconfigs,
        await (await callApi(s.api, token, `/clusters/${NAME}/kubeconfig`)).text(),
        await (await callApi(s.api, token, `/clusters/${NAME}`)).text(),
        await (await callApi(s.api, token, "/clusters?all=true")).text(),
      ];
      await deleteAndCheckGone(s, NAME);
      handedOut.push(await (await callApi(s.api, token, `/clusters/${NAME}`)).text());
      await s.stop(); // the host's log and the task hub flushed
      stopped = true;
      assertNoSecrets(stateDir, s.env, handedOut, adminTokens);
    } finally {
      if (!stopped) await s.stop();
    }
  },
  /** The tutorial's request: Succeeded, verified, exactly the seeded objects, idempotent, deletable. */
  async tutorial(stateDir) {
    const s = await startStack({ stateDir });
    await signIn(s);
    s.azure.recorder.keepBodies = true; // the answers are held to the SDKs' models at the end
    try {
      const body = tutorial();
      const first = await post(s.api, body, { "Idempotency-Key": "tutorial-1" });
      assert.equal(first.status, 202);
      assert.equal(first.headers.get("location"), "/api/clusters/tipsAndTricksAKSCluster");
      assert.ok(Number(first.headers.get("retry-after")) > 0);
      const again = await post(s.api, body, { "Idempotency-Key": "tutorial-1" });
      assert.ok([200, 202].includes(again.status), `same request again: ${again.status}`);
      const other = await post(s.api, { ...body, nodePool: { count: 2 } });
      assert.equal(other.status, 409);
      assert.equal((await json<{ error: { code: string } }>(other)).error.code, "ClusterAlreadyExists");

      const doc = await waitForPhase(s.api, token, "tipsAndTricksAKSCluster", ["Succeeded", "Failed"]);
      assert.equal(doc.phase, "Succeeded", JSON.stringify(doc.error ?? doc.verification));
      assert.equal(doc.verification?.passed, true);
      assert.deepEqual(
        doc.verification?.results.map((r) => [r.from, r.observed]),
        [
          ["test{app=webapp,role=frontend}", "allowed"],
          ["test{}", "denied"],
        ],
      );
      assert.ok(doc.outputs["clusterId"]?.endsWith("/managedClusters/tipsAndTricksAKSCluster"));
      assert.deepEqual(armWrites(s.azure, "PUT"), PROVISIONED_WRITES, "exactly one of each resource");
      // No fault: one attempt per step, however often the create was polled.
      assert.deepEqual(
        doc.steps.map((x) => [x.name, x.attempts]),
        doc.steps.map((x) => [x.name, 1]),
      );
      assert.ok((doc.steps.find((x) => x.name === "cluster")?.polls ?? 0) >= 1, "the create was polled");
      await checkSecurePosture(s, doc);

      const objects = await clusterObjects(s, s.api, "tipsAndTricksAKSCluster");
      assert.deepEqual(objects.policies, ["backend-policy", "default-deny-ingress"]);
      assert.deepEqual(objects.services, ["backend"]);
      assert.equal(
        objects.pods.length,
        1,
        `only the backend pod, no probe pods: ${JSON.stringify(objects.pods)}`,
      );
      assert.equal(objects.pods[0]!.labels["app"], "webapp");
      assert.equal(objects.pods[0]!.labels["role"], "backend");
      assert.equal(objects.namespaceLabels["purpose"], "test");

      const list = await json<{ value: { name: string; phase: string }[] }>(
        await callApi(s.api, token, "/clusters?phase=Succeeded&team=platform"),
      );
      assert.deepEqual(
        list.value.map((c) => c.name),
        ["tipsAndTricksAKSCluster"],
      );
      await deleteAndCheckGone(s, "tipsAndTricksAKSCluster");
      assertNoSecretsInTaskHub(stateDir, s.env);

      // Every ARM answer the app read conforms to its SDK's spec-generated model, at the api-version
      // the SDK sent (emulators/azure/README.md, "Conformance to the Azure REST API specifications").
      const models = new SdkModels();
      const conformance = await validateAgainst(s.azure.recorder.query(), models);
      assert.deepEqual(conformance.failures, []);
      const validated = new Set(conformance.checked.map((c) => c.split("→ ")[1]!.replace(/ \(.*/, "")));
      for (const m of ["ResourceGroup", "VirtualNetwork", "Identity", "RoleAssignment", "ManagedCluster"])
        assert.ok(
          validated.has(m),
          `an answer to the app was validated against ${m}: ${[...validated].join(", ")}`,
        );
    } finally {
      await s.stop();
    }
  },

  /** Expectations that contradict the policies: 400 before a single ARM request. */
  async contradiction(stateDir) {
    const s = await startStack({ stateDir });
    await signIn(s);
    try {
      const body = tutorial();
      const ns = (body["namespaces"] as Record<string, unknown>[])[0]!;
      const expectations = ns["expectations"] as { allowed: boolean }[];
      expectations[1]!.allowed = true; // the unlabelled pod is in fact denied by the policies
      const r = await post(s.api, body);
      assert.equal(r.status, 400);
      const e = await json<{ error: { details: { code: string; path: string }[] } }>(r);
      assert.ok(
        e.error.details.some((d) => d.code === "ExpectationUnsatisfiable"),
        JSON.stringify(e),
      );
      const arm = s.azure.recorder
        .query({})
        .filter((q) => !q.path.startsWith("/msi") && !q.path.includes("/_emulator"))
        // The API reading its token issuer's metadata and keys (the emulator is the issuer too).
        .filter((q) => !q.path.startsWith(`/${s.azure.tenantId}/`));
      assert.equal(arm.length, 0, "no ARM request");
    } finally {
      await s.stop();
    }
  },

  /** 429 storms, 503s, dropped connections and PrincipalNotFound: still Succeeded, one of each. */
  async faults(stateDir) {
    const s = await startStack({
      stateDir,
      faults: {
        rules: [
          { kind: "throttle", method: "GET", times: 6, retryAfterSeconds: 0 },
          {
            kind: "throttle",
            method: "PUT",
            resourceType: "Microsoft.Network/virtualNetworks",
            times: 3,
            retryAfterSeconds: 0,
          },
          {
            kind: "error",
            status: 503,
            resourceType: "Microsoft.ManagedIdentity/userAssignedIdentities",
            times: 3,
          },
          {
            kind: "drop",
            resourceType: "Microsoft.ContainerService/managedClusters",
            method: "PUT",
            times: 2,
          },
          {
            kind: "error",
            status: 400,
            code: "PrincipalNotFound",
            message: "Principal does not exist in the directory",
            resourceType: "Microsoft.Authorization/roleAssignments",
            times: 8,
          },
        ],
      },
    });
    await signIn(s);
    try {
      const r = await post(s.api, tutorial());
      assert.equal(r.status, 202);
      const doc = await waitForPhase(s.api, token, "tipsAndTricksAKSCluster", ["Succeeded", "Failed"]);
      assert.equal(doc.phase, "Succeeded", JSON.stringify(doc.error));
      assert.deepEqual(armWrites(s.azure, "PUT"), PROVISIONED_WRITES);
      // Eight PrincipalNotFound answers: the role assignment ran nine times (the 429s, 503s and dropped
      // connections are the SDK's own retries inside one run, not counted).
      assert.equal(doc.steps.find((x) => x.name === "roleAssignment")?.attempts, 9);
      const throttled = s.azure.recorder.query({ status: 429 }).length;
      assert.ok(throttled >= 9, `429s were served (${throttled})`);
    } finally {
      await s.stop();
    }
  },

  /**
   * Transient faults while a long-running operation is polled, one provision each: they are
   * retried like a PUT's, never end the step Failed, and rollback never deletes a cluster that ARM
   * reports Succeeded.
   */
  async lroFaults(stateDir) {
    const s = await startStack({ stateDir });
    await signIn(s);
    const cases: { name: string; rules: FaultRule[]; body?: Record<string, unknown> }[] = [
      {
        // Five 500s on the final GET of the cluster (after the GET-first read of the submit): the
        // SDK's own retries spend them all. With onFailure rollback: nothing may be deleted.
        name: "lro-final-get",
        body: { onFailure: "rollback" },
        rules: [
          {
            kind: "error",
            status: 500,
            method: "GET",
            path: "/managedclusters/lro-final-get$",
            skip: 1,
            times: 5,
          },
        ],
      },
      {
        name: "lro-status-503",
        rules: [{ kind: "error", status: 503, method: "GET", path: OPERATION_STATUS, times: 5 }],
      },
      {
        name: "lro-vnet-429",
        rules: [
          {
            kind: "throttle",
            method: "GET",
            path: "/resourcegroups/rg-lro-vnet-429/providers/microsoft.network/virtualnetworks/[^/]+$",
            skip: 1,
            times: 5,
            retryAfterSeconds: 1,
          },
        ],
      },
      {
        // The create's operation ends InternalServerError once: the cluster is Failed in ARM, and
        // the create is submitted again (a PUT on a Failed cluster reconciles it).
        name: "lro-ends-500",
        rules: [
          {
            kind: "provisioningFailure",
            method: "PUT",
            path: "/managedclusters/lro-ends-500$",
            code: "InternalServerError",
            message: "An internal error occurred. Please retry.",
            times: 1,
          },
        ],
      },
      {
        // The same for the virtual network's create: ours and Failed, so it is PUT again.
        name: "lro-vnet-ends-500",
        rules: [
          {
            kind: "provisioningFailure",
            method: "PUT",
            path: "/resourcegroups/rg-lro-vnet-ends-500/providers/microsoft.network/virtualnetworks/[^/]+$",
            code: "InternalServerError",
            message: "An internal error occurred. Please retry.",
            times: 1,
          },
        ],
      },
    ];
    try {
      for (const c of cases) {
        s.azure.faults.add(c.rules);
        const doc = await provisionSmall(s, c.name, c.body);
        assert.equal(doc.phase, "Succeeded", `${c.name}: ${JSON.stringify(doc.error)}`);
        assert.deepEqual(
          s.azure.faults
            .describe()
            .fired.slice(-c.rules.length)
            .map((f) => f.fired),
          c.rules.map((r) => r.times),
          `${c.name}: every fault was served`,
        );
        assert.deepEqual(
          await resourcesIn(s, `rg-${c.name}`),
          PROVISIONED_RESOURCES,
          `${c.name}: exactly one of each`,
        );
        assert.equal(
          s.azure.recorder.query({ method: "DELETE", path: `/resourcegroups/rg-${c.name}` }).length,
          0,
          `${c.name}: nothing deleted`,
        );
        const cluster = doc.steps.find((x) => x.name === "cluster");
        assert.equal(cluster?.waitingFor, undefined, `${c.name}: no wait shown once the step succeeded`);
        // An operation ending InternalServerError is submitted again: the step's second attempt.
        const resubmitted = { "lro-ends-500": "cluster", "lro-vnet-ends-500": "virtualNetwork" }[c.name];
        if (resubmitted)
          assert.equal(doc.steps.find((x) => x.name === resubmitted)?.attempts, 2, `${c.name}: attempts`);
      }
      // Each failed create was submitted again, once.
      const puts = (resourceType: string, path: string) =>
        s.azure.recorder
          .query({ method: "PUT", resourceType, path })
          .filter((q) => q.status >= 200 && q.status < 300).length;
      assert.equal(
        puts(CLUSTERS, "/managedclusters/lro-ends-500"),
        2,
        "one cluster PUT for the create, one after it ended InternalServerError",
      );
      assert.equal(
        puts("Microsoft.Network/virtualNetworks", "/resourcegroups/rg-lro-vnet-ends-500/"),
        2,
        "one VNet PUT for the create, one after it ended InternalServerError",
      );
    } finally {
      await s.stop();
    }
  },

  /** Half of ARM's reads answer 429 (with Retry-After) or 503, seeded: the tutorial still succeeds. */
  async randomReadFaults(stateDir) {
    const reads = { method: "GET", path: "^/subscriptions/" };
    const s = await startStack({
      stateDir,
      faults: {
        seed: 14,
        rules: [
          { kind: "throttle", ...reads, probability: 0.25, retryAfterSeconds: 1 },
          // Of the other three quarters, a third: half of all reads fail.
          { kind: "error", status: 503, ...reads, probability: 1 / 3 },
        ],
      },
    });
    await signIn(s);
    try {
      assert.equal((await post(s.api, tutorial())).status, 202);
      const doc = await waitForPhase(
        s.api,
        token,
        "tipsAndTricksAKSCluster",
        ["Succeeded", "Failed"],
        180_000,
      );
      assert.equal(doc.phase, "Succeeded", JSON.stringify(doc.error));
      const faulted = s.azure.recorder.query({ method: "GET" }).filter((q) => q.fault).length;
      assert.ok(faulted >= 10, `read faults were served (${faulted})`);
      s.azure.faults.configure({}); // the check's own reads
      assert.deepEqual(await resourcesIn(s, "akstips"), PROVISIONED_RESOURCES);
    } finally {
      await s.stop();
    }
  },

  /**
   * The cluster is busy with another operation (409 OperationNotAllowed) for longer than six activity
   * retries would last: the provision waits on durable timers, shows what it waits for, then succeeds.
   */
  async busyCluster(stateDir) {
    const busy = 12;
    const s = await startStack({
      stateDir,
      faults: {
        rules: [
          {
            kind: "error",
            status: 409,
            code: "OperationNotAllowed",
            message:
              "Operation is not allowed because there's an in progress updating managed cluster operation which will conflict with it. Please wait for the operation to complete before retrying.",
            method: "PUT",
            resourceType: CLUSTERS,
            times: busy,
          },
        ],
      },
    });
    await signIn(s);
    try {
      assert.equal(
        (await post(s.api, { name: "busy", team: "platform", nodePool: { count: 1 } })).status,
        202,
      );
      let waiting: ClusterDoc["steps"][number]["waitingFor"];
      for (;;) {
        const d = await waitForPhase(s.api, token, "busy", ["Provisioning", "Succeeded", "Failed"]);
        waiting = d.steps.find((x) => x.name === "cluster")?.waitingFor;
        if (waiting || d.phase !== "Provisioning") break;
        await new Promise((res) => setTimeout(res, 20));
      }
      assert.equal(waiting?.code, "OperationNotAllowed", "the status says what the step waits for");
      assert.match(waiting.message, /in progress/);
      const doc = await waitForPhase(s.api, token, "busy", ["Succeeded", "Failed"], 120_000);
      assert.equal(doc.phase, "Succeeded", JSON.stringify(doc.error));
      assert.equal(s.azure.faults.describe().fired[0]?.fired, busy, "every busy answer was served");
      // Each busy answer was followed by one more PUT: that many attempts, and the one that went through.
      assert.equal(doc.steps.find((x) => x.name === "cluster")?.attempts, busy + 1);
      assert.deepEqual(await resourcesIn(s, "rg-busy"), PROVISIONED_RESOURCES);
      assert.equal(doc.steps.find((x) => x.name === "cluster")?.waitingFor, undefined);
    } finally {
      await s.stop();
    }
  },

  /** A cluster create that ends Failed: the AKS error in the status, rollback honoured. */
  async failedCreate(stateDir) {
    const s = await startStack({
      stateDir,
      faults: {
        rules: [
          {
            kind: "provisioningFailure",
            resourceType: "Microsoft.ContainerService/managedClusters",
            code: "QuotaExceeded",
            message:
              "Operation could not be completed as it results in exceeding approved standardDSv5Family Cores quota",
            times: 1,
          },
        ],
      },
    });
    await signIn(s);
    try {
      const r = await post(s.api, { ...tutorial(), onFailure: "rollback" });
      assert.equal(r.status, 202);
      const doc: ClusterDoc = await waitForPhase(s.api, token, "tipsAndTricksAKSCluster", [
        "Failed",
        "Succeeded",
      ]);
      assert.equal(doc.phase, "Failed");
      assert.equal(doc.error?.code, "QuotaExceeded");
      assert.equal(doc.error?.step, "cluster");
      assert.equal(doc.steps.find((x) => x.name === "rollback")?.status, "Succeeded");
      // One of each, and what the create's wait assigned at the cluster's scope (its grants and
      // the pod security policy): the policy assignment deleted by the rollback, the grants gone
      // with the cluster.
      const created = { ...PROVISIONED_RESOURCES, "Microsoft.Authorization/policyAssignments": 1 };
      assert.deepEqual(armWrites(s.azure, "PUT"), created);
      assert.deepEqual(
        armWrites(s.azure, "DELETE"),
        Object.fromEntries(Object.keys(created).map((k) => [k, 1])),
        "rollback deleted each created resource once",
      );
      const c = clientsFor(s.azure);
      const atCluster: string[] = [];
      for await (const ra of c.authorization.roleAssignments.listForSubscription())
        if (/\/managedClusters\//i.test(ra.scope ?? "")) atCluster.push(ra.id!);
      assert.deepEqual(atCluster, [], "no role assignment left at the deleted cluster's scope");
      const policy = await c.resources.resources
        .getById(
          `/subscriptions/${s.azure.subscriptionId}/resourceGroups/akstips/providers/Microsoft.ContainerService/managedClusters/tipsAndTricksAKSCluster/providers/Microsoft.Authorization/policyAssignments/aksv-pod-security`,
          "2023-04-01",
        )
        .then(
          () => 200,
          (e: { statusCode?: number }) => e.statusCode,
        );
      assert.equal(policy, 404, "the policy assignment went with the cluster");
      // A DELETE after the failed create: the deletion's view, without the create's failure.
      const del = await callApi(s.api, token, "/clusters/tipsAndTricksAKSCluster", { method: "DELETE" });
      assert.equal(del.status, 202);
      const accepted = await json<ClusterDoc>(del);
      assert.equal(accepted.error, undefined, "the DELETE's answer carries no create error");
      assert.deepEqual(accepted.warnings, []);
      const deleted = await assertDeleted(s, "tipsAndTricksAKSCluster");
      assert.deepEqual(deleted.provisioning?.error, doc.error);
      assert.deepEqual(deleted.provisioning?.warnings, doc.warnings);
      assert.ok(
        !deleted.warnings.some((w) => doc.warnings.includes(w)),
        `none of the create's warnings: ${JSON.stringify(deleted.warnings)}`,
      );
    } finally {
      await s.stop();
    }
  },

  /**
   * DELETE while AKS is still creating the cluster (AKS refuses that delete with 409
   * OperationNotAllowed): the deletion waits for the create to end, then removes everything.
   */
  async deleteDuringCreate(stateDir) {
    const s = await startStack({ stateDir, timeScale: 0.02 });
    await signIn(s);
    try {
      assert.equal((await post(s.api, tutorial())).status, 202);
      const deadline = Date.now() + 60_000;
      for (;;) {
        assert.ok(Date.now() < deadline, "never saw the cluster create running");
        const d = await json<ClusterDoc>(await callApi(s.api, token, "/clusters/tipsAndTricksAKSCluster"));
        if (d.steps.some((x) => x.name === "cluster" && x.status === "Running")) break;
        assert.ok(!["Succeeded", "Failed"].includes(d.phase), `finished before the create ran: ${d.phase}`);
        await new Promise((res) => setTimeout(res, 10));
      }
      const del = await callApi(s.api, token, "/clusters/tipsAndTricksAKSCluster", { method: "DELETE" });
      assert.equal(del.status, 202);
      await assertDeleted(s, "tipsAndTricksAKSCluster");
      assert.equal(armWrites(s.azure, "DELETE")["Microsoft.ContainerService/managedClusters"], 1);
    } finally {
      await s.stop();
    }
  },

  /** kill -9 the host during the cluster create and during seeding: completes, no duplicates. */
  async crash(stateDir) {
    const s = await startStack({ stateDir, hostProcess: true, timeScale: 0.02 });
    await signIn(s);
    let host = s.host as HostProcess;
    const api = () => `${host.url}/api`;
    const killWhen = async (what: string, ready: (d: ClusterDoc) => boolean) => {
      const deadline = Date.now() + 60_000;
      for (;;) {
        assert.ok(Date.now() < deadline, `never saw ${what}`);
        const r = await callApi(api(), token, "/clusters/tipsAndTricksAKSCluster");
        if (r.status === 200 || r.status === 202) {
          const d = await json<ClusterDoc>(r);
          if (ready(d)) break;
          assert.ok(!["Succeeded", "Failed"].includes(d.phase), `finished before ${what}: ${d.phase}`);
        }
        await new Promise((res) => setTimeout(res, 10));
      }
      await host.kill();
      host = await spawnHost(stateDir, s.env, false);
    };
    try {
      assert.equal((await post(api(), tutorial())).status, 202);
      await killWhen("the cluster create", (d) =>
        d.steps.some((x) => x.name === "cluster" && x.status === "Running"),
      );
      await killWhen("seeding", (d) => d.phase === "Seeding" || d.phase === "Verifying");
      const doc = await waitForPhase(
        api(),
        token,
        "tipsAndTricksAKSCluster",
        ["Succeeded", "Failed"],
        120_000,
      );
      assert.equal(doc.phase, "Succeeded", JSON.stringify(doc.error));
      assert.equal(doc.verification?.passed, true);
      // A crash can land while an activity writes (the grants in the create's wait): it runs again
      // and sends its idempotent PUTs again, under the same names. No resource may be added, and
      // the cluster is never PUT again.
      assert.deepEqual(armResources(s.azure), PROVISIONED_WRITES, "no duplicate resources after two crashes");
      assert.equal(armWrites(s.azure, "PUT")[CLUSTERS], 1, "one cluster PUT");
      const objects = await clusterObjects(s, api(), "tipsAndTricksAKSCluster");
      assert.equal(objects.pods.length, 1, `no leftover probe pods: ${JSON.stringify(objects.pods)}`);
    } finally {
      await host.stop();
      await s.azure.stop();
      await s.kube.stop();
    }
  },

  /**
   * ARM's token buckets on and tight (writes: 2 at once, then one every 20 emulated s; reads: 10,
   * then one every 2 s): four clusters at once meet 429s with Retry-After and all Succeed.
   */
  async throttled(stateDir) {
    const s = await startStack({
      stateDir,
      faults: {
        throttling: {
          enabled: true,
          writes: { burst: 2, perSecond: 0.05 },
          reads: { burst: 10, perSecond: 0.5 },
        },
      },
    });
    await signIn(s);
    try {
      const names = ["t0", "t1", "t2", "t3"];
      const docs = await Promise.all(names.map((n) => provisionSmall(s, n)));
      assert.deepEqual(
        docs.filter((d) => d.phase !== "Succeeded").map((d) => `${d.name}: ${JSON.stringify(d.error)}`),
        [],
      );
      const throttled = s.azure.recorder.query({ status: 429 });
      assert.ok(throttled.length >= 4, `429s were served (${throttled.length})`);
      assert.equal(
        armWrites(s.azure, "PUT")[CLUSTERS],
        names.length,
        "one cluster PUT each that got through",
      );
    } finally {
      await s.stop();
    }
  },

  /** The same request 10 times at once: one orchestration (and one quota slot); 20 different clusters at once. */
  async concurrency(stateDir) {
    // Exactly the 21 clusters this scenario creates: ten identical requests must take one slot.
    const s = await startStack({ stateDir, env: { AKSV_TEAM_QUOTA: "21" } });
    await signIn(s);
    try {
      const body = tutorial();
      const same = await Promise.all(Array.from({ length: 10 }, () => post(s.api, body)));
      assert.ok(
        same.every((r) => r.status === 202 || r.status === 200),
        same.map((r) => r.status).join(","),
      );
      await waitForPhase(s.api, token, "tipsAndTricksAKSCluster", ["Succeeded", "Failed"], 120_000);
      assert.equal(armWrites(s.azure, "PUT")["Microsoft.ContainerService/managedClusters"], 1);

      const names = Array.from({ length: 20 }, (_, i) => `c${String(i).padStart(2, "0")}`);
      const started = await Promise.all(
        names.map((name) => post(s.api, { name, team: "platform", nodePool: { count: 1 } })),
      );
      assert.ok(
        started.every((r) => r.status === 202),
        started.map((r) => r.status).join(","),
      );
      const docs = await Promise.all(
        names.map((n) => waitForPhase(s.api, token, n, ["Succeeded", "Failed"], 240_000)),
      );
      assert.deepEqual(
        docs.filter((d) => d.phase !== "Succeeded").map((d) => `${d.name}: ${JSON.stringify(d.error)}`),
        [],
      );
      assert.equal(armWrites(s.azure, "PUT")["Microsoft.ContainerService/managedClusters"], 21);
    } finally {
      await s.stop();
    }
  },
};

const [name, stateDir] = process.argv.slice(2);
await scenarioMain(
  name ? scenarios[name] : undefined,
  stateDir,
  `scenarios.js <${Object.keys(scenarios).join("|")}> <stateDir>`,
);
