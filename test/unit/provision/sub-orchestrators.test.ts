import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { deprovisionCluster } from "../../../orchestrations/deprovisionCluster.js";
import { seedNamespace } from "../../../orchestrations/seedNamespace.js";
import { verifyConnectivity } from "../../../orchestrations/verifyConnectivity.js";
import type { AccessChecksInput, ProbesInput } from "../../../shared/provision/activity-io.js";
import type { AccessGrant } from "../../../shared/spec/access.js";
import type {
  DeprovisionOutput,
  ProvisionCustomStatus,
  VerificationReport,
} from "../../../shared/provision/types.js";
import { activities, drive, inputOf } from "./driver.js";
import { SUBSCRIPTION, spec, timing } from "./fixtures.js";

const s = spec();
const target = { subscriptionId: SUBSCRIPTION, resourceGroup: s.resourceGroup, name: s.name };

describe("deprovisionCluster orchestrator", () => {
  it("deletes in reverse order of creation, waiting for each long delete", () => {
    const run = drive(
      deprovisionCluster,
      { provisionInstanceId: "aksv-x", target, spec: s, timing, rollback: false },
      (c) => {
        if (c.kind === "timer") return undefined;
        if (c.kind === "activity" && c.name === "pollArmOperation") return { status: "succeeded", value: {} };
        const kind = inputOf<{ kind: string }>(c).kind;
        if (kind === "cluster" || kind === "resourceGroup")
          return { status: "running", poller: { kind: `${kind}Delete`, state: "s" } };
        return { status: "succeeded", value: { outcome: "deleted", resourceId: `/${kind}` } };
      },
    );
    const kinds = run.log
      .filter((c) => c.kind === "activity" && c.name === "deleteOwnedResource")
      .map((c) => inputOf<{ kind: string }>(c).kind);
    assert.deepEqual(kinds, ["cluster", "roleAssignment", "identity", "virtualNetwork", "resourceGroup"]);
    // A DELETE first tells waiting pipelines that the provisioning it may have stopped failed.
    assert.deepEqual(inputOf(run.log[0]!), { instanceId: "aksv-x", result: "failed" });
    assert.deepEqual(activities(run.log), [
      "reportToPipelines",
      "deleteOwnedResource",
      "pollArmOperation",
      "deleteOwnedResource",
      "deleteOwnedResource",
      "deleteOwnedResource",
      "deleteOwnedResource",
      "pollArmOperation",
    ]);
    const out = run.output as DeprovisionOutput;
    assert.equal(out.deleted.length, 5);
    assert.ok(out.deleted[0]!.endsWith("/managedClusters/tipsAndTricksAKSCluster"));
    assert.equal((run.statuses.at(-1) as ProvisionCustomStatus).phase, "Deleted");
    assert.ok(
      run.log.every((c) => c.kind !== "activity" || inputOf<{ instanceId?: string }>(c).instanceId !== ""),
    );
  });

  it("keeps resources it did not create and says so", () => {
    const run = drive(
      deprovisionCluster,
      { provisionInstanceId: "aksv-x", target, spec: s, timing, rollback: false },
      (c) => {
        const kind = inputOf<{ kind: string }>(c).kind;
        return {
          status: "succeeded",
          value: { outcome: kind === "resourceGroup" ? "notOwned" : "absent", resourceId: `/${kind}` },
        };
      },
    );
    const out = run.output as DeprovisionOutput;
    assert.deepEqual(out.kept, [
      { resourceId: "/resourceGroup", reason: "it was not created for this cluster" },
    ]);
    assert.deepEqual(out.deleted, []);
    const status = run.statuses.at(-1) as ProvisionCustomStatus;
    assert.ok(
      status.warnings.some((w) => w.includes("/resourceGroup") && w.includes("not created for this cluster")),
    );
  });

  it("keeps a cluster ARM reports Succeeded after a failed cluster step, and everything it depends on", () => {
    const run = drive(
      deprovisionCluster,
      {
        provisionInstanceId: "aksv-x",
        clusterUid: "uid-x",
        target,
        spec: s,
        timing,
        rollback: true,
        keepSucceededCluster: true,
      },
      (c) => {
        const i = inputOf<{ kind: string; keepSucceededCluster?: boolean; clusterUid?: string }>(c);
        assert.equal(i.kind, "cluster", "nothing after the kept cluster is touched");
        assert.equal(i.keepSucceededCluster, true);
        assert.equal(i.clusterUid, "uid-x");
        return {
          status: "succeeded",
          value: { outcome: "kept", resourceId: "/cluster", reason: "Succeeded" },
        };
      },
    );
    const out = run.output as DeprovisionOutput;
    assert.deepEqual(out.deleted, []);
    assert.deepEqual(out.kept[0], { resourceId: "/cluster", reason: "Succeeded" });
    assert.deepEqual(
      out.kept.slice(1).map((k) => k.reason),
      Array(4).fill("the kept cluster depends on it"),
    );
    const status = run.statuses.at(-1) as ProvisionCustomStatus;
    assert.equal(status.phase, "Deleted");
    assert.ok(
      status.steps.every((x) => x.status === "Succeeded" || x.status === "Skipped"),
      JSON.stringify(status.steps),
    );
  });

  it("waits for a busy cluster and a busy VNet with backoff, showing why, then deletes them", () => {
    const busyCluster =
      "Activity function 'deleteOwnedResource' failed: OperationNotAllowed: another operation is in progress";
    let clusterAsks = 0;
    let vnetAsks = 0;
    const run = drive(
      deprovisionCluster,
      { provisionInstanceId: "aksv-x", target, spec: s, timing, rollback: true },
      (c) => {
        if (c.kind === "timer") return undefined;
        if (c.kind === "activity" && c.name === "pollArmOperation") return { status: "succeeded", value: {} };
        const kind = inputOf<{ kind: string }>(c).kind;
        // The cluster's DELETE refused as busy until the activity's retries ran out, three times.
        if (kind === "cluster" && ++clusterAsks <= 3) return { throw: busyCluster };
        if (kind === "cluster") return { status: "running", poller: { kind: "clusterDelete", state: "s" } };
        // The network RP's busy answer, once, as an operation that ended with it.
        if (kind === "virtualNetwork" && ++vnetAsks === 1)
          return { status: "failed", error: { code: "AnotherOperationInProgress", message: "busy" } };
        return { status: "succeeded", value: { outcome: "deleted", resourceId: `/${kind}` } };
      },
    );
    const out = run.output as DeprovisionOutput;
    assert.equal(out.error, undefined, JSON.stringify(out.error));
    assert.equal(out.deleted.length, 5);
    assert.equal(clusterAsks, 4);
    assert.equal(vnetAsks, 2);
    // Durable timers with backoff between the cluster's attempts, before its delete is polled.
    const waits = run.log
      .filter((x) => x.kind === "timer")
      .slice(0, 3)
      .map((t) => (t.kind === "timer" ? (t.fireAt.getTime() - t.at.getTime()) / 1000 : 0));
    assert.deepEqual(
      waits,
      [1, 2, 4].map((k) => timing.pollIntervalSeconds * k),
    );
    const statuses = run.statuses as ProvisionCustomStatus[];
    const stepOf = (st: ProvisionCustomStatus, name: string) => st.steps.find((x) => x.name === name);
    const waited = (name: string) =>
      statuses.map((st) => stepOf(st, name)?.waitingFor?.code).filter((w) => w !== undefined);
    assert.deepEqual([...new Set(waited("delete:cluster"))], ["OperationNotAllowed"]);
    assert.deepEqual([...new Set(waited("delete:virtualNetwork"))], ["AnotherOperationInProgress"]);
    const last = statuses.at(-1)!;
    assert.equal(last.phase, "Deleted");
    // Each new attempt after a busy answer is an attempt of the step; the wait ended with it.
    assert.equal(stepOf(last, "delete:cluster")?.attempts, 4);
    assert.equal(stepOf(last, "delete:virtualNetwork")?.attempts, 2);
    assert.ok(last.steps.every((x) => x.waitingFor === undefined && x.status === "Succeeded"));
  });

  it("gives up on a cluster that stays busy at the cluster deadline, not after a few retries", () => {
    const run = drive(
      deprovisionCluster,
      { provisionInstanceId: "aksv-x", target, spec: s, timing, rollback: false },
      (c) =>
        c.kind === "activity" && c.name === "deleteOwnedResource"
          ? {
              status: "failed",
              error: { code: "OperationNotAllowed", message: "another operation is in progress" },
            }
          : undefined,
      { maxSteps: 10_000 },
    );
    const out = run.output as DeprovisionOutput;
    assert.equal(out.error?.code, "OperationNotAllowed");
    assert.equal(out.error?.step, "delete:cluster");
    const asks = run.log.filter((x) => x.kind === "activity" && x.name === "deleteOwnedResource").length;
    assert.ok(asks > 20, `kept waiting (${asks} deletes asked)`);
    const started = new Date("2026-01-01T00:00:00Z").getTime();
    assert.ok((run.now.getTime() - started) / 1000 >= timing.clusterDeadlineSeconds, "up to the deadline");
  });

  it("stops at the first failed delete with its code", () => {
    const run = drive(
      deprovisionCluster,
      { provisionInstanceId: "aksv-x", target, spec: s, timing, rollback: true },
      (c) =>
        inputOf<{ kind: string }>(c).kind === "identity"
          ? { status: "failed", error: { code: "AuthorizationFailed", message: "no" } }
          : { status: "succeeded", value: { outcome: "deleted", resourceId: "/r" } },
    );
    const out = run.output as DeprovisionOutput;
    assert.equal(out.error?.code, "AuthorizationFailed");
    assert.equal(out.error?.step, "delete:identity");
    assert.equal(activities(run.log).length, 3);
  });
});

describe("seedNamespace orchestrator", () => {
  const ns = s.namespaces[0]!;
  it("applies namespace, then policies, then workloads, then polls readiness with timers", () => {
    let counter = 0;
    const run = drive(seedNamespace, { target, namespace: ns, timing }, (c) => {
      if (c.kind === "timer") return undefined;
      if (c.kind === "activity" && c.name === "checkWorkloadsReady") {
        const n = (counter += 1);
        return {
          ok: true,
          value: n < 3 ? { ready: false, pending: ["backend: 0/1 ready"] } : { ready: true, pending: [] },
        };
      }
      return { ok: true, value: c.kind === "activity" && c.name === "seedNamespaceObject" ? "test" : ["x"] };
    });
    assert.deepEqual(activities(run.log), [
      "seedNamespaceObject",
      "seedNetworkPolicies",
      "seedWorkloads",
      "checkWorkloadsReady",
      "checkWorkloadsReady",
      "checkWorkloadsReady",
    ]);
    assert.equal(run.log.filter((c) => c.kind === "timer").length, 2);
    assert.deepEqual(run.output, { ok: true, value: { policies: ["x"], workloads: ["x"] } });
  });

  it("fails with WorkloadsNotReady after the ready deadline", () => {
    const run = drive(seedNamespace, { target, namespace: ns, timing }, (c) => {
      if (c.kind === "activity" && c.name === "checkWorkloadsReady")
        return { ok: true, value: { ready: false, pending: ["backend: 0/1 ready"] } };
      return { ok: true, value: [] };
    });
    const out = run.output as { ok: boolean; error: { code: string; message: string } };
    assert.equal(out.ok, false);
    assert.equal(out.error.code, "WorkloadsNotReady");
    assert.match(out.error.message, /backend: 0\/1 ready/);
  });

  it("does not create workloads when the policies could not be applied", () => {
    const run = drive(seedNamespace, { target, namespace: ns, timing }, (c) =>
      c.kind === "activity" && c.name === "seedNetworkPolicies"
        ? { ok: false, error: { code: "KubernetesInvalid", message: "bad policy" } }
        : { ok: true, value: "test" },
    );
    assert.deepEqual(activities(run.log), ["seedNamespaceObject", "seedNetworkPolicies"]);
    assert.equal((run.output as { ok: boolean }).ok, false);
  });
});

describe("verifyConnectivity orchestrator", () => {
  const probe = { image: "busybox:1.36", timeoutSeconds: 3 };
  it("probes again only what did not match, removes probe pods every round, and reports", () => {
    let round = 0;
    const run = drive(verifyConnectivity, { target, spec: s, timing, probe }, (c) => {
      if (c.kind === "timer") return undefined;
      const input = inputOf<ProbesInput>(c);
      if (c.kind === "activity" && c.name === "removeConnectivityProbes")
        return { ok: true, value: input.probes.length };
      round += 1;
      // Round 1: the frontend probe is still denied (policy not enforced yet); round 2: allowed.
      return {
        ok: true,
        value: input.probes.map((p) => ({
          podName: p.podName,
          observed: p.expected === "allowed" && round === 1 ? "denied" : p.expected,
        })),
      };
    });
    const probeCalls = run.log.filter((c) => c.kind === "activity" && c.name === "runConnectivityProbes");
    assert.deepEqual(
      probeCalls.map((c) => inputOf<ProbesInput>(c).probes.map((p) => p.podName)),
      [["aksv-probe-0-0-r1", "aksv-probe-0-1-r1"], ["aksv-probe-0-0-r2"]],
    );
    assert.equal(activities(run.log).filter((a) => a === "removeConnectivityProbes").length, 2);
    const out = run.output as {
      ok: true;
      value: { report: { passed: boolean; results: unknown[] }; rounds: number };
    };
    assert.equal(out.value.report.passed, true);
    assert.equal(out.value.rounds, 2);
    assert.deepEqual(out.value.report.results, [
      {
        from: "test{app=webapp,role=frontend}",
        to: "backend.test:80",
        expected: "allowed",
        observed: "allowed",
      },
      { from: "test{}", to: "backend.test:80", expected: "denied", observed: "denied" },
    ]);
  });

  const writer: AccessGrant = {
    principalId: "11111111-1111-4111-8111-111111111111",
    principalType: "Group",
    role: "writer",
    namespaces: ["test"],
    subject: "team t",
  };
  const noProbes = spec({ namespaces: [{ ...s.namespaces[0]!, expectations: [] }] });

  it("reviews the grants' access, again only where a review did not match (a role not effective yet)", () => {
    const asked: string[][] = [];
    const run = drive(
      verifyConnectivity,
      { target, spec: noProbes, timing, probe, access: [writer] },
      (c) => {
        if (c.kind === "timer") return undefined;
        const { checks } = inputOf<AccessChecksInput>(c);
        asked.push(checks.map((k) => `${k.verb} ${k.resource} in ${k.namespace}`));
        // Round 1: the writer's role has not reached the cluster: everything is refused.
        return { ok: true, value: checks.map((k) => (asked.length === 1 ? "denied" : k.result.expected)) };
      },
    );
    assert.deepEqual(activities(run.log), ["checkClusterAccess", "checkClusterAccess"]);
    assert.deepEqual(asked, [
      ["create pods in test", "create rolebindings in test", "create pods in kube-system"],
      ["create pods in test"],
    ]);
    const out = run.output as { ok: true; value: { report: VerificationReport; rounds: number } };
    assert.equal(out.value.report.passed, true);
    assert.equal(out.value.rounds, 2);
    assert.deepEqual(
      out.value.report.access?.map((a) => `${a.action} in ${a.namespace}: ${a.observed}`),
      [
        "create pods in test: allowed",
        "create rolebindings.rbac.authorization.k8s.io in test: denied",
        "create pods in kube-system: denied",
      ],
    );
  });

  it("fails verification when the cluster's policy lets a writer outside its namespaces, though every probe held", () => {
    const run = drive(verifyConnectivity, { target, spec: s, timing, probe, access: [writer] }, (c) => {
      if (c.kind === "timer") return undefined;
      if (c.kind === "activity" && c.name === "checkClusterAccess")
        // A policy that allows everything: the writer may create pods in kube-system too.
        return { ok: true, value: inputOf<AccessChecksInput>(c).checks.map(() => "allowed") };
      const input = inputOf<ProbesInput>(c);
      if (c.kind === "activity" && c.name === "runConnectivityProbes")
        return { ok: true, value: input.probes.map((p) => ({ podName: p.podName, observed: p.expected })) };
      return { ok: true, value: input.probes.length };
    });
    const out = run.output as { ok: true; value: { report: VerificationReport; rounds: number } };
    assert.equal(out.value.report.passed, false);
    assert.ok(out.value.report.results.every((r) => r.observed === r.expected));
    assert.deepEqual(
      out.value.report.access
        ?.filter((a) => a.observed !== a.expected)
        .map((a) => `${a.action} in ${a.namespace}`),
      ["create rolebindings.rbac.authorization.k8s.io in test", "create pods in kube-system"],
    );
    // The probes matched in round 1; only the access reviews were asked again.
    assert.equal(activities(run.log).filter((a) => a === "runConnectivityProbes").length, 1);
    assert.equal(
      activities(run.log).filter((a) => a === "checkClusterAccess").length,
      timing.verificationAttempts,
    );
    assert.equal(out.value.rounds, timing.verificationAttempts);
  });

  it("reports failure after the last round when an expectation never holds", () => {
    const run = drive(verifyConnectivity, { target, spec: s, timing, probe }, (c) => {
      const input = inputOf<ProbesInput>(c);
      if (c.kind === "activity" && c.name === "runConnectivityProbes")
        return { ok: true, value: input.probes.map((p) => ({ podName: p.podName, observed: "allowed" })) };
      return { ok: true, value: 0 };
    });
    const out = run.output as { ok: true; value: { report: { passed: boolean }; rounds: number } };
    assert.equal(out.value.report.passed, false);
    assert.equal(out.value.rounds, timing.verificationAttempts);
  });
});
