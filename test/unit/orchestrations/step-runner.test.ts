// The step bookkeeping orchestrators share (orchestrations/step-runner.ts): a step is Running before
// its work waits and Succeeded (with its outputs) or Failed after; a failure ends the flow with
// StepFailed; steps run together all end (none left running behind a failed one) and fail the one
// whose task failed, and a crash is not a step failure.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { OrchestrationContext } from "durable-functions";
import { activity, activityTask, subOrchestrationTask, type Flow } from "../../../orchestrations/durable.js";
import { StepFailed, StepRunner } from "../../../orchestrations/step-runner.js";
import { ACTIVITY, ORCHESTRATION } from "../../../shared/provision/durable.js";
import type { ProvisionCustomStatus } from "../../../shared/provision/types.js";
import { activities, drive, type Answer, type Scheduled } from "../provision/driver.js";
import { identityInput, retry, rgInput, spec, target, timing } from "./inputs.js";

/** Runs `flow` with a StepRunner over steps a and b; answers what it returned or the StepFailed. */
function run(
  flow: (ctx: OrchestrationContext, r: StepRunner) => Flow<unknown>,
  answer: (s: Scheduled) => Answer,
) {
  return drive(
    function* (ctx: OrchestrationContext): Flow<unknown> {
      const r = new StepRunner(ctx, ["a", "b"], "Provisioning");
      try {
        return yield* flow(ctx, r);
      } catch (e) {
        if (e instanceof StepFailed) return { failed: e.failure, status: r.status };
        throw e;
      }
    },
    {},
    answer,
  );
}

const status = (statuses: unknown[]) => statuses.at(-1) as ProvisionCustomStatus;
const stateOf = (s: ProvisionCustomStatus) => s.steps.map((x) => `${x.name}:${x.status}`);

describe("StepRunner", () => {
  it("publishes a step Running before its work waits, then Succeeded with the outputs it produced", () => {
    const r = run(
      function* (ctx, steps) {
        return yield* steps.step("a", () => activity(ctx, ACTIVITY.ensureResourceGroup, rgInput, retry), {
          outputs: (v) => ({ resourceGroupId: v.resourceGroupId }),
        });
      },
      () => ({ ok: true, value: { resourceGroupId: "/rg", created: true } }),
    );
    assert.deepEqual(r.output, { resourceGroupId: "/rg", created: true });
    // What the status said when the activity was scheduled (the last publish before the first task).
    const beforeWait = r.statuses.at(-2) as ProvisionCustomStatus;
    assert.deepEqual(stateOf(beforeWait), ["a:Running", "b:Pending"]);
    const after = status(r.statuses);
    assert.deepEqual(stateOf(after), ["a:Succeeded", "b:Pending"]);
    assert.deepEqual(after.outputs, { resourceGroupId: "/rg" });
    assert.equal(after.steps[0]!.startedAt, "2026-01-01T00:00:00.000Z");
  });

  it("ends the flow with StepFailed on a failed result, the step Failed with the error and the rest untouched", () => {
    const r = run(
      function* (ctx, steps) {
        yield* steps.step("a", () => activity(ctx, ACTIVITY.ensureResourceGroup, rgInput, retry));
        return "not reached";
      },
      () => ({ ok: false, error: { code: "QuotaExceeded", message: "no" } }),
    );
    const out = r.output as { failed: { step: string; code: string }; status: ProvisionCustomStatus };
    assert.deepEqual(out.failed, { code: "QuotaExceeded", message: "no", step: "a" });
    assert.deepEqual(stateOf(out.status), ["a:Failed", "b:Pending"]);
    assert.deepEqual(out.status.steps[0]!.error, { code: "QuotaExceeded", message: "no" });
    assert.deepEqual(out.status.error, { code: "QuotaExceeded", message: "no", step: "a" });
  });

  it("runs steps together until every one has ended: a sibling of a task that ran out of retries is waited for and settled", () => {
    const r = run(
      function* (ctx, steps) {
        const [rg, id] = yield* steps.together(
          ["a", "b"],
          [
            activityTask(ctx, ACTIVITY.ensureIdentity, identityInput, retry),
            activityTask(ctx, ACTIVITY.ensureResourceGroup, rgInput, retry),
          ],
        );
        steps.settleAll(["a", "b"], [rg, id]);
        return "not reached";
      },
      (s) =>
        s.kind === "activity" && s.name === "ensureIdentity"
          ? { throw: "Activity function 'ensureIdentity' failed: PrincipalNotFound: not yet" }
          : { ok: true, value: { resourceGroupId: "/rg", created: true } },
    );
    const out = r.output as { failed: { step: string; code: string }; status: ProvisionCustomStatus };
    assert.equal(out.failed.step, "a");
    assert.equal(out.failed.code, "PrincipalNotFound");
    // Task.all failed fast at the identity; the group was still waited for, once.
    assert.deepEqual(activities(r.log), ["ensureIdentity", "ensureResourceGroup"]);
    assert.deepEqual(stateOf(out.status), ["a:Failed", "b:Succeeded"]);
    assert.equal(out.status.error?.step, "a");
  });

  it("settles every step of a group before ending the flow with the first failure", () => {
    const r = run(
      function* (_ctx, steps) {
        steps.start("a", "b");
        steps.settleAll(
          ["a", "b"],
          [
            { ok: false, error: { code: "First", message: "1" } },
            { ok: false, error: { code: "Second", message: "2" } },
          ],
        );
        yield* [];
        return "not reached";
      },
      () => undefined,
    );
    const out = r.output as { failed: { step: string; code: string }; status: ProvisionCustomStatus };
    assert.equal(out.failed.step, "a");
    assert.deepEqual(stateOf(out.status), ["a:Failed", "b:Failed"]);
    assert.equal(out.status.error?.code, "First");
  });

  it("answers the outputs of steps run together, in order, for the flow to settle", () => {
    const r = run(
      function* (ctx, steps) {
        const [rg, id] = yield* steps.together(
          ["a", "b"],
          [
            activityTask(ctx, ACTIVITY.ensureResourceGroup, rgInput, retry),
            activityTask(ctx, ACTIVITY.ensureIdentity, identityInput, retry),
          ],
        );
        steps.settle("b", id, { outputs: (v) => ({ identityPrincipalId: v.principalId }) });
        return steps.settle("a", rg).resourceGroupId;
      },
      (s) =>
        s.kind === "activity" && s.name === "ensureIdentity"
          ? { ok: true, value: { identityId: "/id", principalId: "p", clientId: "c" } }
          : { ok: true, value: { resourceGroupId: "/rg", created: true } },
    );
    assert.equal(r.output, "/rg");
    assert.deepEqual(stateOf(status(r.statuses)), ["a:Succeeded", "b:Succeeded"]);
    assert.deepEqual(status(r.statuses).outputs, { identityPrincipalId: "p" });
  });

  it("throws a crashed sub-orchestration as is: a crash is not a step's failure", () => {
    assert.throws(
      () =>
        run(
          function* (ctx, steps) {
            return yield* steps.together(
              ["a"],
              [
                subOrchestrationTask(ctx, ORCHESTRATION.seedNamespace, {
                  target,
                  namespace: spec.namespaces[0]!,
                  timing,
                }),
              ],
            );
          },
          () => ({ throw: "orchestrator crashed" }),
        ),
      /orchestrator crashed/,
    );
  });
});
