import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { deprovisionCluster } from "../../../orchestrations/deprovisionCluster.js";
import { provisionCluster } from "../../../orchestrations/provisionCluster.js";
import { seedNamespace } from "../../../orchestrations/seedNamespace.js";
import { verifyConnectivity } from "../../../orchestrations/verifyConnectivity.js";
import { EventType } from "../../../emulators/functions-host/durable/history.js";
import { TransientError } from "../../../shared/azure/errors.js";
import type { ProbesInput } from "../../../shared/provision/activity-io.js";
import type { ProvisionCustomStatus, ProvisionOutput } from "../../../shared/provision/types.js";
import { provisionInput, spec } from "./fixtures.js";
import { replay, type ReplayOptions } from "./replay.js";

const orchestrators = {
  provisionCluster,
  deprovisionCluster,
  seedNamespace,
  verifyConnectivity,
} as ReplayOptions["orchestrators"];

/** Activities that behave like a healthy cloud, with per-test overrides. */
function activities(overrides: Record<string, (input: never, attempt: number) => unknown> = {}) {
  let clusterPolls = 0;
  let readyChecks = 0;
  const base: Record<string, (input: never, attempt: number) => unknown> = {
    ensureResourceGroup: () => ({ ok: true, value: { resourceGroupId: "/rg", created: true } }),
    ensureVirtualNetwork: () => ({ status: "running", poller: { kind: "virtualNetworkCreate", state: "v" } }),
    ensureIdentity: () => ({ ok: true, value: { identityId: "/id", principalId: "p", clientId: "c" } }),
    assignSubnetRole: () => ({ ok: true, value: { roleAssignmentId: "/ra", created: true } }),
    submitClusterCreate: () => ({
      status: "running",
      poller: { kind: "clusterCreate", state: "c" },
      retryAfterSeconds: 5,
    }),
    pollArmOperation: (i: { kind: string }) =>
      i.kind === "clusterCreate" && ++clusterPolls < 3
        ? { status: "running", poller: { kind: i.kind, state: "c" }, retryAfterSeconds: 5 }
        : { status: "succeeded", value: { id: "/cluster", fqdn: "x.hcp" } },
    grantClusterAccess: () => ({
      ok: true,
      value: { principalId: "app", roleAssignmentIds: ["/ra-app"], created: 1 },
    }),
    ensureMaintenanceConfigurations: () => ({
      ok: true,
      value: { names: ["aksManagedAutoUpgradeSchedule"] },
    }),
    assignPodSecurityPolicy: () => ({ ok: true, value: { policyAssignmentId: "/cluster/pa" } }),
    seedNamespaceObject: () => ({ ok: true, value: "test" }),
    seedNetworkPolicies: () => ({ ok: true, value: ["default-deny-ingress", "backend-policy"] }),
    seedWorkloads: () => ({ ok: true, value: ["deployment/backend", "service/backend"] }),
    checkWorkloadsReady: () => ({
      ok: true,
      value: ++readyChecks < 2 ? { ready: false, pending: ["backend"] } : { ready: true, pending: [] },
    }),
    runConnectivityProbes: (i: ProbesInput) => ({
      ok: true,
      value: i.probes.map((p) => ({ podName: p.podName, observed: p.expected })),
    }),
    removeConnectivityProbes: (i: ProbesInput) => ({ ok: true, value: i.probes.length }),
    deleteOwnedResource: (i: { kind: string }) => ({
      status: "succeeded",
      value: { outcome: "deleted", resourceId: `/${i.kind}` },
    }),
  };
  const table = { ...base, ...overrides };
  return (name: string, input: unknown, attempt: number) => {
    const f = table[name];
    if (!f) throw new Error(`no activity ${name}`);
    return f(input as never, attempt);
  };
}

describe("orchestrators under the real durable-functions replay engine", () => {
  it("provisions the tutorial end to end: every step, sub-orchestrations, timers and custom status", async () => {
    const r = await replay("provisionCluster", provisionInput(), { orchestrators, activity: activities() });
    assert.equal(r.status, "Completed", String(r.output));
    const out = r.output as ProvisionOutput;
    assert.equal(out.phase, "Succeeded");
    assert.equal(out.outputs.clusterId, "/cluster");
    assert.equal(out.verification?.passed, true);
    const last = r.customStatuses.at(-1) as ProvisionCustomStatus;
    assert.equal(last.phase, "Succeeded");
    assert.ok(
      last.steps.every((s) => s.status === "Succeeded"),
      JSON.stringify(last.steps),
    );
    const order = r.calls.map((c) => c.name);
    assert.ok(
      order.indexOf("seedNetworkPolicies") < order.indexOf("seedWorkloads"),
      "policies before workloads",
    );
    assert.equal(order.filter((n) => n === "submitClusterCreate").length, 1);
    // No fault, no retry: one attempt per step however often the create was polled.
    assert.deepEqual(
      last.steps.map((s) => [s.name, s.attempts]),
      last.steps.map((s) => [s.name, 1]),
    );
    assert.equal(last.steps.find((s) => s.name === "cluster")?.polls, 3);
  });

  it("retries a transient failure through callActivityWithRetry and carries on", async () => {
    const r = await replay("provisionCluster", provisionInput(), {
      orchestrators,
      activity: activities({
        assignSubnetRole: (_i, attempt) => {
          if (attempt < 3)
            throw new TransientError({ code: "PrincipalNotFound", message: "not replicated yet" });
          return { ok: true, value: { roleAssignmentId: "/ra", created: true } };
        },
      }),
    });
    assert.equal((r.output as ProvisionOutput).phase, "Succeeded");
    assert.deepEqual(
      r.calls.filter((c) => c.name === "assignSubnetRole").map((c) => c.attempt),
      [1, 2, 3],
    );
    // The engine's own count of the policy's retries is the step's: three runs, three attempts.
    const steps = (r.customStatuses.at(-1) as ProvisionCustomStatus).steps;
    assert.equal(steps.find((s) => s.name === "roleAssignment")?.attempts, 3);
    assert.equal(steps.find((s) => s.name === "identity")?.attempts, 1);
  });

  it("counts each step's own retries: one of the parallel pair, and a poll of the cluster run again", async () => {
    let polls = 0;
    const r = await replay("provisionCluster", provisionInput(), {
      orchestrators,
      activity: activities({
        ensureIdentity: (_i, attempt) => {
          if (attempt < 3) throw new TransientError({ code: "ServiceUnavailable", message: "try later" });
          return { ok: true, value: { identityId: "/id", principalId: "p", clientId: "c" } };
        },
        pollArmOperation: (i: { kind: string }, attempt) => {
          if (i.kind !== "clusterCreate") return { status: "succeeded", value: { id: "/vnet" } };
          if (++polls === 2 && attempt === 1)
            throw new TransientError({ code: "ServiceUnavailable", message: "try later" });
          return polls < 4
            ? { status: "running", poller: { kind: i.kind, state: "c" }, retryAfterSeconds: 5 }
            : { status: "succeeded", value: { id: "/cluster", fqdn: "x.hcp" } };
        },
      }),
    });
    assert.equal((r.output as ProvisionOutput).phase, "Succeeded");
    const steps = (r.customStatuses.at(-1) as ProvisionCustomStatus).steps;
    const of = (name: string) => steps.find((s) => s.name === name);
    assert.deepEqual(
      steps.map((s) => [s.name, s.attempts]),
      steps.map((s) => [s.name, s.name === "identity" ? 3 : s.name === "cluster" ? 2 : 1]),
    );
    // The poll run again is one poll of the step that had a retry, not a second poll.
    assert.equal(of("cluster")?.polls, 3);
  });

  it("surfaces ARM's code when retries run out, after exactly maxNumberOfAttempts attempts", async () => {
    const input = provisionInput(spec({ onFailure: "keep" }));
    const r = await replay("provisionCluster", input, {
      orchestrators,
      activity: activities({
        assignSubnetRole: () => {
          throw new TransientError({ code: "PrincipalNotFound", message: "Principal p does not exist" });
        },
      }),
    });
    const out = r.output as ProvisionOutput;
    assert.equal(out.phase, "Failed");
    assert.deepEqual(out.error, {
      code: "PrincipalNotFound",
      message: "Principal p does not exist",
      step: "roleAssignment",
    });
    assert.equal(
      r.calls.filter((c) => c.name === "assignSubnetRole").length,
      input.timing.principalRetry.maxAttempts,
    );
    // Every run of the failed step counts, and no more (the engine's count ends one past the last).
    const steps = (r.customStatuses.at(-1) as ProvisionCustomStatus).steps;
    assert.equal(
      steps.find((s) => s.name === "roleAssignment")?.attempts,
      input.timing.principalRetry.maxAttempts,
    );
  });

  it("names the faulted task of the parallel pair", async () => {
    const r = await replay("provisionCluster", provisionInput(spec({ onFailure: "keep" })), {
      orchestrators,
      activity: activities({
        ensureIdentity: () => {
          throw new TransientError({ code: "ServiceUnavailable", message: "try later" });
        },
      }),
    });
    assert.equal((r.output as ProvisionOutput).error?.step, "identity");
    assert.equal((r.output as ProvisionOutput).error?.code, "ServiceUnavailable");
  });

  it("starts the rollback only once the identity running beside a VNet that ran out of retries has ended, and deletes it", async () => {
    const input = provisionInput(spec({ onFailure: "rollback" }));
    let identityExists = false;
    const r = await replay("provisionCluster", input, {
      orchestrators,
      activity: activities({
        ensureVirtualNetwork: () => {
          throw new TransientError({ code: "ServiceUnavailable", message: "try later" });
        },
        ensureIdentity: () => {
          identityExists = true;
          return { ok: true, value: { identityId: "/id", principalId: "p", clientId: "c" } };
        },
        deleteOwnedResource: (i: { kind: string }) => {
          const present = i.kind !== "identity" || identityExists;
          if (i.kind === "identity") identityExists = false;
          return {
            status: "succeeded",
            value: { outcome: present ? "deleted" : "absent", resourceId: `/${i.kind}` },
          };
        },
      }),
    });
    const out = r.output as ProvisionOutput;
    assert.equal(out.phase, "Failed");
    assert.equal(out.error?.step, "virtualNetwork");
    assert.equal(out.error?.code, "ServiceUnavailable");
    // In history, the rollback's sub-orchestration is created after the identity's task completed.
    const identityTask = r.history.find(
      (e) => e["EventType"] === EventType.TaskScheduled && e["Name"] === "ensureIdentity",
    );
    const completed = r.history.findIndex(
      (e) => e["EventType"] === EventType.TaskCompleted && e["TaskScheduledId"] === identityTask?.["EventId"],
    );
    const rollback = r.history.findIndex((e) => e["EventType"] === EventType.SubOrchestrationInstanceCreated);
    assert.ok(
      completed > 0 && rollback > completed,
      `identity completed at ${completed}, rollback at ${rollback}`,
    );
    assert.equal(identityExists, false, "the rollback deleted the identity");
    const last = r.customStatuses.at(-1) as ProvisionCustomStatus;
    assert.deepEqual(
      last.steps.filter((x) => x.status === "Running" || x.status === "Pending").map((x) => x.name),
      [],
      "every step ended",
    );
    assert.equal(last.steps.find((x) => x.name === "identity")?.status, "Succeeded");
    assert.equal(last.outputs.identityId, "/id");
    assert.ok(
      last.warnings.some((w) => w.startsWith("rolled back: deleted") && w.includes("/identity")),
      JSON.stringify(last.warnings),
    );
  });

  it("rolls back through the deprovisioning sub-orchestration after a failed cluster", async () => {
    const r = await replay("provisionCluster", provisionInput(spec({ onFailure: "rollback" })), {
      orchestrators,
      activity: activities({
        pollArmOperation: (i: { kind: string }) =>
          i.kind === "clusterCreate"
            ? { status: "failed", error: { code: "QuotaExceeded", message: "cores" } }
            : { status: "succeeded", value: {} },
      }),
    });
    const out = r.output as ProvisionOutput;
    assert.equal(out.phase, "Failed");
    assert.equal(out.error?.code, "QuotaExceeded");
    assert.deepEqual(
      r.calls.filter((c) => c.name === "deleteOwnedResource").map((c) => (c.input as { kind: string }).kind),
      ["cluster", "roleAssignment", "identity", "virtualNetwork", "resourceGroup"],
    );
    const last = r.customStatuses.at(-1) as ProvisionCustomStatus;
    assert.equal(last.steps.find((s) => s.name === "rollback")?.status, "Succeeded");
  });
});
