// The day-2 update on the whole local stack (real HTTP, real SDKs, real client-node and kubectl,
// the real durable-functions engine in the local host): the tutorial is created through the API,
// then changed with PUT (If-Match the generation read): first the what-if plan (no ARM write) and an
// immutable field refused, then 3 nodes, a namespace with a workload, a policy and an expectation,
// one Kubernetes minor version up, and then again without that namespace (pruned). Run in its own process by update.test.ts
// (NODE_EXTRA_CA_CERTS is read at process start). Usage: node update-scenario.js <stateDir>.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { clientsFor } from "../../harness/azure.js";
import {
  armWrites,
  callApi,
  devToken,
  kubeconfigFor,
  ROOT,
  startStack,
  waitForPhase,
  type ClusterDoc,
  type Stack,
} from "../../harness/stack.js";
import { guidFrom } from "../../emulators/azure/identity/issuer.js";
import { apiNamespace } from "../helpers/examples.js";
import { scenarioMain } from "../helpers/scenario-process.js";
import { provisionInstanceId, ROLE_DEFINITIONS } from "../../shared/azure/names.js";

const NAME = "tipsAndTricksAKSCluster";
const RG = "akstips";

const tutorial = (): Record<string, unknown> =>
  JSON.parse(readFileSync(join(ROOT, "examples/seed-tutorial.json"), "utf8")) as Record<string, unknown>;

/**
 * PUT of the whole request, If-Match the generation read before, then the status until the change
 * has ended (observedGeneration reached, or Failed): what a pipeline's `apply --wait` does.
 */
async function put(
  s: Stack,
  token: string,
  body: Record<string, unknown>,
  ifMatch: string,
): Promise<ClusterDoc> {
  const r = await callApi(s.api, token, `/clusters/${NAME}`, {
    method: "PUT",
    body: JSON.stringify(body),
    headers: { "If-Match": ifMatch },
  });
  assert.equal(r.status, 202, await r.clone().text());
  const accepted = (await r.json()) as ClusterDoc;
  const generation = accepted.generation;
  assert.equal(r.headers.get("etag"), `"${generation}"`);
  const deadline = Date.now() + 120_000;
  for (;;) {
    const doc = await waitForPhase(s.api, token, NAME, ["Succeeded", "Failed"], 120_000);
    if (doc.phase === "Failed" || doc.observedGeneration === generation) return doc;
    assert.ok(Date.now() < deadline, `generation ${generation} not reached: ${JSON.stringify(doc)}`);
  }
}

function kubectl(
  kubeconfig: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile("kubectl", ["--kubeconfig", kubeconfig, ...args], { timeout: 60_000 }, (e, stdout, stderr) =>
      resolve({ code: e ? (typeof e.code === "number" ? e.code : 1) : 0, stdout, stderr }),
    ),
  );
}

async function scenario(stateDir: string): Promise<void> {
  const s: Stack = await startStack({ stateDir });
  try {
    const token = await devToken(s, { teams: ["platform"], roles: ["Clusters.Write"], user: "pipeline" });
    const created = await callApi(s.api, token, "/clusters", {
      method: "POST",
      body: JSON.stringify(tutorial()),
    });
    assert.equal(created.status, 202);
    const doc = await waitForPhase(s.api, token, NAME, ["Succeeded", "Failed"], 120_000);
    assert.equal(doc.phase, "Succeeded", JSON.stringify(doc.error));

    assert.equal(doc.generation, 1);
    assert.equal(doc.observedGeneration, 1);
    assert.equal(doc.operation, "create");
    const [, , subscriptionId = ""] = (doc.outputs["clusterId"] ?? "").split("/");
    const base = provisionInstanceId({ subscriptionId, resourceGroup: RG, name: NAME });
    const aks = clientsFor(s.azure).aks;
    const before = await aks.managedClusters.get(RG, NAME);
    assert.equal(before.kubernetesVersion, "1.33", "created at the region's default");
    const writesBefore = armWrites(s.azure, "PUT")["Microsoft.ContainerService/managedClusters"] ?? 0;

    // Generation 2: 3 nodes, a namespace with a workload, a policy and expectations, 1.33 → 1.34.
    const gen2 = {
      ...tutorial(),
      nodePool: { count: 3 },
      kubernetesVersion: "1.34",
      namespaces: [...(tutorial()["namespaces"] as unknown[]), apiNamespace("prod", "web")],
    };

    // What-if first: the plan, computed with reads only (no ARM write, no new generation).
    const requestsBefore = s.azure.recorder.query({}).length;
    const dry = await callApi(s.api, token, `/clusters/${NAME}?dryRun=true`, {
      method: "PUT",
      body: JSON.stringify(gen2),
    });
    assert.equal(dry.status, 200);
    const { plan } = (await dry.json()) as {
      plan: {
        changes: { path: string; action: string; disruptive: boolean }[];
        kubernetes: { name: string }[];
      };
    };
    const paths = plan.changes.filter((c) => c.action !== "none").map((c) => c.path);
    assert.ok(paths.includes("kubernetesVersion"), JSON.stringify(paths));
    assert.ok(
      paths.some((p) => p.startsWith("nodePool")),
      JSON.stringify(paths),
    );
    assert.ok(
      paths.some((p) => p.startsWith("namespaces")),
      JSON.stringify(paths),
    );
    assert.ok(
      plan.changes.find((c) => c.path === "kubernetesVersion")?.disruptive,
      "an upgrade drains nodes",
    );
    const dryWrites = s.azure.recorder
      .query({})
      .slice(requestsBefore)
      .filter((r) => r.method !== "GET" && r.path.includes("/subscriptions/"));
    assert.deepEqual(
      dryWrites.map((r) => `${r.method} ${r.path}`),
      [],
      "a dry run writes nothing to ARM",
    );

    // A change of an immutable field is refused at its path, and nothing starts.
    const immutable = await callApi(s.api, token, `/clusters/${NAME}`, {
      method: "PUT",
      body: JSON.stringify({
        ...gen2,
        network: {
          ...(tutorial()["network"] as object),
          serviceCidr: "10.1.0.0/16",
          dnsServiceIp: "10.1.0.10",
        },
      }),
    });
    assert.equal(immutable.status, 409);
    const refused = (await immutable.json()) as {
      error: { code: string; details?: { path?: string; code?: string }[] };
    };
    assert.equal(refused.error.code, "FieldImmutable");
    assert.ok(
      refused.error.details?.some((d) => d.path === "network.serviceCidr"),
      JSON.stringify(refused.error),
    );

    const two = await put(s, token, gen2, '"1"');
    assert.equal(two.phase, "Succeeded", JSON.stringify(two.error));
    assert.equal(two.generation, 2);
    assert.equal(two.observedGeneration, 2);
    assert.equal(two.operation, "update");
    assert.deepEqual(
      two.steps.map((x) => [x.name, x.status]),
      [
        ["cluster:settings", "Succeeded"],
        ["upgrade:plan", "Succeeded"],
        ["upgrade:controlPlane:1.34", "Succeeded"],
        ["upgrade:pool:system", "Succeeded"],
        ["clusterAccess", "Succeeded"],
        ["seed:prod", "Succeeded"],
        ["verification", "Succeeded"],
      ],
    );
    // Verification ran again, over the old namespace's expectations and the new one's.
    assert.deepEqual(
      two.verification?.results.map((r) => [r.from, r.observed]),
      [
        ["test{app=webapp,role=frontend}", "allowed"],
        ["test{}", "denied"],
        ["prod{app=web}", "allowed"],
        ["prod{app=other}", "denied"],
      ],
    );
    const after = await aks.managedClusters.get(RG, NAME);
    const system = after.agentPoolProfiles?.find((p) => p.name === "system");
    assert.equal(system?.count, 3, "ARM shows the new node count");
    assert.equal(after.kubernetesVersion, "1.34", "ARM shows the new version");
    assert.match(after.currentKubernetesVersion ?? "", /^1\.34\.\d+$/);
    assert.match((await aks.agentPools.get(RG, NAME, "system")).orchestratorVersion ?? "", /^1\.34/);
    assert.equal(after.tags?.["aks-vending-instance"], base, "ownership tags kept: the create's instance");
    // One PUT for the settings and one for the control plane hop; the pool went through agentPools.
    const writes = armWrites(s.azure, "PUT");
    assert.equal(
      (writes["Microsoft.ContainerService/managedClusters"] ?? 0) - writesBefore,
      2,
      JSON.stringify(writes),
    );

    // kubectl as an operator the platform team made Cluster Admin in Azure (the caller is only the
    // team's writer in its namespaces: nodes and namespaces are cluster-scoped).
    const operator = guidFrom("user:operator");
    await clientsFor(s.azure).authorization.roleAssignments.create(
      after.id!,
      guidFrom(`operator:${after.id}`),
      {
        roleDefinitionId: `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${ROLE_DEFINITIONS.aksRbacClusterAdmin}`,
        principalId: operator,
        principalType: "User",
      },
    );
    const kubeconfig = join(stateDir, "kubeconfig.yaml");
    await writeFile(kubeconfig, await kubeconfigFor(s, token, NAME, operator), { mode: 0o600 });
    const ns = await kubectl(
      kubeconfig,
      "get",
      "namespace",
      "prod",
      "-o",
      "jsonpath={.metadata.labels.purpose}",
    );
    assert.equal(ns.code, 0, ns.stderr);
    assert.equal(ns.stdout, "prod");
    const nodes = await kubectl(
      kubeconfig,
      "get",
      "nodes",
      "-l",
      "kubernetes.azure.com/agentpool=system",
      "-o",
      "name",
    );
    assert.equal(nodes.code, 0, nodes.stderr);
    assert.equal(nodes.stdout.trim().split("\n").length, 3, `kubectl sees 3 nodes: ${nodes.stdout}`);
    const policies = await kubectl(kubeconfig, "get", "networkpolicy", "-n", "prod", "-o", "name");
    assert.equal(policies.code, 0, policies.stderr);
    assert.deepEqual(policies.stdout.trim().split("\n").sort(), [
      "networkpolicy.networking.k8s.io/allow-web",
      "networkpolicy.networking.k8s.io/default-deny-ingress",
    ]);

    // Generation 3: the namespace is gone from the spec → pruned; the tutorial's stays untouched.
    const gen3 = { ...tutorial(), nodePool: { count: 3 }, kubernetesVersion: "1.34" };
    const three = await put(s, token, gen3, '"2"');
    assert.equal(three.phase, "Succeeded", JSON.stringify(three.error));
    assert.equal(three.observedGeneration, 3);
    assert.deepEqual(
      three.steps.map((x) => [x.name, x.status]),
      [
        // The team's writer grant follows its namespaces: the one on prod is revoked.
        ["clusterAccess", "Succeeded"],
        ["clusterAccess:revoke", "Succeeded"],
        ["prune", "Succeeded"],
        ["verification", "Succeeded"],
      ],
    );
    const gone = await kubectl(kubeconfig, "get", "namespace", "prod", "-o", "jsonpath={.status.phase}");
    assert.ok(gone.code !== 0 || gone.stdout === "Terminating", `prod pruned: ${gone.stdout} ${gone.stderr}`);
    const kept = await kubectl(kubeconfig, "get", "networkpolicy", "-n", "test", "-o", "name");
    assert.equal(kept.stdout.trim().split("\n").length, 2, kept.stdout);
    assert.equal(
      (armWrites(s.azure, "PUT")["Microsoft.ContainerService/managedClusters"] ?? 0) - writesBefore,
      2,
      "no ARM write for a Kubernetes-only change",
    );
  } finally {
    await s.stop();
  }
}

await scenarioMain(scenario, process.argv[2], "update-scenario.js <stateDir>");
