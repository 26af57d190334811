import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { seedNamespace } from "../../../orchestrations/seedNamespace.js";
import { updateCluster } from "../../../orchestrations/updateCluster.js";
import { verifyConnectivity } from "../../../orchestrations/verifyConnectivity.js";
import type { ProbesInput } from "../../../shared/provision/activity-io.js";
import type { ProvisionCustomStatus, ProvisionOutput, UpdateInput } from "../../../shared/provision/types.js";
import type { ClusterSpec } from "../../../shared/spec/schema.js";
import { activities, answering, drive, inputOf, type Answer, type Call, type Scheduled } from "./driver.js";
import { provisionInput, spec, tutorialDocument } from "./fixtures.js";
import { replay, type ReplayOptions } from "./replay.js";

type Answers = Record<string, (s: Call, n: number) => Answer>;

const BASE = "aksv-tipsandtricksakscluster-0123456789abcdef";
const CLUSTER_ID =
  "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/akstips/providers/Microsoft.ContainerService/managedClusters/tipsAndTricksAKSCluster";

function updateInput(
  next: ClusterSpec,
  previous: ClusterSpec = spec(),
  extra: Partial<UpdateInput> = {},
): UpdateInput {
  return {
    ...provisionInput(next),
    clusterUid: "uid-1",
    generation: 2,
    observedGeneration: 1,
    previousSpec: previous,
    baseInstanceId: BASE,
    ...extra,
  };
}

/** The request of the "done when": 3 nodes, a namespace with a workload, a policy and an expectation, one minor up. */
function dayTwoSpec(): ClusterSpec {
  const doc = tutorialDocument();
  return spec({
    nodePool: { count: 3 },
    kubernetesVersion: "1.34",
    namespaces: [
      ...(doc["namespaces"] as unknown[]),
      {
        name: "prod",
        defaultDeny: ["Ingress"],
        workloads: [{ name: "api", image: "nginx", ports: [{ port: 80 }], expose: true }],
        networkPolicies: [
          {
            name: "allow-web",
            spec: {
              podSelector: {},
              ingress: [{ from: [{ podSelector: { matchLabels: { app: "web" } } }] }],
            },
          },
        ],
        expectations: [{ from: { labels: { app: "web" } }, to: { service: "api", port: 80 }, allowed: true }],
      },
    ],
  });
}

function answers(overrides: Answers = {}): (s: Scheduled) => Answer {
  const base: Answers = {
    submitClusterUpdate: (s) => ({
      status: "running",
      poller: {
        kind: "clusterUpdate",
        state: `put-${inputOf<{ kubernetesVersion?: string }>(s).kubernetesVersion ?? "settings"}`,
      },
      retryAfterSeconds: 10,
    }),
    ensureAgentPool: () => ({ status: "running", poller: { kind: "agentPoolWrite", state: "pool" } }),
    deleteAgentPool: () => ({ status: "running", poller: { kind: "agentPoolDelete", state: "pool-delete" } }),
    pollArmOperation: () => ({ status: "succeeded", value: { id: "/cluster", fqdn: "tips.hcp" } }),
    planKubernetesUpgrade: () => ({
      ok: true,
      value: { current: "1.33.3", controlPlane: ["1.34"], pools: ["system"] },
    }),
    ensureMaintenanceConfigurations: () => ({
      ok: true,
      value: { names: ["aksManagedAutoUpgradeSchedule"] },
    }),
    assignPodSecurityPolicy: () => ({ ok: true, value: { policyAssignmentId: "/cluster/pa" } }),
    grantClusterAccess: () => ({
      ok: true,
      value: { principalId: "app", roleAssignmentIds: [], created: 0 },
    }),
    revokeClusterAccess: () => ({ ok: true, value: { deleted: ["/ra"] } }),
    pruneKubernetesObjects: () => ({ ok: true, value: { deleted: ["namespace/old"] } }),
    "sub:seedNamespace": () => ({ ok: true, value: { policies: [], workloads: [] } }),
    "sub:verifyConnectivity": () => ({
      ok: true,
      value: { report: { passed: true, results: [] }, rounds: 1 },
    }),
    reportToPipelines: () => ({ sent: 0, alreadyCompleted: 0, abandoned: [] }),
  };
  return answering({ ...base, ...overrides });
}

const last = (run: { statuses: unknown[] }) => run.statuses.at(-1) as ProvisionCustomStatus;
const steps = (status: ProvisionCustomStatus) => status.steps.map((s) => [s.name, s.status]);

describe("updateCluster orchestrator", () => {
  it("scales, upgrades control plane then pool, seeds only the new namespace, verifies again: generation 2", () => {
    const run = drive(updateCluster, updateInput(dayTwoSpec()), answers(), { instanceId: `${BASE}-g2` });
    const out = run.output as ProvisionOutput;
    assert.equal(out.phase, "Succeeded");
    assert.equal(out.generation, 2);
    assert.equal(out.verification?.passed, true);
    assert.deepEqual(activities(run.log), [
      "submitClusterUpdate",
      "pollArmOperation",
      "planKubernetesUpgrade",
      "submitClusterUpdate",
      "pollArmOperation",
      "ensureAgentPool",
      "pollArmOperation",
      "sub:seedNamespace",
      "sub:verifyConnectivity",
      "reportToPipelines",
    ]);
    const [settings, plan, hop, pool] = run.log.filter(
      (s) => s.kind === "activity" && s.name !== "pollArmOperation",
    );
    // The settings PUT keeps the running version (none given); the hop carries it; the pool follows.
    assert.equal(inputOf<{ kubernetesVersion?: string }>(settings).kubernetesVersion, undefined);
    assert.equal(inputOf<{ spec: ClusterSpec }>(settings).spec.nodePool.count, 3);
    assert.deepEqual(inputOf<{ owner: unknown }>(settings).owner, { instanceId: BASE, clusterUid: "uid-1" });
    assert.deepEqual(inputOf(plan), {
      target: updateInput(dayTwoSpec()).target,
      location: "eastus",
      kubernetesVersion: "1.34",
    });
    assert.equal(inputOf<{ kubernetesVersion?: string }>(hop).kubernetesVersion, "1.34");
    assert.deepEqual(
      [
        inputOf<{ pool: { name: string } }>(pool).pool.name,
        inputOf<{ orchestratorVersion: string }>(pool).orchestratorVersion,
      ],
      ["system", "1.34"],
    );
    assert.equal(
      inputOf<{ namespace: { name: string } }>(run.log.find((s) => s.kind === "sub")).namespace.name,
      "prod",
    );
    const status = last(run);
    assert.deepEqual(steps(status), [
      ["cluster:settings", "Succeeded"],
      ["upgrade:plan", "Succeeded"],
      ["upgrade:controlPlane:1.34", "Succeeded"],
      ["upgrade:pool:system", "Succeeded"],
      ["seed:prod", "Succeeded"],
      ["verification", "Succeeded"],
    ]);
    const phases = run.statuses
      .map((s) => (s as ProvisionCustomStatus).phase)
      .filter((p, i, a) => p !== a[i - 1]);
    assert.deepEqual(phases, ["Provisioning", "Seeding", "Verifying", "Succeeded"]);
  });

  it("control plane one minor at a time: one PUT per hop, in order, before any pool", () => {
    const run = drive(
      updateCluster,
      updateInput(spec({ kubernetesVersion: "1.34" }), spec({ kubernetesVersion: "1.32" })),
      answers({
        planKubernetesUpgrade: () => ({
          ok: true,
          value: { current: "1.32.7", controlPlane: ["1.33", "1.34"], pools: ["system"] },
        }),
      }),
    );
    assert.equal((run.output as ProvisionOutput).phase, "Succeeded");
    const writes = run.log
      .filter(
        (s) => s.kind === "activity" && (s.name === "submitClusterUpdate" || s.name === "ensureAgentPool"),
      )
      .map(
        (s) =>
          `${(s as Call).name}:${inputOf<{ kubernetesVersion?: string; orchestratorVersion?: string }>(s).kubernetesVersion ?? inputOf<{ orchestratorVersion?: string }>(s).orchestratorVersion}`,
      );
    assert.deepEqual(writes, [
      "submitClusterUpdate:1.33",
      "submitClusterUpdate:1.34",
      "ensureAgentPool:1.34",
    ]);
    assert.deepEqual(
      steps(last(run)).map(([n]) => n),
      [
        "upgrade:plan",
        "upgrade:controlPlane:1.33",
        "upgrade:controlPlane:1.34",
        "upgrade:pool:system",
        "verification",
      ],
    );
  });

  it("waits for a busy cluster on durable timers and submits again, counted as an attempt, never as a failure", () => {
    const run = drive(
      updateCluster,
      updateInput(spec({ nodePool: { count: 3 } })),
      answers({
        submitClusterUpdate: (_s, n) =>
          n === 1
            ? { status: "failed", error: { code: "OperationNotAllowed", message: "the cluster is Updating" } }
            : { status: "running", poller: { kind: "clusterUpdate", state: "put" } },
      }),
    );
    assert.equal((run.output as ProvisionOutput).phase, "Succeeded");
    assert.deepEqual(activities(run.log).slice(0, 3), [
      "submitClusterUpdate",
      "submitClusterUpdate",
      "pollArmOperation",
    ]);
    assert.ok(
      run.log.some((s) => s.kind === "timer"),
      "the wait is a durable timer",
    );
    const settings = last(run).steps.find((s) => s.name === "cluster:settings")!;
    assert.deepEqual([settings.status, settings.attempts], ["Succeeded", 2]);
  });

  it("a refused upgrade fails at its step, skips the rest, deletes nothing, and reaches no generation", () => {
    const run = drive(
      updateCluster,
      updateInput(dayTwoSpec()),
      answers({
        planKubernetesUpgrade: () => ({
          ok: false,
          error: { code: "KubernetesVersionDowngradeNotAllowed", message: "only forward" },
        }),
      }),
    );
    const out = run.output as ProvisionOutput;
    assert.equal(out.phase, "Failed");
    assert.equal(out.generation, undefined);
    assert.deepEqual(out.error, {
      code: "KubernetesVersionDowngradeNotAllowed",
      message: "only forward",
      step: "upgrade:plan",
    });
    const names = activities(run.log);
    assert.ok(!names.some((n) => /delete|deprovision/i.test(n)), names.join(","));
    assert.deepEqual(steps(last(run)), [
      ["cluster:settings", "Succeeded"],
      ["upgrade:plan", "Failed"],
      ["seed:prod", "Skipped"],
      ["verification", "Skipped"],
    ]);
    assert.equal(last(run).phase, "Failed");
  });

  it("removes user pools and prunes what the spec dropped; revokes dropped grants by assignment", () => {
    const group = "22222222-2222-2222-2222-222222222222";
    const grant = {
      principalId: group,
      principalType: "Group" as const,
      role: "reader" as const,
      subject: "group g",
    };
    const before = spec({ aadProfile: {}, nodePools: [{ name: "user1", count: 1 }] });
    const after = spec({ aadProfile: {}, namespaces: [] });
    const run = drive(
      updateCluster,
      updateInput(after, before, { previousAccess: [grant], access: [] }),
      answers(),
    );
    assert.equal((run.output as ProvisionOutput).phase, "Succeeded");
    assert.deepEqual(activities(run.log), [
      "deleteAgentPool",
      "pollArmOperation",
      "grantClusterAccess",
      "revokeClusterAccess",
      "pruneKubernetesObjects",
      "reportToPipelines",
    ]);
    assert.equal(inputOf<{ pool: string }>(run.log[0]).pool, "user1");
    const revoke = run.log.find((s) => s.kind === "activity" && s.name === "revokeClusterAccess");
    assert.equal(
      inputOf<{ assignments: { principalId: string }[] }>(revoke).assignments[0]?.principalId,
      group,
    );
    const prune = run.log.find((s) => s.kind === "activity" && s.name === "pruneKubernetesObjects");
    assert.deepEqual(
      inputOf<{ keep: unknown[] }>(prune).keep,
      [],
      "no namespace kept: every seeded one goes",
    );
  });

  it("a spec that changes nothing writes nothing and reaches its generation", () => {
    const run = drive(updateCluster, updateInput(spec()), answers());
    assert.deepEqual(run.output, {
      phase: "Succeeded",
      generation: 2,
      outputs: { clusterId: CLUSTER_ID },
    });
    assert.deepEqual(activities(run.log), ["reportToPipelines"]);
    assert.deepEqual(steps(last(run)), [["verification", "Skipped"]]);
  });

  it("reconcile (drift repair) applies every part of the spec again", () => {
    const s = spec();
    const run = drive(updateCluster, updateInput(s, s, { reconcile: true }), answers());
    assert.equal((run.output as ProvisionOutput).phase, "Succeeded");
    assert.deepEqual(activities(run.log), [
      "submitClusterUpdate",
      "pollArmOperation",
      "ensureMaintenanceConfigurations",
      "assignPodSecurityPolicy",
      "grantClusterAccess",
      "sub:seedNamespace",
      "pruneKubernetesObjects",
      "sub:verifyConnectivity",
      "reportToPipelines",
    ]);
  });
});

describe("updateCluster under the real durable-functions replay engine", () => {
  it("replays to the same end: hops, seeding and verification as sub-orchestrations, generation 2", async () => {
    let polls = 0;
    const table: Record<string, (input: never) => unknown> = {
      submitClusterUpdate: () => ({
        status: "running",
        poller: { kind: "clusterUpdate", state: "c" },
        retryAfterSeconds: 5,
      }),
      pollArmOperation: () =>
        ++polls % 2 === 1
          ? { status: "running", poller: { kind: "clusterUpdate", state: "c" }, retryAfterSeconds: 5 }
          : { status: "succeeded", value: { id: "/cluster" } },
      planKubernetesUpgrade: () => ({
        ok: true,
        value: { current: "1.33.3", controlPlane: ["1.34"], pools: ["system"] },
      }),
      ensureAgentPool: () => ({
        status: "succeeded",
        value: { poolId: "/cluster/agentPools/system", outcome: "written" },
      }),
      seedNamespaceObject: () => ({ ok: true, value: "prod" }),
      seedNetworkPolicies: () => ({ ok: true, value: ["default-deny-ingress", "allow-web"] }),
      seedWorkloads: () => ({ ok: true, value: ["deployment/api", "service/api"] }),
      checkWorkloadsReady: () => ({ ok: true, value: { ready: true, pending: [] } }),
      runConnectivityProbes: (i: ProbesInput) => ({
        ok: true,
        value: i.probes.map((p) => ({ podName: p.podName, observed: p.expected })),
      }),
      removeConnectivityProbes: (i: ProbesInput) => ({ ok: true, value: i.probes.length }),
      reportToPipelines: () => ({ sent: 0, alreadyCompleted: 0, abandoned: [] }),
    };
    const r = await replay("updateCluster", updateInput(dayTwoSpec()), {
      orchestrators: { updateCluster, seedNamespace, verifyConnectivity } as ReplayOptions["orchestrators"],
      activity: (name, input) => {
        const f = table[name];
        if (!f) throw new Error(`no activity ${name}`);
        return f(input as never);
      },
    });
    assert.equal(r.status, "Completed", String(r.output));
    const out = r.output as ProvisionOutput;
    assert.deepEqual([out.phase, out.generation, out.verification?.passed], ["Succeeded", 2, true]);
    const status = r.customStatuses.at(-1) as ProvisionCustomStatus;
    assert.ok(
      status.steps.every((s) => s.status === "Succeeded"),
      JSON.stringify(steps(status)),
    );
    assert.deepEqual(
      r.calls
        .filter((c) => c.name === "submitClusterUpdate")
        .map((c) => (c.input as { kubernetesVersion?: string }).kubernetesVersion),
      [undefined, "1.34"],
    );
  });
});
