// The durable surface (shared/provision/durable.ts) as the compiler and the runtime see it. The
// `@ts-expect-error` lines are the compile-time half: each marks a call the compiler must refuse, and
// the build fails ("unused @ts-expect-error") the day one of them compiles. The tests below are the
// run-time half: calls go out under the declared names, and a failed task becomes the failure the
// declaration names.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { OrchestrationContext } from "durable-functions";
import type { Orchestrations } from "../../../application/ports.js";
import {
  activity,
  activityTask,
  orchestrator,
  subOrchestration,
  type Flow,
} from "../../../orchestrations/durable.js";
import { ORCHESTRATORS } from "../../../orchestrations/registry.js";
import { ACTIVITY, ORCHESTRATION } from "../../../shared/provision/durable.js";
import { activities, drive } from "../provision/driver.js";
import { retry, rgInput, spec, target, timing } from "./inputs.js";

/** Never run: what the compiler refuses in orchestrators. */
export function* refusedCalls(ctx: OrchestrationContext): Flow<void> {
  // @ts-expect-error ensureIdentity takes an IdentityInput (identityName missing), not a resource group's input
  yield* activity(ctx, ACTIVITY.ensureIdentity, rgInput, retry);
  // @ts-expect-error an input with a property the activity does not declare
  yield* activity(ctx, ACTIVITY.ensureResourceGroup, { ...rgInput, spec }, retry);
  // @ts-expect-error the same for a task scheduled to run with others
  activityTask(ctx, ACTIVITY.submitClusterCreate, { target }, retry);
  const rg = yield* activity(ctx, ACTIVITY.ensureResourceGroup, rgInput, retry);
  // @ts-expect-error the output is ActivityResult<ResourceGroupOutput>: it has no principalId
  if (rg.ok) void rg.value.principalId;
  const vnet = yield* activity(ctx, ACTIVITY.ensureVirtualNetwork, { target, spec, tags: {} }, retry);
  // @ts-expect-error a long-running operation's step has a status, not ok
  void vnet.ok;
  // @ts-expect-error a sub-orchestration's input is checked too (namespace missing)
  yield* subOrchestration(ctx, ORCHESTRATION.seedNamespace, { target, timing });
}

/** Never run: what the compiler refuses in the API's starts. */
export async function refusedStarts(o: Orchestrations): Promise<void> {
  const deprovision = { provisionInstanceId: "x", target, spec, timing, rollback: false };
  // @ts-expect-error provisionCluster is started with a ProvisionInput, not a DeprovisionInput
  await o.start(ORCHESTRATION.provisionCluster, { instanceId: "x", input: deprovision });
  await o.start(ORCHESTRATION.deprovisionCluster, { instanceId: "x", input: deprovision });
  // @ts-expect-error only declared orchestrations can be started: no names
  await o.start("provisionCluster", { instanceId: "x", input: {} });
}

/** Never run: what the compiler refuses in orchestrators and their registration. */
export const refusedOrchestrators = [
  // @ts-expect-error an orchestrator returns its declaration's output
  orchestrator(ORCHESTRATION.notifyPipelines, function* (ctx): Flow<{ reported: string }> {
    yield ctx.df.createTimer(new Date(0));
    return { reported: "yes" };
  }),
  {
    ...ORCHESTRATORS,
    // @ts-expect-error seedNamespace's orchestrator cannot be registered under provisionCluster's name
    provisionCluster: ORCHESTRATORS.seedNamespace,
  } satisfies typeof ORCHESTRATORS,
];

describe("typed durable calls", () => {
  it("schedule activities and sub-orchestrations under their declared names and answer their outputs", () => {
    const probe = orchestrator(ORCHESTRATION.notifyPipelines, function* (ctx): Flow<{ reported: boolean }> {
      const rg = yield* activity(ctx, ACTIVITY.ensureResourceGroup, rgInput, retry);
      const seeded = yield* subOrchestration(ctx, ORCHESTRATION.seedNamespace, {
        target,
        namespace: spec.namespaces[0]!,
        timing,
      });
      return { reported: rg.ok && rg.value.created && seeded.ok };
    });
    const run = drive(probe, {}, (s) =>
      s.kind === "activity"
        ? { ok: true, value: { resourceGroupId: "/rg", created: true } }
        : { ok: true, value: { policies: [], workloads: [] } },
    );
    assert.deepEqual(activities(run.log), ["ensureResourceGroup", "sub:seedNamespace"]);
    assert.deepEqual(run.output, { reported: true });
    const call = run.log[0]!;
    assert.equal(
      call.kind === "activity" && call.retry.maxNumberOfAttempts,
      timing.activityRetry.maxAttempts,
    );
  });

  it("turn an activity whose retries ran out into the failure value its declaration names", () => {
    const outcomes: unknown[] = [];
    const probe = orchestrator(ORCHESTRATION.notifyPipelines, function* (ctx): Flow<{ reported: boolean }> {
      outcomes.push(yield* activity(ctx, ACTIVITY.ensureResourceGroup, rgInput, retry));
      outcomes.push(yield* activity(ctx, ACTIVITY.ensureVirtualNetwork, { target, spec, tags: {} }, retry));
      try {
        yield* activity(ctx, ACTIVITY.reportToPipelines, { instanceId: "x", result: "failed" }, retry);
      } catch (e) {
        outcomes.push(`thrown: ${(e as Error).message}`);
      }
      return { reported: false };
    });
    drive(probe, {}, () => ({ throw: "boom" }));
    assert.deepEqual(outcomes, [
      { ok: false, error: { code: "ActivityFailed", message: "boom" } },
      { status: "failed", error: { code: "ActivityFailed", message: "boom" } },
      "thrown: boom",
    ]);
  });
});
