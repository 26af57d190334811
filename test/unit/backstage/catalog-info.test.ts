// shared/backstage/catalog-info.ts: a cluster's status document as a Backstage Resource entity that
// Backstage's catalog accepts (its policies and the published Resource schema).
import assert from "node:assert/strict";
import { test } from "node:test";
import { clusterResourceEntity } from "../../../shared/backstage/catalog-info.js";
import type { ClusterStatusDocument } from "../../../shared/provision/types.js";
import { assertBackstageResource } from "../../helpers/backstage.js";

const doc: ClusterStatusDocument = {
  name: "tipsAndTricksAKSCluster",
  resourceGroup: "akstips",
  subscriptionId: "00000000-0000-4000-8000-000000000001",
  team: "platform",
  phase: "Succeeded",
  requestedBy: { id: "3f1c", name: "Ada Lovelace" },
  createdAt: "2026-12-06T04:00:00.000Z",
  steps: [],
  outputs: {
    clusterId:
      "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/akstips/providers/Microsoft.ContainerService/managedClusters/tipsAndTricksAKSCluster",
    fqdn: "tipsandtricks-dns-1.hcp.eastus.azmk8s.io",
  },
  warnings: [],
  links: {
    self: "/api/clusters/tipsAndTricksAKSCluster",
    kubeconfig: "/api/clusters/tipsAndTricksAKSCluster/kubeconfig",
  },
};
const origin = "https://aksv.example.net";

test("a cluster is a Resource of type kubernetes-cluster owned by its team's group, accepted by Backstage's catalog", async () => {
  const e = clusterResourceEntity(doc, { origin, system: "aks-platform" });
  await assertBackstageResource(e);
  assert.equal(e.kind, "Resource");
  assert.equal(e.metadata.name, doc.name);
  assert.deepEqual(e.spec, {
    type: "kubernetes-cluster",
    owner: "group:default/platform",
    system: "aks-platform",
  });
  assert.equal(e.metadata.annotations["aks-vending.io/cluster-id"], doc.outputs.clusterId);
  assert.equal(e.metadata.annotations["aks-vending.io/requested-by"], "Ada Lovelace");
  assert.equal(e.metadata.labels["aks-vending.io/phase"], "Succeeded");
  assert.deepEqual(
    e.metadata.links.map((l) => l.url),
    [
      `${origin}/api/clusters/tipsAndTricksAKSCluster`,
      `${origin}/api/portal/#/clusters/tipsAndTricksAKSCluster`,
    ],
  );
});

test("a cluster still being created has no outputs yet and is still a valid entity (no system when none is given)", async () => {
  const e = clusterResourceEntity(
    { ...doc, phase: "Provisioning", outputs: {}, requestedBy: undefined },
    { origin },
  );
  await assertBackstageResource(e);
  assert.equal(e.spec.system, undefined);
  assert.equal(e.metadata.annotations["aks-vending.io/cluster-id"], undefined);
  assert.equal(e.metadata.labels["aks-vending.io/phase"], "Provisioning");
});

test("Backstage's checks bite: a name Backstage refuses, or a Resource without spec.type, is rejected", async () => {
  const e = clusterResourceEntity(doc, { origin });
  await assert.rejects(assertBackstageResource({ ...e, metadata: { ...e.metadata, name: "-bad name" } }));
  await assert.rejects(assertBackstageResource({ ...e, spec: { owner: e.spec.owner } }));
});
