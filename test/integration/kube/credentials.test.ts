// The seeding activities' answer to a 401 from a cluster (orchestrations/activities/kube.ts): a kept
// credential may belong to a cluster that was deleted and created again under the same name, so a
// 401 gets exactly one more try with a fresh credential before it counts as permanent. Against the
// Kubernetes emulator through client-node; only where the credential comes from is the test's.
import assert from "node:assert/strict";
import { test } from "node:test";
import { kubeClientsFromKubeconfig, type KubeClients } from "../../../shared/kube/client.js";
import type { ClusterTarget } from "../../../shared/azure/names.js";
import { seedNamespaceObject, type KubeDeps } from "../../../orchestrations/activities/kube.js";
import { spec } from "../../unit/provision/fixtures.js";
import { kubeConfigFor } from "../../../harness/kube.js";
import { startHarness } from "./harness.js";

const target: ClusterTarget = {
  subscriptionId: "00000000-0000-0000-0000-000000000000",
  resourceGroup: "rg",
  name: "c1",
};

/** Credentials as a cache would hand them out: the kept one unless a fresh one is asked for. */
function deps(kept: KubeClients, fresh: KubeClients): KubeDeps & { asked: boolean[] } {
  const asked: boolean[] = [];
  return {
    asked,
    clients: (_target, options) => {
      asked.push(options?.fresh ?? false);
      return Promise.resolve(options?.fresh ? fresh : kept);
    },
  };
}

test("a 401 with a kept credential is retried once with a fresh one; a second 401 is permanent", async (t) => {
  const h = await startHarness(t);
  const clients = (token: string) =>
    kubeClientsFromKubeconfig(kubeConfigFor(h.server, h.caData, token).exportConfig());
  const stale = clients("credential-of-a-deleted-cluster");
  const valid = clients(h.token);
  const namespace = spec().namespaces[0]!;

  const recovering = deps(stale, valid);
  const result = await seedNamespaceObject({ target, namespace }, recovering);
  assert.deepEqual(result, { ok: true, value: namespace.name });
  assert.deepEqual(recovering.asked, [false, true], "the kept credential, then one fresh one");
  assert.equal((await h.request("GET", `/api/v1/namespaces/${namespace.name}`)).status, 200);

  const hopeless = deps(stale, stale);
  const refused = await seedNamespaceObject({ target, namespace }, hopeless);
  assert.equal(refused.ok, false);
  if (!refused.ok) assert.equal(refused.error.code, "KubernetesUnauthorized");
  assert.deepEqual(hopeless.asked, [false, true], "exactly one retry, then the 401 is the answer");
});
