// Pruning on the Kubernetes emulator through client-node: what aks-vending seeded (its managed-by
// mark) and the spec no longer has is deleted — a whole namespace, a policy, a Service — while the
// objects the spec keeps and everything without the mark stay. A second run finds nothing to do.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { kubeClientsFromKubeconfig } from "../../../shared/kube/client.js";
import { pruneUnkept } from "../../../shared/kube/prune.js";
import { applyNamespace, applyPolicies, applyWorkloads } from "../../../shared/kube/seed.js";
import { seededObjects } from "../../../shared/provision/changes.js";
import { spec, tutorialDocument } from "../../unit/provision/fixtures.js";
import { startHarness } from "./harness.js";

test("pruning deletes only marked objects the spec dropped, and is idempotent", async (t) => {
  const h = await startHarness(t);
  const c = kubeClientsFromKubeconfig(await readFile(h.kubeconfigPath, "utf8"));
  const [test1] = tutorialDocument()["namespaces"] as Record<string, unknown>[];
  const prod = {
    name: "prod",
    workloads: [{ name: "api", image: "nginx", ports: [{ port: 80 }], expose: true }],
  };
  const before = spec({ namespaces: [test1, prod] });
  for (const ns of before.namespaces) {
    await applyNamespace(c, ns);
    await applyPolicies(c, ns);
    await applyWorkloads(c, ns);
  }
  // Someone else's: a namespace and a policy in our namespace, without the mark.
  await c.core.createNamespace({ body: { metadata: { name: "other" } } });
  await c.networking.createNamespacedNetworkPolicy({
    namespace: "test",
    body: { metadata: { name: "theirs" }, spec: { podSelector: {} } },
  });

  // The spec now: namespace test without backend-policy, its workload no longer exposed; no prod.
  const after = spec({
    namespaces: [
      {
        ...test1,
        networkPolicies: [],
        expectations: [],
        workloads: (test1!["workloads"] as object[]).map((w) => ({ ...w, expose: false })),
      },
    ],
  });
  const deleted = await pruneUnkept(c, seededObjects(after));
  assert.deepEqual(deleted, ["namespace/prod", "networkpolicy/test/backend-policy", "service/test/backend"]);
  const names = (l: { items: { metadata?: { name?: string } }[] }) =>
    l.items.map((i) => i.metadata?.name).sort();
  assert.deepEqual(names(await c.networking.listNamespacedNetworkPolicy({ namespace: "test" })), [
    "default-deny-ingress",
    "theirs",
  ]);
  assert.deepEqual(names(await c.apps.listNamespacedDeployment({ namespace: "test" })), ["backend"]);
  assert.deepEqual(names(await c.core.listNamespacedService({ namespace: "test" })), []);
  await c.core.readNamespace({ name: "other" });
  assert.deepEqual(await pruneUnkept(c, seededObjects(after)), [], "nothing left to delete");
});
