// The kinds and endpoints a cluster serves beside the tutorial's: Deployment → ReplicaSet → Pod
// ownership, EndpointSlices, Secrets, the admission defaults of a pod, access reviews, OpenAPI.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as k8s from "@kubernetes/client-node";
import { eventually, startHarness } from "./harness.js";

test("a Deployment owns a ReplicaSet that owns its pods; a new template makes a new ReplicaSet; deletion cascades", async (t) => {
  const h = await startHarness(t);
  const apps = h.kc.makeApiClient(k8s.AppsV1Api);
  const core = h.kc.makeApiClient(k8s.CoreV1Api);
  const template = (image: string) => ({
    metadata: { labels: { app: "web" } },
    spec: { containers: [{ name: "web", image }] },
  });
  const d = await apps.createNamespacedDeployment({
    namespace: "default",
    body: {
      metadata: { name: "web" },
      spec: { replicas: 2, selector: { matchLabels: { app: "web" } }, template: template("nginx:1.27") },
    },
  });
  const [rs] = await eventually(async () => {
    const list = (await apps.listNamespacedReplicaSet({ namespace: "default", labelSelector: "app=web" }))
      .items;
    return list.length === 1 && list[0]!.status?.readyReplicas === 2 ? list : undefined;
  }, "one ready ReplicaSet");
  assert.equal(rs!.metadata?.ownerReferences?.[0]?.uid, d.metadata?.uid);
  assert.equal(rs!.metadata?.ownerReferences?.[0]?.kind, "Deployment");
  assert.equal(rs!.metadata?.annotations?.["deployment.kubernetes.io/revision"], "1");
  const hash = rs!.metadata?.labels?.["pod-template-hash"];
  assert.equal(rs!.metadata?.name, `web-${hash}`);
  const pods = (await core.listNamespacedPod({ namespace: "default", labelSelector: "app=web" })).items;
  assert.equal(pods.length, 2);
  for (const p of pods) {
    assert.deepEqual(
      [p.metadata?.ownerReferences?.[0]?.kind, p.metadata?.ownerReferences?.[0]?.uid],
      ["ReplicaSet", rs!.metadata?.uid],
    );
    assert.equal(p.metadata?.labels?.["pod-template-hash"], hash);
  }

  await apps.patchNamespacedDeployment(
    { name: "web", namespace: "default", body: { spec: { template: template("nginx:1.28") } } },
    k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
  );
  const sets = await eventually(async () => {
    const list = (await apps.listNamespacedReplicaSet({ namespace: "default" })).items;
    const scaled = list.map((x) => [
      x.metadata?.annotations?.["deployment.kubernetes.io/revision"],
      x.spec?.replicas,
    ]);
    return list.length === 2 && list.every((x) => (x.status?.replicas ?? 0) === x.spec?.replicas)
      ? scaled
      : undefined;
  }, "the rollout");
  assert.deepEqual(sets.sort(), [
    ["1", 0],
    ["2", 2],
  ]);

  await apps.deleteNamespacedDeployment({ name: "web", namespace: "default" });
  await eventually(async () => {
    const left = (await apps.listNamespacedReplicaSet({ namespace: "default" })).items.length;
    const podsLeft = (await core.listNamespacedPod({ namespace: "default", labelSelector: "app=web" })).items;
    return left === 0 && podsLeft.length === 0 ? true : undefined;
  }, "the garbage collector");
});

test("EndpointSlices follow the service's ready pods; Secrets fold stringData; pods get the admission defaults", async (t) => {
  const h = await startHarness(t);
  const core = h.kc.makeApiClient(k8s.CoreV1Api);
  const discovery = h.kc.makeApiClient(k8s.DiscoveryV1Api);
  await core.createNamespacedPod({
    namespace: "default",
    body: {
      metadata: { name: "backend", labels: { app: "web" } },
      spec: { containers: [{ name: "b", image: "nginx" }] },
    },
  });
  await core.createNamespacedService({
    namespace: "default",
    body: {
      metadata: { name: "backend" },
      spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80 }] },
    },
  });
  const slice = await eventually(async () => {
    const list = await discovery.listNamespacedEndpointSlice({
      namespace: "default",
      labelSelector: "kubernetes.io/service-name=backend",
    });
    const s = list.items[0];
    return s?.endpoints?.[0]?.conditions?.ready ? s : undefined;
  }, "a ready endpoint in the slice");
  const pod = await core.readNamespacedPod({ name: "backend", namespace: "default" });
  assert.equal(slice.addressType, "IPv4");
  assert.deepEqual(slice.endpoints?.[0]?.addresses, [pod.status?.podIP]);
  assert.equal(slice.endpoints?.[0]?.targetRef?.name, "backend");
  assert.deepEqual(
    slice.ports?.map((p) => [p.name, p.port, p.protocol]),
    [["http", 80, "TCP"]],
  );
  assert.equal(slice.metadata?.ownerReferences?.[0]?.kind, "Service");

  const tolerations = pod.spec?.tolerations?.map((x) => [x.key, x.effect, x.tolerationSeconds]);
  assert.deepEqual(tolerations, [
    ["node.kubernetes.io/not-ready", "NoExecute", 300],
    ["node.kubernetes.io/unreachable", "NoExecute", 300],
  ]);
  const volume = pod.spec?.volumes?.[0];
  assert.match(volume?.name ?? "", /^kube-api-access-[a-z0-9]{5}$/);
  assert.equal(volume?.projected?.sources?.[0]?.serviceAccountToken?.path, "token");
  assert.deepEqual(
    pod.spec?.containers[0]?.volumeMounts?.map((m) => [m.name, m.readOnly, m.mountPath]),
    [[volume?.name, true, "/var/run/secrets/kubernetes.io/serviceaccount"]],
  );

  const secret = await core.createNamespacedSecret({
    namespace: "default",
    body: { metadata: { name: "s" }, stringData: { password: "hunter2" } },
  });
  assert.deepEqual(
    [secret.type, secret.data, secret.stringData],
    ["Opaque", { password: "aHVudGVyMg==" }, undefined],
  );
  await assert.rejects(
    core.createNamespacedSecret({
      namespace: "default",
      body: { metadata: { name: "bad" }, data: { k: "not base64!" } },
    }),
    (err: unknown) => String((err as { body?: string }).body).includes("illegal base64 data at input byte 3"),
  );
});

test("access reviews answer allowed for the admin; OpenAPI v3 describes the served kinds and their PATCH parameters", async (t) => {
  const h = await startHarness(t);
  const authz = h.kc.makeApiClient(k8s.AuthorizationV1Api);
  const review = await authz.createSelfSubjectAccessReview({
    body: { spec: { resourceAttributes: { verb: "list", resource: "pods", namespace: "default" } } },
  });
  assert.equal(review.status?.allowed, true);
  const sar = await authz.createSubjectAccessReview({
    body: { spec: { user: "someone", resourceAttributes: { verb: "delete", resource: "nodes" } } },
  });
  assert.equal(sar.status?.allowed, true);

  const index = (await h.request("GET", "/openapi/v3")).json() as {
    paths: Record<string, { serverRelativeURL: string }>;
  };
  assert.ok(index.paths["apis/discovery.k8s.io/v1"]);
  const url = index.paths["apis/networking.k8s.io/v1"]!.serverRelativeURL;
  const doc = (await h.request("GET", url)).json() as {
    paths: Record<string, { patch?: { parameters: { name: string; in: string }[] } }>;
    components: { schemas: Record<string, { properties?: Record<string, { description?: string }> }> };
  };
  const patch = doc.paths["/apis/networking.k8s.io/v1/namespaces/{namespace}/networkpolicies/{name}"]?.patch;
  assert.ok(patch?.parameters.some((p) => p.name === "fieldValidation" && p.in === "query"));
  const spec = doc.components.schemas["io.k8s.api.networking.v1.NetworkPolicySpec"];
  assert.match(spec?.properties?.["podSelector"]?.description ?? "", /^podSelector selects the pods/);

  const v2 = (await h.request("GET", "/openapi/v2", { headers: { Accept: "application/json" } })).json() as {
    swagger: string;
    definitions: Record<string, unknown>;
  };
  assert.equal(v2.swagger, "2.0");
  assert.ok(v2.definitions["io.k8s.api.apps.v1.ReplicaSet"]);
});
