// The tutorial's whole Kubernetes part (tip 238, see docs/arm-and-aks.md), driven through the real
// @kubernetes/client-node against an emulated cluster, with probe outcomes decided by the policies.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as k8s from "@kubernetes/client-node";
import { eventually, startHarness } from "./harness.js";

const mergePatch = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch);

async function runProbe(
  core: k8s.CoreV1Api,
  name: string,
  labels: Record<string, string> | undefined,
  command: string[],
) {
  await core.createNamespacedPod({
    namespace: "test",
    body: {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, ...(labels ? { labels } : {}) },
      spec: { restartPolicy: "Never", containers: [{ name: "probe", image: "alpine", command }] },
    },
  });
  const pod = await eventually(async () => {
    const p = await core.readNamespacedPod({ name, namespace: "test" });
    return p.status?.phase === "Succeeded" || p.status?.phase === "Failed" ? p : undefined;
  }, `probe pod ${name} to finish`);
  const log = await core.readNamespacedPodLog({ name, namespace: "test" });
  const exitCode = pod.status?.containerStatuses?.[0]?.state?.terminated?.exitCode;
  return { phase: pod.status?.phase, exitCode, log };
}

test("the tutorial through client-node: deny-all blocks a plain pod, allow-frontend admits only frontend pods", async (t) => {
  const h = await startHarness(t);
  const core = h.kc.makeApiClient(k8s.CoreV1Api);
  const net = h.kc.makeApiClient(k8s.NetworkingV1Api);
  const objects = k8s.KubernetesObjectApi.makeApiClient(h.kc);

  // kubectl create namespace test; kubectl label namespace/test purpose=test
  await core.createNamespace({ body: { apiVersion: "v1", kind: "Namespace", metadata: { name: "test" } } });
  const labelled = await core.patchNamespace(
    { name: "test", body: { metadata: { labels: { purpose: "test" } } } },
    mergePatch,
  );
  assert.deepEqual(labelled.metadata?.labels, { "kubernetes.io/metadata.name": "test", purpose: "test" });

  // kubectl run backend --image=nginx --labels app=webapp,role=backend --namespace test --expose --port 80
  const backendLabels = { app: "webapp", role: "backend" };
  await core.createNamespacedPod({
    namespace: "test",
    body: {
      metadata: { name: "backend", labels: backendLabels },
      spec: { containers: [{ name: "backend", image: "nginx", ports: [{ containerPort: 80 }] }] },
    },
  });
  const svc = await core.createNamespacedService({
    namespace: "test",
    body: {
      metadata: { name: "backend" },
      spec: { selector: backendLabels, ports: [{ port: 80, targetPort: 80 }] },
    },
  });
  assert.match(
    svc.spec?.clusterIP ?? "",
    /^10\.0\.\d+\.\d+$/,
    "the service gets a cluster IP from the service CIDR",
  );
  const backend = await eventually(async () => {
    const p = await core.readNamespacedPod({ name: "backend", namespace: "test" });
    return p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ? p : undefined;
  }, "backend Ready");
  assert.equal(backend.status?.phase, "Running");
  assert.match(backend.status?.podIP ?? "", /^10\.244\.\d+\.\d+$/, "the pod IP comes from the pod CIDR");
  const endpoints = await eventually(async () => {
    const ep = await core.readNamespacedEndpoints({ name: "backend", namespace: "test" });
    return ep.subsets?.[0]?.addresses?.length ? ep : undefined;
  }, "backend endpoints");
  assert.equal(endpoints.subsets?.[0]?.addresses?.[0]?.ip, backend.status?.podIP);

  // Before any policy everything is allowed: wget -qO- http://backend prints nginx's page.
  const open = await runProbe(core, "probe-open", undefined, [
    "wget",
    "-qO-",
    "--timeout=2",
    "http://backend",
  ]);
  assert.equal(open.phase, "Succeeded", open.log);
  assert.equal(open.exitCode, 0);
  assert.match(open.log, /<title>Welcome to nginx!<\/title>/);

  // Deny all inbound traffic to the backend.
  const deny = await net.createNamespacedNetworkPolicy({
    namespace: "test",
    body: {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "backend-policy" },
      spec: { podSelector: { matchLabels: backendLabels }, ingress: [] },
    },
  });
  assert.deepEqual(deny.spec?.policyTypes, ["Ingress"], "policyTypes is defaulted");
  const denied = await runProbe(core, "probe-denied", undefined, [
    "wget",
    "-qO-",
    "--timeout=2",
    "http://backend",
  ]);
  assert.equal(denied.phase, "Failed", `deny-all: ${denied.log}`);
  assert.equal(denied.exitCode, 1);
  assert.equal(denied.log, "wget: download timed out\n");

  // Allow ingress from app=webapp,role=frontend pods in any namespace (server-side apply, as the seeding does).
  // The tutorial's backend-policy.yaml, loaded by client-node (plain objects would lose `from`:
  // the typed model calls it `_from`, and the serializer drops unknown properties).
  const allowYaml = [
    "kind: NetworkPolicy",
    "apiVersion: networking.k8s.io/v1",
    "metadata:",
    "  name: backend-policy",
    "  namespace: test",
    "spec:",
    "  podSelector:",
    "    matchLabels:",
    "      app: webapp",
    "      role: backend",
    "  ingress:",
    "  - from:",
    "    - namespaceSelector: {}",
    "      podSelector:",
    "        matchLabels:",
    "          app: webapp",
    "          role: frontend",
  ].join("\n");
  const allow = (await objects.patch(
    k8s.loadYaml<k8s.V1NetworkPolicy>(allowYaml),
    undefined,
    undefined,
    "aks-vending",
    true,
    k8s.PatchStrategy.ServerSideApply,
  )) as k8s.V1NetworkPolicy;
  assert.deepEqual(JSON.parse(JSON.stringify(allow.spec?.ingress?.[0]?._from)), [
    { namespaceSelector: {}, podSelector: { matchLabels: { app: "webapp", role: "frontend" } } },
  ]);
  assert.equal((allow.metadata as k8s.V1ObjectMeta).generation, 2, "the spec change bumps the generation");
  const frontend = await runProbe(core, "frontend", { app: "webapp", role: "frontend" }, [
    "wget",
    "-qO-",
    "http://backend",
  ]);
  assert.equal(frontend.phase, "Succeeded", frontend.log);
  assert.match(frontend.log, /Welcome to nginx!/);
  const plain = await runProbe(core, "probe-plain", undefined, [
    "wget",
    "-qO-",
    "--timeout=2",
    "http://backend",
  ]);
  assert.equal(plain.phase, "Failed", `allow-frontend, plain pod: ${plain.log}`);
  assert.equal(plain.log, "wget: download timed out\n");

  // nginx logged the two requests it served.
  const access = await core.readNamespacedPodLog({ name: "backend", namespace: "test" });
  assert.equal(access.split("\n").filter((l) => l.includes('"GET / HTTP/1.1" 200')).length, 2);
});
