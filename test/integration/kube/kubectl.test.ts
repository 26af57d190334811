// The machine's kubectl (Google Cloud SDK's dispatcher picks kubectl 1.33 from GET /version) against
// an emulated cluster: the tutorial's commands, with outputs asserted.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { backendPolicy, kubectl, podPhase, kubectlWorks, KUBECTL_MISSING } from "./cli.js";
import { startHarness } from "./harness.js";

const DENY = backendPolicy({ app: "webapp", role: "backend" });
const ALLOW = backendPolicy({ app: "webapp", role: "backend" }, { app: "webapp", role: "frontend" }, true);

test(
  "kubectl: create and label a namespace, apply the tutorial's two policies, get -o yaml, delete the namespace",
  { skip: kubectlWorks ? false : KUBECTL_MISSING },
  async (t) => {
    const h = await startHarness(t);
    const dir = await mkdtemp(join(tmpdir(), "aksv-kubectl-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, "deny.yaml"), DENY);
    await writeFile(join(dir, "allow.yaml"), ALLOW);
    const k = kubectl(h, join(dir, "cache"));

    assert.deepEqual(await k("create", "namespace", "test"), {
      code: 0,
      stdout: "namespace/test created\n",
      stderr: "",
    });
    const again = await k("create", "namespace", "test");
    assert.equal(again.code, 1);
    assert.equal(again.stderr, 'Error from server (AlreadyExists): namespaces "test" already exists\n');
    assert.equal((await k("label", "namespace/test", "purpose=test")).stdout, "namespace/test labeled\n");

    assert.equal(
      (await k("apply", "-f", join(dir, "deny.yaml"))).stdout,
      "networkpolicy.networking.k8s.io/backend-policy created\n",
    );
    assert.equal(
      (await k("apply", "-f", join(dir, "allow.yaml"))).stdout,
      "networkpolicy.networking.k8s.io/backend-policy configured\n",
    );
    assert.equal(
      (await k("apply", "-f", join(dir, "allow.yaml"))).stdout,
      "networkpolicy.networking.k8s.io/backend-policy unchanged\n",
    );

    const created = await k(
      "run",
      "backend",
      "--image=nginx",
      "--labels=app=webapp,role=backend",
      "--namespace=test",
      "--expose",
      "--port=80",
    );
    assert.equal(created.stdout, "service/backend created\npod/backend created\n");
    await podPhase(k, "backend", "test", "Running");

    const described = await k("describe", "pod", "backend", "-n", "test");
    assert.match(
      described.stdout,
      /Normal +Scheduled +\S+ +default-scheduler +Successfully assigned test\/backend to aks-nodepool1-/,
    );
    assert.match(described.stdout, /Normal +Started +\S+ +kubelet +Started container backend/);

    const table = await k("get", "pods,svc,netpol", "-n", "test");
    assert.match(table.stdout, /^NAME +READY +STATUS +RESTARTS +AGE\npod\/backend +1\/1 +Running +0 +/m);
    assert.match(table.stdout, /^service\/backend +ClusterIP +10\.0\.\d+\.\d+ +<none> +80\/TCP +/m);
    assert.match(
      table.stdout,
      /^networkpolicy\.networking\.k8s\.io\/backend-policy +app=webapp,role=backend +/m,
    );

    const yaml = await k("get", "pods,svc,netpol", "-n", "test", "-o", "yaml");
    assert.equal(yaml.code, 0, yaml.stderr);
    const list = parse(yaml.stdout) as {
      kind: string;
      items: {
        kind: string;
        metadata: { name: string; labels?: Record<string, string> };
        spec: Record<string, unknown>;
        status?: Record<string, unknown>;
      }[];
    };
    assert.equal(list.kind, "List");
    assert.deepEqual(
      list.items.map((i) => `${i.kind}/${i.metadata.name}`),
      ["Pod/backend", "Service/backend", "NetworkPolicy/backend-policy"],
    );
    const [pod, svc, policy] = list.items;
    assert.deepEqual(pod!.metadata.labels, { app: "webapp", role: "backend" });
    assert.match(String(pod!.status?.["podIP"]), /^10\.244\./);
    assert.deepEqual(svc!.spec["selector"], { app: "webapp", role: "backend" });
    assert.deepEqual(policy!.spec, {
      ingress: [
        {
          from: [
            { namespaceSelector: {}, podSelector: { matchLabels: { app: "webapp", role: "frontend" } } },
          ],
        },
      ],
      podSelector: { matchLabels: { app: "webapp", role: "backend" } },
      policyTypes: ["Ingress"],
    });

    const ns = parse((await k("get", "namespace", "test", "-o", "yaml")).stdout) as {
      metadata: { labels: Record<string, string> };
      status: { phase: string };
    };
    assert.deepEqual(ns.metadata.labels, { "kubernetes.io/metadata.name": "test", purpose: "test" });
    assert.equal(ns.status.phase, "Active");

    const deleted = await k("delete", "namespace", "test");
    assert.equal(deleted.stdout, 'namespace "test" deleted\n');
    const gone = await k("get", "namespace", "test");
    assert.equal(gone.stderr, 'Error from server (NotFound): namespaces "test" not found\n');
    const pods = await k("get", "pods", "-n", "test");
    assert.equal(pods.stderr, "No resources found in test namespace.\n");
  },
);

test(
  "kubectl: server-side apply, unknown kinds and invalid manifests are answered like a real API server",
  { skip: kubectlWorks ? false : KUBECTL_MISSING },
  async (t) => {
    const h = await startHarness(t);
    const dir = await mkdtemp(join(tmpdir(), "aksv-kubectl-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const k = kubectl(h, join(dir, "cache"));
    await k("create", "namespace", "test");
    await writeFile(join(dir, "allow.yaml"), ALLOW);
    assert.equal(
      (await k("apply", "--server-side", "-f", join(dir, "allow.yaml"))).stdout,
      "networkpolicy.networking.k8s.io/backend-policy serverside-applied\n",
    );

    await writeFile(join(dir, "unknown.yaml"), "apiVersion: v1\nkind: Gadget\nmetadata:\n  name: g\n");
    const unknown = await k("apply", "-f", join(dir, "unknown.yaml"));
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no matches for kind "Gadget" in version "v1"/);

    await writeFile(join(dir, "bad.yaml"), DENY.replace("name: backend-policy", "name: Backend_Policy"));
    const invalid = await k("apply", "-f", join(dir, "bad.yaml"));
    assert.equal(invalid.code, 1);
    assert.match(
      invalid.stderr,
      /The NetworkPolicy "Backend_Policy" is invalid: metadata.name: Invalid value: "Backend_Policy": a lowercase RFC 1123 subdomain must consist of/,
    );

    // kubectl 1.31+ sends its create generators as protobuf.
    assert.equal(
      (await k("create", "deployment", "web", "--image=nginx", "-n", "test", "--replicas=2", "--port=80"))
        .stdout,
      "deployment.apps/web created\n",
    );
    assert.equal(
      (await k("rollout", "status", "deployment/web", "-n", "test", "--timeout=20s")).stdout,
      'deployment "web" successfully rolled out\n',
    );
    assert.equal(
      (await k("expose", "deployment", "web", "-n", "test", "--port=80")).stdout,
      "service/web exposed\n",
    );
    assert.equal(
      (
        await k(
          "create",
          "job",
          "probe",
          "-n",
          "test",
          "--image=busybox",
          "--",
          "wget",
          "-qO-",
          "--timeout=2",
          "http://web",
        )
      ).code,
      0,
    );
    assert.equal(
      (await k("wait", "--for=condition=complete", "job/probe", "-n", "test", "--timeout=20s")).stdout,
      "job.batch/probe condition met\n",
    );
    assert.match((await k("logs", "job/probe", "-n", "test")).stdout, /<title>Welcome to nginx!<\/title>/);

    const badSelector = await k("get", "pods", "-n", "test", "-l", "app in webapp");
    assert.equal(badSelector.code, 1);
    assert.match(badSelector.stderr, /unable to parse requirement/);
  },
);
