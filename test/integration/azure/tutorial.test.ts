// The tutorial's ARM steps (tip 238, see docs/arm-and-aks.md), done through the real SDK clients.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { ContainerServiceClient } from "@azure/arm-containerservice";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { parse } from "yaml";
import { FAST, clusterBody, prepareNetwork, sdkOptions } from "../../../harness/azure.js";
import { startForTest } from "./helpers.js";

const CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c";

test("the tutorial's ARM steps succeed: group, VNet + subnet, identity with Contributor on the VNet, AKS with network policy", async (t) => {
  const c = await startForTest(t);
  const setup = await prepareNetwork(c, "akstips", { grant: false });
  // The tutorial grants Contributor on the VNet; the subnet inherits it.
  await c.authorization.roleAssignments.create(setup.vnetId, randomUUID(), {
    roleDefinitionId: `/subscriptions/${c.sub}/providers/Microsoft.Authorization/roleDefinitions/${CONTRIBUTOR}`,
    principalId: setup.principalId,
    principalType: "ServicePrincipal",
  });
  const states: string[] = [];
  const poller = c.aks.managedClusters.createOrUpdate(
    "akstips",
    "tipsAndTricksAKSCluster",
    clusterBody(setup),
    FAST,
  );
  poller.onProgress((s) => states.push(s.status));
  const cluster = await poller;
  assert.equal(cluster.provisioningState, "Succeeded");
  assert.ok(states.includes("running"), "the create was a long-running operation");
  assert.equal(cluster.networkProfile?.networkPolicy, "azure");
  assert.equal(cluster.networkProfile?.serviceCidr, "10.0.0.0/16");
  assert.equal(cluster.networkProfile?.dnsServiceIP, "10.0.0.10");
  assert.equal(cluster.agentPoolProfiles?.[0]?.vnetSubnetID, setup.subnetId);

  const got = await c.aks.managedClusters.get("akstips", "tipsAndTricksAKSCluster");
  assert.equal(got.provisioningState, "Succeeded");
  const admin = await c.aks.managedClusters.listClusterAdminCredentials("akstips", "tipsAndTricksAKSCluster");
  const kubeconfig = parse(Buffer.from(admin.kubeconfigs![0]!.value!).toString("utf8")) as {
    clusters: { cluster: { server: string } }[];
    users: { user: { token: string } }[];
  };
  assert.match(
    kubeconfig.clusters[0]!.cluster.server,
    /^https:\/\/tips-[0-9a-f]+\.hcp\.eastus\.azmk8s\.io:443$/,
  );
  assert.ok(kubeconfig.users[0]!.user.token.length > 10);
});

test("the modern variant (CNI overlay + Cilium) defaults pod CIDR and dataplane", async (t) => {
  const c = await startForTest(t);
  const setup = await prepareNetwork(c, "rg-modern", {
    vnetPrefix: "10.224.0.0/12",
    subnetPrefix: "10.224.0.0/16",
  });
  const cluster = await c.aks.managedClusters.createOrUpdate(
    "rg-modern",
    "modern",
    clusterBody(setup, { networkPluginMode: "overlay", networkPolicy: "cilium", networkDataplane: "cilium" }),
    FAST,
  );
  assert.equal(cluster.provisioningState, "Succeeded");
  assert.equal(cluster.networkProfile?.podCidr, "10.244.0.0/16");
  assert.equal(cluster.networkProfile?.networkDataplane, "cilium");
});

test("the tutorial's --docker-bridge-address is rejected as the current API rejects it", async (t) => {
  const c = await startForTest(t);
  const setup = await prepareNetwork(c, "akstips");
  // SDK 25.x has no dockerBridgeCidr property; add it to the wire body as the 2019 CLI sent it.
  const addDockerBridge: PipelinePolicy = {
    name: "addDockerBridge",
    sendRequest: (request, next) => {
      if (request.method === "PUT" && typeof request.body === "string") {
        const body = JSON.parse(request.body) as { properties: { networkProfile: Record<string, unknown> } };
        body.properties.networkProfile["dockerBridgeCidr"] = "172.17.0.1/16";
        request.body = JSON.stringify(body);
      }
      return next(request);
    },
  };
  const legacy = new ContainerServiceClient(c.credential, c.sub, {
    ...sdkOptions(c.emulator),
    additionalPolicies: [{ policy: addDockerBridge, position: "perCall" }],
  });
  await assert.rejects(legacy.managedClusters.createOrUpdate("akstips", "legacy", clusterBody(setup), FAST), {
    statusCode: 400,
    code: "InvalidParameter",
    message: /dockerBridgeCidr/,
  });
  // Without it the same request is accepted.
  const ok = await c.aks.managedClusters.createOrUpdate("akstips", "legacy", clusterBody(setup), FAST);
  assert.equal(ok.provisioningState, "Succeeded");
});
