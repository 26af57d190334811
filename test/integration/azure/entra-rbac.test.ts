// An AKS cluster with AKS-managed Entra ID, Azure RBAC for Kubernetes authorization and local
// accounts disabled, end to end through the real SDK against both emulators: what ARM stores and
// refuses, the kubelogin kubeconfig it hands out, and the Kubernetes API deciding every request by
// the role assignments Azure holds (at the cluster and at namespace scope, for users and groups).
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { request } from "node:https";
import { test } from "node:test";
import { parse } from "yaml";
import { AKS_AAD_SERVER_APP_ID } from "../../../emulators/azure/index.js";
import { startKubeEmulator } from "../../../emulators/kube/index.js";
import { clusterKey } from "../../../emulators/common/cluster-key.js";
import { FAST, clusterBody, prepareNetwork } from "../../../harness/azure.js";
import { startForTest, tempStateDir } from "./helpers.js";

const ROLES = {
  writer: "a7ffa36f-339b-4b5c-8bdf-e2c188b2c0eb",
  reader: "7f6c6a51-bcf8-42ba-9220-52d62157d7db",
};

function call(
  url: string,
  ca: string,
  token: string,
  method = "GET",
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        ca,
        headers: {
          authorization: `Bearer ${token}`,
          ...(payload ? { "content-type": "application/json" } : {}),
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            json: text ? (JSON.parse(text) as Record<string, unknown>) : {},
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

test("Entra ID cluster: no static credential, a kubelogin kubeconfig, and Azure RBAC decides each request", async (t) => {
  const stateDir = await tempStateDir();
  const kube = await startKubeEmulator({ port: 0, stateDir, timeScale: 0.002 });
  t.after(() => kube.stop());
  const c = await startForTest(t, { stateDir, kubeUrl: kube.url });
  const setup = await prepareNetwork(c, "rg");

  // disableLocalAccounts without Entra ID is AKS's BadRequest.
  await assert.rejects(
    c.aks.managedClusters.createOrUpdate(
      "rg",
      "bad",
      { ...clusterBody(setup), disableLocalAccounts: true },
      FAST,
    ),
    (e: { statusCode: number; code: string; message: string }) =>
      e.statusCode === 400 &&
      e.code === "BadRequest" &&
      /can only be set on Azure AD integration enabled/.test(e.message),
  );
  await assert.rejects(
    c.aks.managedClusters.createOrUpdate(
      "rg",
      "bad",
      { ...clusterBody(setup), aadProfile: { managed: false, clientAppID: "x" } },
      FAST,
    ),
    { statusCode: 400, code: "InvalidParameter" },
  );

  const cluster = await c.aks.managedClusters.createOrUpdate(
    "rg",
    "aks",
    {
      ...clusterBody(setup, {
        networkPluginMode: "overlay",
        networkPolicy: "cilium",
        networkDataplane: "cilium",
      }),
      aadProfile: { managed: true, enableAzureRbac: true },
      disableLocalAccounts: true,
    },
    FAST,
  );
  const shown = await c.aks.managedClusters.get("rg", "aks");
  assert.deepEqual(
    {
      managed: shown.aadProfile?.managed,
      rbac: shown.aadProfile?.enableAzureRbac,
      tenant: shown.aadProfile?.tenantID,
    },
    { managed: true, rbac: true, tenant: c.emulator.tenantId },
  );
  assert.equal(shown.disableLocalAccounts, true);

  // No static credential; the user credential's user is kubelogin, with no secret in it.
  await assert.rejects(c.aks.managedClusters.listClusterAdminCredentials("rg", "aks"), {
    statusCode: 400,
    code: "BadRequest",
    message:
      "Getting static credential is not allowed because this cluster is set to disable local accounts.",
  });
  const yaml = Buffer.from(
    (await c.aks.managedClusters.listClusterUserCredentials("rg", "aks")).kubeconfigs![0]!.value!,
  ).toString("utf8");
  const config = parse(yaml) as {
    clusters: { cluster: { server: string; "certificate-authority-data": string } }[];
    users: { user: { exec?: { apiVersion: string; command: string; args: string[] }; token?: string } }[];
  };
  const exec = config.users[0]!.user.exec!;
  assert.equal(config.users[0]!.user.token, undefined);
  assert.equal(exec.command, "kubelogin");
  assert.equal(exec.apiVersion, "client.authentication.k8s.io/v1beta1");
  assert.deepEqual(exec.args.slice(0, 1), ["get-token"]);
  assert.equal(exec.args[exec.args.indexOf("--server-id") + 1], AKS_AAD_SERVER_APP_ID);
  assert.equal(exec.args[exec.args.indexOf("--tenant-id") + 1], c.emulator.tenantId);
  const server = config.clusters[0]!.cluster.server;
  assert.equal(server, `${kube.url}/clusters/${clusterKey(cluster.id!)}`);
  const ca = Buffer.from(config.clusters[0]!.cluster["certificate-authority-data"], "base64").toString();

  const tokenFor = (objectId: string, groups: string[] = []) =>
    c.emulator.issueToken({
      audience: AKS_AAD_SERVER_APP_ID,
      subject: objectId,
      objectId,
      claims: { groups },
    });
  const alice = randomUUID();
  const team = randomUUID();
  const bob = randomUUID();
  const aliceToken = await tokenFor(alice);
  const bobToken = await tokenFor(bob, [team]);

  // Nobody holds a role yet: 403 as the API server writes it.
  const denied = await call(`${server}/api/v1/namespaces/default/pods`, ca, aliceToken);
  assert.equal(denied.status, 403);
  assert.equal(denied.json["kind"], "Status");
  assert.equal(denied.json["reason"], "Forbidden");
  assert.equal(
    denied.json["message"],
    `pods is forbidden: User "${alice}" cannot list resource "pods" in API group "" in the namespace "default": User does not have access to the resource in Azure. Update role assignment to allow access.`,
  );
  assert.equal((await call(`${server}/api`, ca, aliceToken)).status, 200, "discovery is open");
  assert.equal((await call(`${server}/api/v1/pods`, ca, "not-a-token")).status, 401);

  // Writer on the namespace "default" for alice; Reader on the cluster for bob's group.
  const grant = (scope: string, principalId: string, role: string, principalType: "User" | "Group") =>
    c.authorization.roleAssignments.create(scope, randomUUID(), {
      roleDefinitionId: `/subscriptions/${c.sub}/providers/Microsoft.Authorization/roleDefinitions/${role}`,
      principalId,
      principalType,
    });
  await grant(`${cluster.id!}/namespaces/default`, alice, ROLES.writer, "User");
  await grant(cluster.id!, team, ROLES.reader, "Group");

  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web" },
    spec: { containers: [{ name: "web", image: "nginx" }] },
  };
  assert.equal(
    (await call(`${server}/api/v1/namespaces/default/pods`, ca, aliceToken, "POST", pod)).status,
    201,
  );
  assert.equal((await call(`${server}/api/v1/namespaces/kube-system/pods`, ca, aliceToken)).status, 403);
  assert.equal((await call(`${server}/api/v1/namespaces/kube-system/pods`, ca, bobToken)).status, 200);
  assert.equal((await call(`${server}/api/v1/namespaces/default/pods/web`, ca, bobToken)).status, 200);
  const readerDelete = await call(`${server}/api/v1/namespaces/default/pods/web`, ca, bobToken, "DELETE");
  assert.equal(readerDelete.status, 403);
  assert.deepEqual(readerDelete.json["details"], { name: "web", kind: "pods" });
  assert.equal((await call(`${server}/api/v1/namespaces/default/secrets`, ca, bobToken)).status, 403);

  // Access reviews give the same decision.
  const ssar = (token: string, namespace: string, verb: string, resource: string) =>
    call(`${server}/apis/authorization.k8s.io/v1/selfsubjectaccessreviews`, ca, token, "POST", {
      apiVersion: "authorization.k8s.io/v1",
      kind: "SelfSubjectAccessReview",
      spec: { resourceAttributes: { namespace, verb, resource } },
    }).then((r) => (r.json["status"] as { allowed: boolean }).allowed);
  assert.equal(await ssar(aliceToken, "default", "create", "pods"), true);
  assert.equal(await ssar(aliceToken, "kube-system", "create", "pods"), false);
  assert.equal(await ssar(bobToken, "default", "delete", "pods"), false);
  // SubjectAccessReview needs more than Writer.
  const sar = await call(
    `${server}/apis/authorization.k8s.io/v1/subjectaccessreviews`,
    ca,
    aliceToken,
    "POST",
    {
      apiVersion: "authorization.k8s.io/v1",
      kind: "SubjectAccessReview",
      spec: {
        user: bob,
        groups: [team],
        resourceAttributes: { namespace: "default", verb: "get", resource: "pods" },
      },
    },
  );
  assert.equal(sar.status, 403);
});
