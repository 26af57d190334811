// API machinery through client-node: watch, pagination, field selectors, server-side apply
// ownership, deployments, jobs, DNS names and restart persistence.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as k8s from "@kubernetes/client-node";
import { registration } from "../../../harness/kube.js";
import { eventually, startHarness } from "./harness.js";

const ssa = (objects: k8s.KubernetesObjectApi, obj: object, manager: string, force = false) =>
  objects.patch(
    obj as k8s.KubernetesObject,
    undefined,
    undefined,
    manager,
    force,
    k8s.PatchStrategy.ServerSideApply,
  );

test("watch streams ADDED/MODIFIED/DELETED; limit/continue pages; field selectors filter", async (t) => {
  const h = await startHarness(t);
  const core = h.kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: "test" } } });
  const events: string[] = [];
  const watch = new k8s.Watch(h.kc);
  const controller = await watch.watch(
    "/api/v1/namespaces/test/configmaps",
    {},
    (type, obj: k8s.V1ConfigMap) => events.push(`${type} ${obj.metadata?.name}`),
    () => {},
  );
  t.after(() => controller.abort());
  for (const name of ["a", "b", "c"])
    await core.createNamespacedConfigMap({
      namespace: "test",
      body: { metadata: { name }, data: { k: name } },
    });
  await core.deleteNamespacedConfigMap({ name: "b", namespace: "test" });
  await eventually(() => (events.includes("DELETED b") ? true : undefined), "the DELETED event");
  assert.deepEqual(
    events.filter((e) => !e.includes("kube-root-ca.crt")),
    ["ADDED a", "ADDED b", "ADDED c", "DELETED b"],
  );

  const first = await core.listNamespacedConfigMap({ namespace: "test", limit: 2 });
  assert.equal(first.items.length, 2);
  assert.ok(first.metadata?._continue, "a continue token when more items remain");
  const second = await core.listNamespacedConfigMap({
    namespace: "test",
    limit: 2,
    _continue: first.metadata!._continue!,
  });
  assert.deepEqual(
    [...first.items, ...second.items].map((c) => c.metadata?.name),
    ["a", "c", "kube-root-ca.crt"],
  );
  assert.equal(second.metadata?._continue, undefined);

  const byName = await core.listNamespacedConfigMap({ namespace: "test", fieldSelector: "metadata.name=c" });
  assert.deepEqual(
    byName.items.map((c) => c.metadata?.name),
    ["c"],
  );
});

test("server-side apply tracks field managers: a different manager conflicts unless it forces", async (t) => {
  const h = await startHarness(t);
  const core = h.kc.makeApiClient(k8s.CoreV1Api);
  const objects = k8s.KubernetesObjectApi.makeApiClient(h.kc);
  await core.createNamespace({ body: { metadata: { name: "test" } } });
  const cm = (value: string) => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "settings", namespace: "test" },
    data: { mode: value },
  });
  const created = await ssa(objects, cm("strict"), "seeder");
  assert.deepEqual(
    (created.metadata as k8s.V1ObjectMeta).managedFields?.map((m) => [m.manager, m.operation]),
    [["seeder", "Apply"]],
  );

  const conflict = await ssa(objects, cm("lenient"), "someone-else").then(
    () => assert.fail("must conflict"),
    (err: k8s.ApiException<string>) => err,
  );
  assert.equal(conflict.code, 409);
  const body = JSON.parse(conflict.body);
  assert.equal(body.reason, "Conflict");
  assert.equal(body.message, 'Apply failed with 1 conflict: conflict with "seeder" using v1: .data.mode');
  assert.deepEqual(body.details.causes, [
    { reason: "FieldManagerConflict", message: 'conflict with "seeder" using v1', field: ".data.mode" },
  ]);

  const forced = (await ssa(objects, cm("lenient"), "someone-else", true)) as k8s.V1ConfigMap;
  assert.equal(forced.data?.["mode"], "lenient");
  // The same manager re-applying without a field removes it (it owned it alone).
  const seeder = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "settings", namespace: "test" },
    data: { other: "x" },
  };
  const reapplied = (await ssa(objects, seeder, "seeder")) as k8s.V1ConfigMap;
  assert.deepEqual(
    reapplied.data,
    { mode: "lenient", other: "x" },
    "mode is now owned by someone-else and stays",
  );
});

test("deployments run pods from their template, jobs complete, and DNS names resolve to services", async (t) => {
  const h = await startHarness(t);
  const core = h.kc.makeApiClient(k8s.CoreV1Api);
  const apps = h.kc.makeApiClient(k8s.AppsV1Api);
  const batch = h.kc.makeApiClient(k8s.BatchV1Api);
  await core.createNamespace({ body: { metadata: { name: "test" } } });
  const labels = { app: "web" };
  await apps.createNamespacedDeployment({
    namespace: "test",
    body: {
      metadata: { name: "web" },
      spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { containers: [{ name: "nginx", image: "nginx:1.27" }] } },
      },
    },
  });
  await core.createNamespacedService({
    namespace: "test",
    body: { metadata: { name: "web" }, spec: { selector: labels, ports: [{ port: 8080, targetPort: 80 }] } },
  });
  const ready = await eventually(async () => {
    const d = await apps.readNamespacedDeployment({ name: "web", namespace: "test" });
    return d.status?.readyReplicas === 2 ? d : undefined;
  }, "2 ready replicas");
  assert.equal(ready.status?.conditions?.find((c) => c.type === "Available")?.status, "True");
  const pods = await core.listNamespacedPod({ namespace: "test", labelSelector: "app=web" });
  assert.equal(pods.items.length, 2);
  assert.ok(
    pods.items.every((p) => p.metadata?.name?.startsWith("web-") && p.metadata.ownerReferences?.length === 1),
  );

  const probe = async (name: string, command: string[]) => {
    await batch.createNamespacedJob({
      namespace: "test",
      body: {
        metadata: { name },
        spec: {
          backoffLimit: 0,
          template: {
            spec: { restartPolicy: "Never", containers: [{ name: "probe", image: "busybox", command }] },
          },
        },
      },
    });
    const job = await eventually(async () => {
      const j = await batch.readNamespacedJob({ name, namespace: "test" });
      return j.status?.conditions?.some(
        (c) => c.status === "True" && (c.type === "Complete" || c.type === "Failed"),
      )
        ? j
        : undefined;
    }, `job ${name}`);
    const [pod] = (await core.listNamespacedPod({ namespace: "test", labelSelector: `job-name=${name}` }))
      .items;
    const log = await core.readNamespacedPodLog({ name: pod!.metadata!.name!, namespace: "test" });
    return { complete: job.status?.conditions?.some((c) => c.type === "Complete") ?? false, log };
  };
  const svc = await core.readNamespacedService({ name: "web", namespace: "test" });
  const short = await probe("short", ["sh", "-c", "wget -T 2 -O- http://web:8080"]);
  assert.ok(short.complete);
  assert.match(
    short.log,
    new RegExp(
      `^Connecting to web:8080 \\(${svc.spec!.clusterIP!.replace(/\./g, "\\.")}:8080\\)\nwriting to stdout\n<!DOCTYPE html>`,
    ),
  );
  assert.ok(
    (await probe("qualified", ["wget", "-qO-", "--timeout=1", "http://web.test.svc.cluster.local:8080/"]))
      .complete,
  );
  assert.ok((await probe("nc", ["nc", "-z", "-w", "1", "web.test", "8080"])).complete);
  const wrongPort = await probe("refused", ["curl", "-sS", "-m", "1", "http://web.test:9999"]);
  assert.equal(wrongPort.complete, false);
  assert.match(wrongPort.log, /^curl: \(7\) Failed to connect to web\.test port 9999/);
  const unknownHost = await probe("nxdomain", ["wget", "-qO-", "--timeout=1", "http://nothing-here"]);
  assert.equal(unknownHost.log, "wget: bad address 'nothing-here'\n");

  // Deleting the deployment garbage-collects its pods.
  await apps.deleteNamespacedDeployment({ name: "web", namespace: "test" });
  await eventually(
    async () =>
      (await core.listNamespacedPod({ namespace: "test", labelSelector: "app=web" })).items.length === 0
        ? true
        : undefined,
    "pods collected",
  );
});

test("a restarted emulator keeps its clusters, objects and credentials", async (t) => {
  const stateDir = await mkdtemp(join(tmpdir(), "aksv-kube-restart-"));
  const first = await startHarness(t, { stateDir }, registration("persisted"));
  const core = first.kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: "kept", labels: { team: "red" } } } });
  await first.emulator.stop();
  const second = await startHarness(t, { stateDir }, registration("persisted"));
  t.after(() => rm(stateDir, { recursive: true, force: true }));
  assert.equal(second.token, first.token, "the admin token survives");
  const ns = await second.kc.makeApiClient(k8s.CoreV1Api).readNamespace({ name: "kept" });
  assert.equal(ns.metadata?.labels?.["team"], "red");
});

test("an egress default-deny also blocks DNS: names no longer resolve and IPs time out", async (t) => {
  const h = await startHarness(t);
  const core = h.kc.makeApiClient(k8s.CoreV1Api);
  const net = h.kc.makeApiClient(k8s.NetworkingV1Api);
  await core.createNamespace({ body: { metadata: { name: "test" } } });
  await core.createNamespacedPod({
    namespace: "test",
    body: {
      metadata: { name: "web", labels: { app: "web" } },
      spec: { containers: [{ name: "nginx", image: "nginx" }] },
    },
  });
  await core.createNamespacedService({
    namespace: "test",
    body: { metadata: { name: "web" }, spec: { selector: { app: "web" }, ports: [{ port: 80 }] } },
  });
  const web = await eventually(async () => {
    const p = await core.readNamespacedPod({ name: "web", namespace: "test" });
    return p.status?.phase === "Running" ? p : undefined;
  }, "web running");
  await net.createNamespacedNetworkPolicy({
    namespace: "test",
    body: {
      metadata: { name: "deny-egress" },
      spec: { podSelector: { matchLabels: { role: "client" } }, policyTypes: ["Egress"] },
    },
  });
  const run = async (name: string, url: string) => {
    await core.createNamespacedPod({
      namespace: "test",
      body: {
        metadata: { name, labels: { role: "client" } },
        spec: {
          restartPolicy: "Never",
          containers: [{ name: "c", image: "busybox", command: ["wget", "-qO-", "--timeout=1", url] }],
        },
      },
    });
    await eventually(
      async () =>
        (await core.readNamespacedPod({ name, namespace: "test" })).status?.phase === "Failed"
          ? true
          : undefined,
      `${name} failed`,
    );
    return core.readNamespacedPodLog({ name, namespace: "test" });
  };
  assert.equal(await run("by-name", "http://web"), "wget: bad address 'web'\n");
  assert.equal(await run("by-ip", `http://${web.status!.podIP}`), "wget: download timed out\n");
});

test("a failing job retries after back-off up to backoffLimit, then fails with BackoffLimitExceeded", async (t) => {
  const h = await startHarness(t);
  const core = h.kc.makeApiClient(k8s.CoreV1Api);
  const batch = h.kc.makeApiClient(k8s.BatchV1Api);
  await core.createNamespace({ body: { metadata: { name: "test" } } });
  await batch.createNamespacedJob({
    namespace: "test",
    body: {
      metadata: { name: "flaky" },
      spec: {
        backoffLimit: 1,
        template: {
          spec: {
            restartPolicy: "Never",
            containers: [{ name: "c", image: "busybox", command: ["nc", "-z", "-w", "1", "nowhere", "80"] }],
          },
        },
      },
    },
  });
  const failed = await eventually(async () => {
    const j = await batch.readNamespacedJob({ name: "flaky", namespace: "test" });
    return j.status?.conditions?.some((c) => c.type === "Failed" && c.status === "True") ? j : undefined;
  }, "job failed");
  assert.equal(failed.status?.failed, 2);
  assert.equal(failed.status?.conditions?.find((c) => c.type === "Failed")?.reason, "BackoffLimitExceeded");
  const pods = await core.listNamespacedPod({ namespace: "test", labelSelector: "job-name=flaky" });
  assert.equal(pods.items.length, 2, "one pod per attempt");
});
