import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { provisionCluster } from "../../../orchestrations/provisionCluster.js";
import { nextPollSeconds } from "../../../orchestrations/monitor.js";
import type { ProvisionCustomStatus, ProvisionOutput } from "../../../shared/provision/types.js";
import { activities, answering, drive, inputOf, type Answer, type Call, type Scheduled } from "./driver.js";
import { provisionInput, spec, timing } from "./fixtures.js";

type Answers = Record<string, (s: Call, n: number) => Answer>;

const CLUSTER_ID =
  "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/akstips/providers/Microsoft.ContainerService/managedClusters/tipsAndTricksAKSCluster";

function answers(overrides: Answers = {}): (s: Scheduled) => Answer {
  let clusterPolls = 0;
  const base: Answers = {
    ensureResourceGroup: () => ({ ok: true, value: { resourceGroupId: "/rg", created: true } }),
    ensureVirtualNetwork: () => ({
      status: "running",
      poller: { kind: "virtualNetworkCreate", state: "vnet-state" },
    }),
    ensureIdentity: () => ({
      ok: true,
      value: { identityId: "/id", principalId: "principal-1", clientId: "client-1" },
    }),
    assignSubnetRole: () => ({ ok: true, value: { roleAssignmentId: "/ra", created: true } }),
    submitClusterCreate: () => ({
      status: "running",
      poller: { kind: "clusterCreate", state: "aks-state" },
      retryAfterSeconds: 30,
    }),
    pollArmOperation: (s) => {
      const kind = inputOf<{ kind: string }>(s).kind;
      if (kind === "virtualNetworkCreate") return { status: "succeeded", value: { id: "/vnet" } };
      const n = ++clusterPolls;
      return n < 3
        ? { status: "running", poller: { kind, state: `aks-state-${n}` }, retryAfterSeconds: 20 }
        : { status: "succeeded", value: { id: CLUSTER_ID, fqdn: "tips.hcp.eastus.azmk8s.io" } };
    },
    // Every cluster has Entra ID: the app's own Cluster Admin (and the request's grants) first.
    grantClusterAccess: () => ({
      ok: true,
      value: { principalId: "app", roleAssignmentIds: ["/ra-app"], created: 1 },
    }),
    ensureMaintenanceConfigurations: () => ({
      ok: true,
      value: { names: ["aksManagedAutoUpgradeSchedule", "aksManagedNodeOSUpgradeSchedule"] },
    }),
    assignPodSecurityPolicy: () => ({ ok: true, value: { policyAssignmentId: `${CLUSTER_ID}/pa` } }),
    "sub:seedNamespace": () => ({ ok: true, value: { policies: ["default-deny-ingress"], workloads: [] } }),
    "sub:verifyConnectivity": () => ({
      ok: true,
      value: {
        report: {
          passed: true,
          results: [{ from: "test{}", to: "backend.test:80", expected: "denied", observed: "denied" }],
        },
        rounds: 1,
      },
    }),
    "sub:deprovisionCluster": () => ({ deleted: ["/cluster", "/vnet"], kept: [] }),
    reportToPipelines: () => ({ sent: 0, alreadyCompleted: 0, abandoned: [] }),
  };
  return answering({ ...base, ...overrides });
}

function lastStatus(run: { statuses: unknown[] }): ProvisionCustomStatus {
  return run.statuses.at(-1) as ProvisionCustomStatus;
}

describe("provisionCluster orchestrator", () => {
  it("runs the flow in order and succeeds with outputs and verification", () => {
    const run = drive(provisionCluster, provisionInput(), answers());
    const out = run.output as ProvisionOutput;
    assert.equal(out.phase, "Succeeded");
    assert.equal(out.outputs.clusterId, CLUSTER_ID);
    assert.equal(out.outputs.fqdn, "tips.hcp.eastus.azmk8s.io");
    assert.equal(out.outputs.identityPrincipalId, "principal-1");
    assert.equal(out.outputs.policyAssignmentId, `${CLUSTER_ID}/pa`);
    assert.deepEqual(activities(run.log), [
      "ensureResourceGroup",
      "ensureVirtualNetwork",
      "ensureIdentity",
      "pollArmOperation",
      "assignSubnetRole",
      "submitClusterCreate",
      // In the create's wait, at once: they need only the cluster's ARM resource.
      "grantClusterAccess",
      "assignPodSecurityPolicy",
      "pollArmOperation",
      "pollArmOperation",
      "pollArmOperation",
      // A cluster's child resource: once the create has ended.
      "ensureMaintenanceConfigurations",
      "sub:seedNamespace",
      "sub:verifyConnectivity",
      "reportToPipelines",
    ]);
    // The pipelines waiting on it hear the outcome last, by instance id only (their tokens stay in
    // Table storage, out of durable history).
    assert.deepEqual(inputOf(run.log.at(-1)!), { instanceId: "aksv-test-0000", result: "succeeded" });
    // Every activity call carries the request's acceptance time: its ARM calls' turn behind a
    // throttled bucket (shared/azure/throttle-gate.ts), oldest request first. Those in the create's
    // wait have slack (one attempt each; they never wait behind a throttled bucket), no others.
    const requestedAt = Date.parse(provisionInput().requestedAt);
    const inWait = ["grantClusterAccess", "assignPodSecurityPolicy"];
    for (const call of run.log.filter((c) => c.kind === "activity")) {
      assert.equal(call.armPriority, requestedAt, `${call.name}'s armPriority`);
      assert.equal(call.armSlack, inWait.includes(call.name) ? true : undefined, `${call.name}'s armSlack`);
      if (inWait.includes(call.name)) assert.equal(call.retry.maxNumberOfAttempts, 1);
    }
    const status = lastStatus(run);
    assert.equal(status.phase, "Succeeded");
    assert.deepEqual(
      status.steps.map((s) => [s.name, s.status]),
      [
        ["resourceGroup", "Succeeded"],
        ["virtualNetwork", "Succeeded"],
        ["identity", "Succeeded"],
        ["roleAssignment", "Succeeded"],
        ["cluster", "Succeeded"],
        ["clusterAccess", "Succeeded"],
        ["maintenanceConfiguration", "Succeeded"],
        ["policyAssignment", "Succeeded"],
        ["seed:test", "Succeeded"],
        ["verification", "Succeeded"],
      ],
    );
    // Three polls of one submission: polls, not attempts. No step was retried.
    const cluster = status.steps.find((s) => s.name === "cluster")!;
    assert.deepEqual([cluster.attempts, cluster.polls], [1, 3]);
    assert.deepEqual(
      status.steps.filter((s) => s.attempts !== 1).map((s) => s.name),
      [],
      "every step took one attempt",
    );
    assert.equal(status.steps.find((s) => s.name === "virtualNetwork")!.polls, 1);
  });

  it("waits on durable timers that honour Retry-After, and submits the cluster exactly once", () => {
    const run = drive(provisionCluster, provisionInput(), answers());
    const timers = run.log.filter((s) => s.kind === "timer");
    const delays = timers.map((t) => (t.kind === "timer" ? (t.fireAt.getTime() - t.at.getTime()) / 1000 : 0));
    // vnet and cluster: their expected durations first (the cluster's longer than the 30 s ARM
    // asked for: an earlier poll would only learn "running"), then 20 s as ARM asked.
    assert.deepEqual(delays, [
      timing.virtualNetworkFirstPollSeconds,
      timing.clusterCreateFirstPollSeconds,
      20,
      20,
    ]);
    assert.equal(activities(run.log).filter((a) => a === "submitClusterCreate").length, 1);
    const polls = run.log.filter((s) => s.kind === "activity" && s.name === "pollArmOperation");
    assert.deepEqual(
      polls.map((p) => inputOf<{ state: string }>(p).state),
      ["vnet-state", "aks-state", "aks-state-1", "aks-state-2"],
    );
  });

  it("without Retry-After, waits the expected create time before the first cluster poll, then a share of it", () => {
    const run = drive(
      provisionCluster,
      provisionInput(),
      answers({
        submitClusterCreate: () => ({ status: "running", poller: { kind: "clusterCreate", state: "c" } }),
      }),
    );
    const delays = run.log
      .filter((s) => s.kind === "timer")
      .map((t) => (t.kind === "timer" ? (t.fireAt.getTime() - t.at.getTime()) / 1000 : 0));
    // vnet and cluster: the expected create times first, then ARM's Retry-After (20 s) twice.
    assert.deepEqual(delays, [
      timing.virtualNetworkFirstPollSeconds,
      timing.clusterCreateFirstPollSeconds,
      20,
      20,
    ]);
    // An instance started before the VNet had an expected duration polls it at the interval.
    const { virtualNetworkFirstPollSeconds: _dropped, ...older } = provisionInput().timing;
    const before = drive(provisionCluster, { ...provisionInput(), timing: older }, answers());
    const first = before.log.find((x) => x.kind === "timer");
    assert.equal(
      first?.kind === "timer" ? (first.fireAt.getTime() - first.at.getTime()) / 1000 : undefined,
      timing.pollIntervalSeconds,
    );
    assert.equal(nextPollSeconds(undefined, 1, 360, timing), 15, "late: the poll interval at most");
    assert.equal(nextPollSeconds(undefined, 1, 100, timing), 5, "late: 5 % of the expected duration");
    assert.equal(nextPollSeconds(30, 1, 100, timing), 30, "never sooner than Retry-After");
    assert.equal(
      nextPollSeconds(3, 0, undefined, timing),
      timing.pollIntervalSeconds / 4,
      "no expectation: as before",
    );
  });

  it("counts the create's expected duration from its accepted submit, whatever the steps in its wait took", () => {
    const delaysWhen = (grantSeconds: number) => {
      const run = drive(
        provisionCluster,
        provisionInput(),
        answers({
          submitClusterCreate: () => ({ status: "running", poller: { kind: "clusterCreate", state: "c" } }),
        }),
        // The submit's own 5 s are not the create's: it starts when ARM accepted it.
        {
          takes: (c) =>
            c.name === "grantClusterAccess" ? grantSeconds : c.name === "submitClusterCreate" ? 5 : 0,
        },
      );
      assert.equal((run.output as ProvisionOutput).phase, "Succeeded");
      const submit = run.log.findIndex((c) => c.kind === "activity" && c.name === "submitClusterCreate");
      const polls = run.log
        .slice(submit)
        .filter((c) => c.kind === "activity" && c.name === "pollArmOperation");
      const timers = run.log.slice(submit).filter((c) => c.kind === "timer");
      return {
        polls: polls.length,
        delays: timers.map((t) => (t.kind === "timer" ? (t.fireAt.getTime() - t.at.getTime()) / 1000 : 0)),
      };
    };
    // The grants took 100 s of the create's 360: its first poll waits the other 260.
    assert.deepEqual(delaysWhen(100), {
      polls: 3,
      delays: [timing.clusterCreateFirstPollSeconds - 100, 20, 20],
    });
    // They took longer than the create should: it is polled at once, without a timer.
    assert.deepEqual(delaysWhen(timing.clusterCreateFirstPollSeconds + 1), { polls: 3, delays: [20, 20] });
  });

  it("a step that failed in the create's wait ends the flow once the create has ended, never resubmitting it", () => {
    const run = drive(
      provisionCluster,
      provisionInput(spec({ onFailure: "rollback" })),
      answers({
        grantClusterAccess: () => ({
          ok: false,
          error: { code: "AuthorizationFailed", message: "no rights on the cluster", statusCode: 403 },
        }),
      }),
    );
    const out = run.output as ProvisionOutput;
    assert.deepEqual(out.error, {
      code: "AuthorizationFailed",
      message: "no rights on the cluster",
      statusCode: 403,
      step: "clusterAccess",
    });
    const names = activities(run.log);
    const submit = names.indexOf("submitClusterCreate");
    // The create ran to its end (three polls), then the rollback: nothing of this run still writing.
    assert.deepEqual(names.slice(submit), [
      "submitClusterCreate",
      "grantClusterAccess",
      "assignPodSecurityPolicy",
      "pollArmOperation",
      "pollArmOperation",
      "pollArmOperation",
      "sub:deprovisionCluster",
      "reportToPipelines",
    ]);
    const rollback = run.log.find((s) => s.kind === "sub" && s.name === "deprovisionCluster");
    assert.equal(inputOf<{ keepSucceededCluster: boolean }>(rollback).keepSucceededCluster, false);
    const status = lastStatus(run);
    assert.deepEqual(
      status.steps.slice(4, 8).map((s) => [s.name, s.status]),
      [
        ["cluster", "Succeeded"],
        ["clusterAccess", "Failed"],
        ["maintenanceConfiguration", "Skipped"],
        ["policyAssignment", "Succeeded"],
      ],
    );
    assert.equal(status.error?.step, "clusterAccess");
  });

  it("tries the steps of the wait again while ARM's write bucket defers them, until the create's expected end", () => {
    const deferred = {
      ok: false,
      error: {
        code: "ArmRequestDeferred",
        message: "ARM's writes bucket for this subscription is throttled",
      },
    };
    const run = drive(
      provisionCluster,
      provisionInput(),
      answers({
        submitClusterCreate: () => ({ status: "running", poller: { kind: "clusterCreate", state: "c" } }),
        // The bucket frees up for the grants at their third try; the policy's stays throttled.
        grantClusterAccess: (_s, n) =>
          n < 3
            ? deferred
            : { ok: true, value: { principalId: "app", roleAssignmentIds: ["/ra-app"], created: 1 } },
        assignPodSecurityPolicy: (s) =>
          s.kind === "activity" && s.armSlack
            ? deferred
            : { ok: true, value: { policyAssignmentId: `${CLUSTER_ID}/pa` } },
      }),
    );
    assert.equal((run.output as ProvisionOutput).phase, "Succeeded");
    const names = activities(run.log);
    const submit = names.indexOf("submitClusterCreate");
    const firstPoll = names.indexOf("pollArmOperation", submit);
    const wait = names.slice(submit + 1, firstPoll);
    assert.deepEqual(wait.filter((n) => n === "grantClusterAccess").length, 3);
    // Tried again on a durable timer every quarter of the create's expected duration: four tries.
    const tries = wait.filter((n) => n === "assignPodSecurityPolicy").length;
    assert.equal(tries, 4);
    const timers = run.log.slice(submit).filter((c) => c.kind === "timer");
    const delays = timers.map((t) => (t.kind === "timer" ? (t.fireAt.getTime() - t.at.getTime()) / 1000 : 0));
    const quarter = timing.clusterCreateFirstPollSeconds / 4;
    assert.deepEqual(delays.slice(0, tries - 1), [quarter, quarter, quarter]);
    // The first poll still comes at the create's expected end, counted from its submit.
    assert.equal(
      delays.slice(0, tries).reduce((a, b) => a + b, 0),
      timing.clusterCreateFirstPollSeconds,
    );
    // The policy, still deferred, runs once the create has ended, as a step with its retries.
    const afterCreate = names.slice(
      names.lastIndexOf("pollArmOperation") + 1,
      names.indexOf("sub:seedNamespace"),
    );
    assert.deepEqual(afterCreate, ["ensureMaintenanceConfigurations", "assignPodSecurityPolicy"]);
    const status = lastStatus(run);
    const step = (name: string) => status.steps.find((s) => s.name === name)!;
    assert.equal(step("clusterAccess").attempts, 3);
    assert.equal(step("policyAssignment").attempts, tries + 1);
    assert.ok(status.steps.every((s) => s.status === "Succeeded" && !s.waitingFor));
    // While deferred, the step said why.
    const waiting = run.statuses
      .map(
        (x) =>
          (x as ProvisionCustomStatus).steps.find((s) => s.name === "policyAssignment")?.waitingFor?.code,
      )
      .filter(Boolean);
    assert.ok(waiting.includes("ArmRequestDeferred"));
  });

  it("a cluster that failed is the flow's error, not the steps done in its wait", () => {
    const run = drive(
      provisionCluster,
      provisionInput(spec({ onFailure: "keep" })),
      answers({
        grantClusterAccess: () => ({ ok: false, error: { code: "AuthorizationFailed", message: "no" } }),
        assignPodSecurityPolicy: () => ({
          ok: false,
          error: { code: "ArmRequestDeferred", message: "later" },
        }),
        pollArmOperation: (s) =>
          inputOf<{ kind: string }>(s).kind === "virtualNetworkCreate"
            ? { status: "succeeded", value: {} }
            : { status: "failed", error: { code: "QuotaExceeded", message: "cores quota exceeded" } },
      }),
    );
    assert.deepEqual((run.output as ProvisionOutput).error, {
      code: "QuotaExceeded",
      message: "cores quota exceeded",
      step: "cluster",
    });
    const status = lastStatus(run);
    assert.deepEqual(
      status.steps
        .filter((s) => ["cluster", "clusterAccess", "policyAssignment"].includes(s.name))
        .map((s) => s.status),
      // The policy, deferred to after the create, was never assigned.
      ["Failed", "Failed", "Skipped"],
    );
    assert.ok(
      status.steps.every((s) => s.status !== "Running"),
      "no step left running",
    );
  });

  it("runs the steps of the wait after the create when its first submit failed (no ARM resource yet)", () => {
    const run = drive(
      provisionCluster,
      provisionInput(),
      answers({
        submitClusterCreate: (_s, n) =>
          n === 1
            ? { status: "failed", error: { code: "InternalServerError", message: "try again" } }
            : { status: "running", poller: { kind: "clusterCreate", state: "c" } },
      }),
    );
    assert.equal((run.output as ProvisionOutput).phase, "Succeeded");
    const names = activities(run.log);
    const after = names.slice(names.lastIndexOf("pollArmOperation") + 1, names.indexOf("sub:seedNamespace"));
    assert.deepEqual(names.filter((n) => n === "submitClusterCreate").length, 2);
    assert.deepEqual(after, [
      "grantClusterAccess",
      "ensureMaintenanceConfigurations",
      "assignPodSecurityPolicy",
    ]);
    // Not in a wait any more: their calls wait their turn at a throttled bucket, with retries.
    for (const c of run.log.filter((x) => x.kind === "activity" && after.includes(x.name)))
      assert.ok(c.kind === "activity" && c.armSlack === undefined && c.retry.maxNumberOfAttempts > 1);
  });

  it("asks the GET-only activity, never a second PUT, when it holds no poller for the cluster", () => {
    const run = drive(
      provisionCluster,
      provisionInput(),
      answers({
        submitClusterCreate: () => ({ status: "running" }),
        getClusterState: (_s, n) =>
          n < 2 ? { status: "running" } : { status: "succeeded", value: { clusterId: CLUSTER_ID } },
      }),
    );
    assert.equal((run.output as ProvisionOutput).phase, "Succeeded");
    const names = activities(run.log);
    assert.equal(names.filter((a) => a === "submitClusterCreate").length, 1);
    assert.equal(names.filter((a) => a === "getClusterState").length, 2);
  });

  it("surfaces a permanent ARM failure with its code and rolls back when asked to", () => {
    const run = drive(
      provisionCluster,
      provisionInput(spec({ onFailure: "rollback" })),
      answers({
        pollArmOperation: (s) =>
          inputOf<{ kind: string }>(s).kind === "virtualNetworkCreate"
            ? { status: "succeeded", value: {} }
            : { status: "failed", error: { code: "QuotaExceeded", message: "cores quota exceeded" } },
      }),
    );
    const out = run.output as ProvisionOutput;
    assert.equal(out.phase, "Failed");
    assert.deepEqual(out.error, { code: "QuotaExceeded", message: "cores quota exceeded", step: "cluster" });
    const names = activities(run.log);
    assert.ok(!names.includes("sub:seedNamespace"), "no seeding after a failed cluster");
    const rollback = run.log.find((s) => s.kind === "sub" && s.name === "deprovisionCluster");
    assert.ok(rollback);
    assert.equal(inputOf<{ rollback: boolean }>(rollback).rollback, true);
    assert.equal(inputOf<{ provisionInstanceId: string }>(rollback).provisionInstanceId, "aksv-test-0000");
    const status = lastStatus(run);
    assert.equal(status.phase, "Failed");
    assert.equal(status.error?.code, "QuotaExceeded");
    assert.equal(status.steps.find((s) => s.name === "rollback")?.status, "Succeeded");
    assert.equal(status.steps.find((s) => s.name === "seed:test")?.status, "Skipped");
  });

  it("keeps what was created on failure when onFailure is keep, and says so", () => {
    const run = drive(
      provisionCluster,
      provisionInput(spec({ onFailure: "keep" })),
      answers({
        submitClusterCreate: () => ({
          status: "failed",
          error: { code: "InvalidParameter", message: "bad" },
        }),
      }),
    );
    assert.equal((run.output as ProvisionOutput).phase, "Failed");
    assert.ok(!activities(run.log).includes("sub:deprovisionCluster"));
    const status = lastStatus(run);
    assert.ok(status.warnings.some((w) => w.includes('onFailure is "keep"') && w.includes("/rg")));
  });

  it("fails fast at the first permanent failure without calling later steps", () => {
    const run = drive(
      provisionCluster,
      provisionInput(spec({ onFailure: "keep" })),
      answers({
        ensureResourceGroup: () => ({
          ok: false,
          error: { code: "LinkedAuthorizationFailed", message: "no rights", statusCode: 403 },
        }),
      }),
    );
    assert.deepEqual(activities(run.log), ["ensureResourceGroup", "reportToPipelines"]);
    assert.deepEqual(inputOf(run.log.at(-1)!), { instanceId: "aksv-test-0000", result: "failed" });
    assert.equal((run.output as ProvisionOutput).error?.code, "LinkedAuthorizationFailed");
  });

  it("retries PrincipalNotFound with the principal retry policy and reports its code when retries run out", () => {
    const run = drive(
      provisionCluster,
      provisionInput(spec({ onFailure: "keep" })),
      answers({
        assignSubnetRole: () => ({
          throw:
            "Activity function 'assignSubnetRole' failed: PrincipalNotFound: Principal principal-1 does not exist",
        }),
      }),
    );
    const call = run.log.find((s) => s.kind === "activity" && s.name === "assignSubnetRole");
    assert.ok(call && call.kind === "activity");
    assert.equal(call.retry.maxNumberOfAttempts, timing.principalRetry.maxAttempts);
    assert.equal(call.retry.firstRetryIntervalInMilliseconds, timing.principalRetry.firstRetryMs);
    const out = run.output as ProvisionOutput;
    assert.equal(out.error?.code, "PrincipalNotFound");
    assert.equal(out.error?.step, "roleAssignment");
  });

  it("names the failed step when one of the parallel pair runs out of retries", () => {
    const run = drive(
      provisionCluster,
      provisionInput(spec({ onFailure: "keep" })),
      answers({
        ensureIdentity: () => ({ throw: "Activity function 'ensureIdentity' failed: Http503: unavailable" }),
      }),
    );
    assert.equal((run.output as ProvisionOutput).error?.step, "identity");
    assert.equal((run.output as ProvisionOutput).error?.code, "Http503");
  });

  it("gives up on a cluster create at its deadline", () => {
    const run = drive(
      provisionCluster,
      provisionInput(spec({ onFailure: "keep" })),
      answers({
        pollArmOperation: (s) =>
          inputOf<{ kind: string }>(s).kind === "virtualNetworkCreate"
            ? { status: "succeeded", value: {} }
            : { status: "running", poller: { kind: "clusterCreate", state: "s" }, retryAfterSeconds: 60 },
      }),
    );
    const out = run.output as ProvisionOutput;
    assert.equal(out.error?.code, "OperationTimedOut");
    const polls = run.log.filter((s) => s.kind === "activity" && s.name === "pollArmOperation").length;
    assert.ok(polls <= timing.clusterDeadlineSeconds / 60 + 2, `bounded polling (${polls})`);
  });

  it("a poll whose read failed, or that ran out of retries, re-reads the cluster instead of failing the step", () => {
    const run = drive(
      provisionCluster,
      provisionInput(spec({ onFailure: "rollback" })),
      answers({
        pollArmOperation: (s, n) => {
          if (inputOf<{ kind: string }>(s).kind === "virtualNetworkCreate")
            return { status: "succeeded", value: {} };
          // The vnet's poll was the first call.
          if (n === 2)
            return {
              status: "running",
              poller: { kind: "clusterCreate", state: "aks-state" },
              waitingFor: { code: "InternalServerError", message: "final GET", statusCode: 500 },
            };
          return { throw: "Activity function 'pollArmOperation' failed: ServiceUnavailable: unavailable" };
        },
        getClusterState: () => ({ status: "succeeded", value: { clusterId: CLUSTER_ID } }),
      }),
    );
    assert.equal((run.output as ProvisionOutput).phase, "Succeeded");
    const names = activities(run.log);
    assert.ok(!names.includes("sub:deprovisionCluster"), "nothing rolled back");
    assert.equal(names.filter((a) => a === "getClusterState").length, 1);
    assert.equal(names.filter((a) => a === "submitClusterCreate").length, 1);
    // While the read failed, the status said what the step was waiting for; gone once it succeeded.
    const waiting = run.statuses
      .map((x) => (x as ProvisionCustomStatus).steps.find((s) => s.name === "cluster")?.waitingFor)
      .find((w) => w !== undefined);
    assert.equal(waiting?.code, "InternalServerError");
    assert.equal(lastStatus(run).steps.find((s) => s.name === "cluster")?.waitingFor, undefined);
  });

  it("submits the create again after an operation that ended with a transient code, not after a permanent one", () => {
    const ended = (code: string) =>
      answers({
        pollArmOperation: (s) =>
          inputOf<{ kind: string }>(s).kind === "virtualNetworkCreate"
            ? { status: "succeeded", value: {} }
            : { status: "failed", error: { code, message: "the operation failed" } },
        submitClusterCreate: (_s, n) =>
          n === 1
            ? { status: "running", poller: { kind: "clusterCreate", state: "c" } }
            : { status: "succeeded", value: { clusterId: CLUSTER_ID } },
      });
    const transient = drive(
      provisionCluster,
      provisionInput(spec({ onFailure: "keep" })),
      ended("InternalServerError"),
    );
    assert.equal((transient.output as ProvisionOutput).phase, "Succeeded");
    assert.equal(activities(transient.log).filter((a) => a === "submitClusterCreate").length, 2);
    // The resubmit is the step's second attempt.
    assert.equal(lastStatus(transient).steps.find((s) => s.name === "cluster")?.attempts, 2);
    const permanent = drive(
      provisionCluster,
      provisionInput(spec({ onFailure: "keep" })),
      ended("QuotaExceeded"),
    );
    assert.equal((permanent.output as ProvisionOutput).error?.code, "QuotaExceeded");
    assert.equal(activities(permanent.log).filter((a) => a === "submitClusterCreate").length, 1);
  });

  it("waits for a busy cluster with backoff on durable timers up to the deadline, showing why", () => {
    const busy = {
      status: "failed",
      error: { code: "OperationNotAllowed", message: "another operation is in progress" },
    };
    const run = drive(
      provisionCluster,
      provisionInput(spec({ onFailure: "keep" })),
      answers({ submitClusterCreate: () => busy }),
    );
    const out = run.output as ProvisionOutput;
    assert.equal(out.error?.code, "OperationNotAllowed");
    const submits = run.log.filter((s) => s.kind === "activity" && s.name === "submitClusterCreate");
    // Far more than six activity retries, and bounded by the deadline at the longest backoff.
    assert.ok(submits.length > 20, `kept waiting (${submits.length} submits)`);
    assert.ok(submits.length <= timing.clusterDeadlineSeconds / timing.maxPollIntervalSeconds + 8);
    // Each submit after a busy answer is an attempt of the step.
    assert.equal(lastStatus(run).steps.find((s) => s.name === "cluster")?.attempts, submits.length);
    // The waits between them: backoff from the poll interval, up to the deadline.
    const waits = run.log
      .filter((s) => s.kind === "timer")
      .slice(-(submits.length - 1))
      .map((t) => (t.kind === "timer" ? (t.fireAt.getTime() - t.at.getTime()) / 1000 : 0));
    assert.deepEqual(
      waits.slice(0, 3),
      [1, 2, 4].map((k) => timing.pollIntervalSeconds * k),
    );
    const waited = waits.reduce((a, b) => a + b, 0);
    assert.ok(
      waited >= timing.clusterDeadlineSeconds - timing.maxPollIntervalSeconds,
      `up to the deadline (${waited} s)`,
    );
    const waiting = run.statuses
      .map((x) => (x as ProvisionCustomStatus).steps.find((s) => s.name === "cluster")?.waitingFor)
      .filter((w) => w !== undefined);
    assert.equal(waiting.at(-1)?.code, "OperationNotAllowed");
    // One reason, one start: the wait's `since` stays while the cluster stays busy.
    assert.equal(new Set(waiting.map((w) => w.since)).size, 1);
  });

  it("fails with VerificationFailed listing the expectations that were not met", () => {
    const run = drive(
      provisionCluster,
      provisionInput(spec({ onFailure: "keep" })),
      answers({
        "sub:verifyConnectivity": () => ({
          ok: true,
          value: {
            report: {
              passed: false,
              results: [{ from: "test{}", to: "backend.test:80", expected: "denied", observed: "allowed" }],
            },
            rounds: 3,
          },
        }),
      }),
    );
    const status = lastStatus(run);
    assert.equal(status.error?.code, "VerificationFailed");
    assert.equal(status.verification?.passed, false);
    assert.equal(status.steps.find((s) => s.name === "verification")?.attempts, 3);
  });

  it("verifies an Entra ID cluster's grants and fails with the access checks that were not met", () => {
    const grant = {
      principalId: "11111111-1111-4111-8111-111111111111",
      principalType: "Group" as const,
      role: "reader" as const,
      namespaces: ["test"],
      subject: "team t",
    };
    const input = { ...provisionInput(spec({ onFailure: "keep" })), access: [grant] };
    const run = drive(
      provisionCluster,
      input,
      answers({
        "sub:verifyConnectivity": (c) => {
          assert.deepEqual(inputOf<{ access: unknown }>(c).access, [grant]);
          return {
            ok: true,
            value: {
              report: {
                passed: false,
                results: [],
                access: [
                  {
                    subject: "team t",
                    principalId: grant.principalId,
                    action: "delete pods",
                    namespace: "test",
                    expected: "denied",
                    observed: "allowed",
                  },
                ],
              },
              rounds: 3,
            },
          };
        },
      }),
    );
    const status = lastStatus(run);
    assert.equal(status.error?.code, "VerificationFailed");
    assert.match(status.error?.message ?? "", /team t delete pods in test expected denied, observed allowed/);
    assert.equal(status.verification?.access?.[0]?.observed, "allowed");
  });

  it("never puts a credential into activity inputs or custom status", () => {
    const run = drive(provisionCluster, provisionInput(), answers());
    const recorded = JSON.stringify([run.log, run.statuses]);
    assert.doesNotMatch(recorded, /kubeconfig|token|password|secret|BEGIN CERTIFICATE/i);
  });
});
