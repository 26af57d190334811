// The drift monitor under durable-functions' real replay engine: a round waits one period on a
// durable timer racing the "desired" event, checks once, publishes { drift, checkedAt, generation },
// repairs under driftPolicy "repair", and continues as new (carrying its report); it ends when the
// cluster is gone.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { driftMonitor } from "../../../orchestrations/driftMonitor.js";
import { seedNamespace } from "../../../orchestrations/seedNamespace.js";
import { updateCluster } from "../../../orchestrations/updateCluster.js";
import { EventType } from "../../../emulators/functions-host/durable/history.js";
import { driftInstanceId } from "../../../shared/azure/names.js";
import type {
  DriftCheckInput,
  DriftMonitorInput,
  DriftObservation,
  DriftStatus,
} from "../../../shared/provision/drift.js";
import type { ActivityResult, UpdateInput } from "../../../shared/provision/types.js";
import { instanceIdOf, provisionInput, spec } from "./fixtures.js";
import { replay, type ReplayOptions } from "./replay.js";

const orchestrators = { driftMonitor, seedNamespace, updateCluster } as ReplayOptions["orchestrators"];
const START = new Date("2026-01-01T00:00:00.000Z");
const PERIOD = 3600;
const POLICY = "namespaces[test].networkPolicies[backend-policy]";

function monitorInput(overrides: Partial<DriftMonitorInput> = {}, s = spec()): DriftMonitorInput {
  const desired = provisionInput(s);
  return {
    baseInstanceId: instanceIdOf(desired),
    generation: 1,
    desired: { ...desired, clusterUid: "uid-1" },
    intervalSeconds: PERIOD,
    ...overrides,
  };
}

/** Activities: the check answers `observations` in turn; seeding succeeds. */
function activities(...observations: DriftObservation[]) {
  const checks: DriftCheckInput[] = [];
  const fn = (name: string, input: unknown) => {
    switch (name) {
      case "checkDrift": {
        checks.push(input as DriftCheckInput);
        const next = observations.shift();
        if (!next) throw new Error("unexpected check");
        return { ok: true, value: next } satisfies ActivityResult<DriftObservation>;
      }
      case "seedNamespaceObject":
        return { ok: true, value: "test" };
      case "seedNetworkPolicies":
        return { ok: true, value: ["default-deny-ingress", "backend-policy"] };
      case "seedWorkloads":
        return { ok: true, value: ["deployment/backend", "service/backend"] };
      case "checkWorkloadsReady":
        return { ok: true, value: { ready: true, pending: [] } };
      default:
        throw new Error(`no activity ${name}`);
    }
  };
  return { fn, checks };
}

const timersOf = (history: Record<string, unknown>[]) =>
  history.filter((e) => e["EventType"] === EventType.TimerCreated).map((e) => e["FireAt"]);
const lastStatus = (statuses: unknown[]) => statuses.at(-1) as DriftStatus;

describe("driftMonitor under the real replay engine", () => {
  it("waits one period on a durable timer, checks this cluster once, publishes and continues as new", async () => {
    const a = activities({ cluster: "present", found: [] });
    const input = monitorInput();
    const r = await replay("driftMonitor", input, { orchestrators, activity: a.fn, start: START });
    assert.equal(r.status, "ContinuedAsNew", String(r.output));
    // The period, then a zero wait that takes a desired state raised during the round.
    assert.deepEqual(timersOf(r.history), ["2026-01-01T01:00:00.000Z", "2026-01-01T01:00:00.000Z"]);
    assert.deepEqual(a.checks, [
      {
        target: input.desired.target,
        spec: input.desired.spec,
        baseInstanceId: input.baseInstanceId,
        clusterUid: "uid-1",
      },
    ]);
    const report: DriftStatus = { drift: [], generation: 1, checkedAt: "2026-01-01T01:00:00.000Z" };
    assert.deepEqual(lastStatus(r.customStatuses), report);
    assert.deepEqual(
      r.output,
      { ...input, last: report, seen: true },
      "the next execution carries the report",
    );
  });

  it("reports drift without repairing it, keeping when it was first seen across executions", async () => {
    const found = [{ path: POLICY, expected: "present", actual: "absent" }];
    const a = activities({ cluster: "present", found }, { cluster: "present", found });
    const first = await replay("driftMonitor", monitorInput(), {
      orchestrators,
      activity: a.fn,
      start: START,
    });
    assert.deepEqual(lastStatus(first.customStatuses).drift, [
      { ...found[0], detectedAt: "2026-01-01T01:00:00.000Z" },
    ]);
    const second = await replay("driftMonitor", first.output, {
      orchestrators,
      activity: a.fn,
      start: new Date("2026-01-01T01:00:01.000Z"),
    });
    const status = lastStatus(second.customStatuses);
    assert.equal(status.checkedAt, "2026-01-01T02:00:01.000Z");
    assert.deepEqual(status.drift, [{ ...found[0], detectedAt: "2026-01-01T01:00:00.000Z" }]);
    assert.equal(status.repair, undefined);
    assert.deepEqual(
      second.calls.map((c) => c.name),
      ["checkDrift"],
      "report: nothing but the check",
    );
  });

  it("takes a new desired state that comes before the period ends, and starts the period again from it", async () => {
    const a = activities();
    const input = monitorInput();
    const next = monitorInput({ generation: 2 }, spec({ driftPolicy: "repair" }));
    const r = await replay("driftMonitor", input, {
      orchestrators,
      activity: a.fn,
      start: START,
      events: [{ name: "desired", data: next }],
    });
    assert.equal(r.status, "ContinuedAsNew");
    assert.deepEqual(r.output, { ...next, last: { drift: [], generation: 1 } });
    assert.deepEqual(a.checks, [], "no check: the period starts again");
    // A state older than the monitor's (two calls crossing) is not taken.
    const stale = await replay("driftMonitor", next, {
      orchestrators,
      activity: a.fn,
      start: START,
      events: [{ name: "desired", data: input }],
    });
    assert.equal((stale.output as DriftMonitorInput).generation, 2);
  });

  it("takes a new desired state raised while it checked, at the end of the round", async () => {
    const a = activities({ cluster: "present", found: [] });
    const next = monitorInput({ generation: 2 });
    const r = await replay("driftMonitor", monitorInput(), {
      orchestrators,
      activity: a.fn,
      start: START,
      events: [{ name: "desired", data: next, afterTimers: 1 }],
    });
    assert.equal(a.checks.length, 1);
    assert.deepEqual(r.output, {
      ...next,
      last: { drift: [], generation: 1, checkedAt: "2026-01-01T01:00:00.000Z" },
      seen: true,
    });
  });

  it("repairs Kubernetes drift by seeding the namespace again, and the rest through updateCluster (reconcile)", async () => {
    const found = [
      { path: POLICY, expected: "present", actual: "absent" },
      { path: "nodePool.count", expected: 1, actual: 3 },
    ];
    const a = activities({ cluster: "present", found });
    const input = monitorInput({}, spec({ driftPolicy: "repair" }));
    const updates: unknown[] = [];
    const r = await replay("driftMonitor", input, {
      orchestrators: {
        ...orchestrators,
        updateCluster: function* (ctx) {
          if (!ctx.df.isReplaying) updates.push(ctx.df.getInput());
          yield ctx.df.createTimer(ctx.df.currentUtcDateTime);
          return { phase: "Succeeded", generation: 1, outputs: {} };
        },
      },
      activity: a.fn,
      start: START,
    });
    assert.equal(r.status, "ContinuedAsNew", String(r.output));
    assert.deepEqual(
      r.calls.map((c) => c.name),
      ["checkDrift", "seedNamespaceObject", "seedNetworkPolicies", "seedWorkloads", "checkWorkloadsReady"],
    );
    const update = updates[0] as UpdateInput;
    assert.equal(updates.length, 1);
    assert.equal(update.reconcile, true);
    assert.equal(update.generation, 1);
    assert.equal(update.observedGeneration, 1);
    assert.equal(update.baseInstanceId, input.baseInstanceId);
    assert.deepEqual(update.previousSpec, input.desired.spec);
    const status = lastStatus(r.customStatuses);
    assert.equal(status.drift.length, 2, "the report stays what the check saw");
    assert.deepEqual(status.repair, { at: "2026-01-01T01:00:00.000Z", outcome: "Succeeded" });
  });

  it("reports a repair that did not succeed", async () => {
    const a = activities({
      cluster: "present",
      found: [{ path: "tags.env", expected: "dev", actual: null }],
    });
    const r = await replay("driftMonitor", monitorInput({}, spec({ driftPolicy: "repair" })), {
      orchestrators,
      activity: a.fn,
      start: START,
    });
    const repair = lastStatus(r.customStatuses).repair;
    assert.equal(repair?.outcome, "Failed");
    assert.match(repair?.error ?? "", /^update: /);
  });

  it("reports nothing while an operation runs on the cluster", async () => {
    const a = activities({ cluster: "busy", provisioningState: "Updating" });
    const r = await replay("driftMonitor", monitorInput(), { orchestrators, activity: a.fn, start: START });
    assert.equal(r.status, "ContinuedAsNew");
    assert.deepEqual(lastStatus(r.customStatuses), {
      drift: [],
      generation: 1,
      checkedAt: "2026-01-01T01:00:00.000Z",
      skipped: "an operation is running on the cluster (Updating)",
    });
  });

  it("ends when the cluster it has seen is gone, and waits for one not created yet", async () => {
    const gone = await replay("driftMonitor", monitorInput({ seen: true }), {
      orchestrators,
      activity: activities({ cluster: "absent" }).fn,
      start: START,
    });
    assert.equal(gone.status, "Completed");
    assert.equal(lastStatus(gone.customStatuses).skipped, "the cluster is gone");
    // Started with the create: a cluster not there yet is waited for.
    const early = await replay("driftMonitor", monitorInput(), {
      orchestrators,
      activity: activities({ cluster: "absent" }).fn,
      start: START,
    });
    assert.equal(early.status, "ContinuedAsNew");
    assert.equal(lastStatus(early.customStatuses).skipped, "the cluster does not exist yet");
    assert.equal((early.output as DriftMonitorInput).seen, undefined);
  });

  it("runs as the cluster's own instance", () => {
    assert.equal(driftInstanceId(monitorInput().baseInstanceId), `${instanceIdOf(provisionInput())}-drift`);
  });
});
