// Microsoft.ContainerService/managedClusters through @azure/arm-containerservice: validation with
// AKS's codes, the subnet permission check, the busy guard, LRO failure and resumption, and the
// registration contract with the Kubernetes emulator (against an in-test stand-in).
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { ContainerServiceClient, restorePoller } from "@azure/arm-containerservice";
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from "jose";
import { parse } from "yaml";
import { clusterKey } from "../../../emulators/common/cluster-key.js";
import { AKS_AAD_SERVER_APP_ID } from "../../../emulators/azure/index.js";
import {
  FAST,
  NETWORK_CONTRIBUTOR,
  clusterBody,
  prepareNetwork,
  sdkOptions,
} from "../../../harness/azure.js";
import { eventually, startForTest, startKubeStandIn, tempStateDir } from "./helpers.js";

interface Kubeconfig {
  clusters: { cluster: { server: string; "certificate-authority-data": string } }[];
  users: { name: string; user: { token: string } }[];
}
const decode = (v: Uint8Array | undefined) => parse(Buffer.from(v!).toString("utf8")) as Kubeconfig;

test("network profiles AKS rejects fail synchronously with AKS's codes (targets: test/unit/azure)", async (t) => {
  const c = await startForTest(t);
  const setup = await prepareNetwork(c, "rg");
  const cases = [
    {
      network: { dnsServiceIP: "10.1.0.10" },
      code: "DnsServiceIpOutOfServiceCidr",
    },
    {
      network: { serviceCidr: "10.240.0.0/16", dnsServiceIP: "10.240.0.10" },
      code: "ServiceCidrOverlapExistingSubnetsCidr",
    },
    {
      network: { serviceCidr: "169.254.0.0/16", dnsServiceIP: "169.254.0.10" },
      code: "InvalidParameter",
    },
    {
      network: { serviceCidr: "10.0.0.0/8", dnsServiceIP: "10.0.0.10" },
      code: "InvalidParameter",
    },
    {
      network: { dnsServiceIP: "10.0.0.1" },
      code: "InvalidParameter",
    },
    {
      network: { networkPolicy: "cilium" as const, networkDataplane: "azure" as const },
      code: "InvalidParameter",
    },
  ];
  for (const { network, code } of cases) {
    const err = (await c.aks.managedClusters
      .createOrUpdate("rg", "bad", clusterBody(setup, network), FAST)
      .then(
        () => undefined,
        (e: unknown) => e,
      )) as { statusCode?: number; code?: string } | undefined;
    assert.ok(err, `${JSON.stringify(network)} must be rejected`);
    assert.equal(err.statusCode, 400, JSON.stringify(network));
    assert.equal(err.code, code, JSON.stringify(network));
  }
  await assert.rejects(c.aks.managedClusters.get("rg", "bad"), { statusCode: 404, code: "ResourceNotFound" });
});

test("the cluster identity needs subnets/join/action on the subnet (Network Contributor), else LinkedAuthorizationFailed", async (t) => {
  const c = await startForTest(t);
  const setup = await prepareNetwork(c, "rg", { grant: false });
  await assert.rejects(c.aks.managedClusters.createOrUpdate("rg", "aks", clusterBody(setup), FAST), {
    statusCode: 403,
    code: "LinkedAuthorizationFailed",
  });
  await c.authorization.roleAssignments.create(setup.subnetId, randomUUID(), {
    roleDefinitionId: `/subscriptions/${c.sub}/providers/Microsoft.Authorization/roleDefinitions/${NETWORK_CONTRIBUTOR}`,
    principalId: setup.principalId,
    principalType: "ServicePrincipal",
  });
  const ok = await c.aks.managedClusters.createOrUpdate("rg", "aks", clusterBody(setup), FAST);
  assert.equal(ok.provisioningState, "Succeeded");
});

test("with role propagation configured, a cluster created right after its role assignment is refused until it propagates", async (t) => {
  // 300 emulated s × 0.002 = 600 ms.
  const c = await startForTest(t, { latency: { rolePropagation: 300 } });
  const setup = await prepareNetwork(c, "rg");
  await assert.rejects(c.aks.managedClusters.createOrUpdate("rg", "aks", clusterBody(setup), FAST), {
    statusCode: 403,
    code: "LinkedAuthorizationFailed",
  });
  let created = false;
  await eventually(async () => {
    created = await c.aks.managedClusters.createOrUpdate("rg", "aks", clusterBody(setup), FAST).then(
      () => true,
      (e: { code?: string }) => {
        assert.equal(e.code, "LinkedAuthorizationFailed");
        return false;
      },
    );
    return created;
  }, "the role assignment to propagate");
});

test("a PUT or DELETE while the cluster is Creating is 409 OperationNotAllowed; after it, an update or tag PATCH goes through Updating", async (t) => {
  const c = await startForTest(t, { latency: { clusterCreate: 1000 } });
  const setup = await prepareNetwork(c, "rg");
  const poller = c.aks.managedClusters.createOrUpdate("rg", "aks", clusterBody(setup), FAST);
  await poller.submitted();
  assert.equal((await c.aks.managedClusters.get("rg", "aks")).provisioningState, "Creating");
  await assert.rejects(c.aks.managedClusters.createOrUpdate("rg", "aks", clusterBody(setup), FAST), {
    statusCode: 409,
    code: "OperationNotAllowed",
  });
  await assert.rejects(c.aks.managedClusters.delete("rg", "aks", FAST), {
    statusCode: 409,
    code: "OperationNotAllowed",
  });
  assert.equal((await poller).provisioningState, "Succeeded");
  const update = c.aks.managedClusters.createOrUpdate(
    "rg",
    "aks",
    { ...clusterBody(setup), tags: { env: "dev" } },
    FAST,
  );
  await update.submitted();
  assert.equal((await c.aks.managedClusters.get("rg", "aks")).provisioningState, "Updating");
  assert.deepEqual((await update).tags, { env: "dev" });
  const tagged = await c.aks.managedClusters.updateTags("rg", "aks", { tags: { env: "prod" } }, FAST);
  assert.deepEqual(tagged.tags, { env: "prod" });
  assert.equal(tagged.provisioningState, "Succeeded");
});

test("an injected provisioning failure ends the create Failed with QuotaExceeded; a retried PUT then succeeds", async (t) => {
  const c = await startForTest(t, {
    faults: {
      rules: [
        {
          kind: "provisioningFailure",
          resourceType: "Microsoft.ContainerService/managedClusters",
          code: "QuotaExceeded",
          times: 1,
        },
      ],
    },
  });
  const setup = await prepareNetwork(c, "rg");
  await assert.rejects(
    c.aks.managedClusters.createOrUpdate("rg", "aks", clusterBody(setup), FAST),
    /QuotaExceeded/,
  );
  assert.equal((await c.aks.managedClusters.get("rg", "aks")).provisioningState, "Failed");
  const again = await c.aks.managedClusters.createOrUpdate("rg", "aks", clusterBody(setup), FAST);
  assert.equal(again.provisioningState, "Succeeded");
});

test("a create resumes with restorePoller from serialized state in a fresh client", async (t) => {
  const c = await startForTest(t, { latency: { clusterCreate: 400 } });
  const setup = await prepareNetwork(c, "rg");
  const first = c.aks.managedClusters.createOrUpdate("rg", "aks", clusterBody(setup), FAST);
  await first.submitted();
  const state = await first.serialize();
  const fresh = new ContainerServiceClient(c.credential, c.sub, sdkOptions(c.emulator));
  const resumed = restorePoller(fresh, state, fresh.managedClusters.createOrUpdate, FAST);
  await resumed.poll();
  assert.equal(resumed.isDone, false, "still running right after submission");
  const puts = c.emulator.recorder.query({
    method: "PUT",
    resourceType: "Microsoft.ContainerService/managedClusters",
  });
  await eventually(async () => {
    await resumed.poll();
    return resumed.isDone;
  }, "the resumed poller to finish");
  const result = await resumed;
  assert.equal(result.provisioningState, "Succeeded");
  assert.equal(
    c.emulator.recorder.query({ method: "PUT", resourceType: "Microsoft.ContainerService/managedClusters" })
      .length,
    puts.length,
    "resuming did not send the PUT again",
  );
});

test("clusters register with the Kubernetes emulator on Succeeded, hand out kubeconfigs for it, and unregister on delete", async (t) => {
  const stateDir = await tempStateDir();
  const kube = await startKubeStandIn(stateDir);
  t.after(() => kube.stop());
  const c = await startForTest(t, { stateDir, kubeUrl: kube.url });
  const setup = await prepareNetwork(c, "rg");
  const cluster = await c.aks.managedClusters.createOrUpdate(
    "rg",
    "aks",
    clusterBody(setup, { networkPluginMode: "overlay", networkPolicy: "cilium", networkDataplane: "cilium" }),
    FAST,
  );
  const key = clusterKey(cluster.id!);
  const put = kube.calls.find((x) => x.method === "PUT");
  assert.equal(put?.path, `/_emulator/clusters/${key}`);
  const reg = put.body as {
    resourceId: string;
    name: string;
    network: Record<string, string>;
    tokenValidation: { issuer: string; audience: string; jwks: JSONWebKeySet };
  };
  assert.equal(reg.resourceId, cluster.id);
  assert.equal(reg.name, "aks");
  assert.deepEqual(reg.network, {
    pluginMode: "overlay",
    networkPolicy: "cilium",
    podCidr: "10.244.0.0/16",
    serviceCidr: "10.0.0.0/16",
    dnsServiceIp: "10.0.0.10",
  });
  assert.equal(reg.tokenValidation.issuer, c.emulator.issuer);
  assert.equal(reg.tokenValidation.audience, AKS_AAD_SERVER_APP_ID);

  const admin = decode(
    (await c.aks.managedClusters.listClusterAdminCredentials("rg", "aks")).kubeconfigs![0]!.value,
  );
  assert.equal(admin.clusters[0]!.cluster.server, `${kube.url}/clusters/${key}`);
  assert.equal(admin.users[0]!.user.token, `admin-${key}`);
  assert.equal(
    Buffer.from(admin.clusters[0]!.cluster["certificate-authority-data"], "base64").toString(),
    c.emulator.caPem,
  );

  const user = decode(
    (await c.aks.managedClusters.listClusterUserCredentials("rg", "aks")).kubeconfigs![0]!.value,
  );
  assert.equal(user.users[0]!.name, "clusterUser_rg_aks");
  const verified = await jwtVerify(user.users[0]!.user.token, createLocalJWKSet(reg.tokenValidation.jwks), {
    issuer: reg.tokenValidation.issuer,
    audience: AKS_AAD_SERVER_APP_ID,
  });
  assert.ok(verified.payload["oid"], "the user token names the caller");

  await c.aks.managedClusters.delete("rg", "aks", FAST);
  await assert.rejects(c.aks.managedClusters.get("rg", "aks"), { statusCode: 404 });
  assert.ok(kube.calls.some((x) => x.method === "DELETE" && x.path === `/_emulator/clusters/${key}`));
});

test("a second cluster that does not fit in the shared subnet is SubnetIsFull", async (t) => {
  const c = await startForTest(t);
  const setup = await prepareNetwork(c, "rg", { vnetPrefix: "10.0.0.0/8", subnetPrefix: "10.240.0.0/24" });
  const three = clusterBody(setup);
  three.agentPoolProfiles![0]!.count = 3;
  await c.aks.managedClusters.createOrUpdate("rg", "one", three, FAST);
  const four = clusterBody(setup);
  four.agentPoolProfiles![0]!.count = 4;
  await assert.rejects(c.aks.managedClusters.createOrUpdate("rg", "two", four, FAST), {
    statusCode: 400,
    code: "SubnetIsFull",
  });
});
