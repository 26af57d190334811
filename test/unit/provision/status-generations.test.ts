// The status document's day-2 fields: generation, observedGeneration and operation through a
// create, an update (running, succeeded, failed) and a deletion, and drift from the monitor.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildStatusDocument } from "../../../shared/provision/status.js";
import type { UpdateInput } from "../../../shared/provision/types.js";
import { provisionInput, spec } from "./fixtures.js";

const create = provisionInput(spec({ name: "c1" }));
const update: UpdateInput = {
  ...provisionInput(spec({ name: "c1", nodePool: { count: 3 } })),
  generation: 2,
  observedGeneration: 1,
  previousSpec: create.spec,
  baseInstanceId: "aksv-c1-base",
};
const view = (
  input: unknown,
  runtimeStatus: string,
  output: unknown = null,
  customStatus: unknown = null,
) => ({
  runtimeStatus,
  input,
  output,
  customStatus,
  createdTime: "2026-05-05T08:00:00.000Z",
});
const createdView = {
  ...view(create, "Completed", { phase: "Succeeded", outputs: { clusterId: "/c1" } }),
  createdTime: "2026-05-04T09:00:00.000Z",
};

const fields = (d: ReturnType<typeof buildStatusDocument>) => [
  d.phase,
  d.generation,
  d.observedGeneration,
  d.operation,
];

describe("status document generations", () => {
  it("a create: generation 1, observed 0 until it Succeeded, then 1", () => {
    assert.deepEqual(fields(buildStatusDocument(view(create, "Running"))), ["Accepted", 1, 0, "create"]);
    assert.deepEqual(fields(buildStatusDocument(createdView)), ["Succeeded", 1, 1, "create"]);
  });

  it("an update: generation 2 observed 1 while it runs or after it failed, 2 once Succeeded; the create's time and outputs stay", () => {
    const base = { base: createdView };
    const running = buildStatusDocument(view(update, "Running"), undefined, "/api/clusters", base);
    assert.deepEqual(fields(running), ["Accepted", 2, 1, "update"]);
    assert.equal(running.createdAt, "2026-05-04T09:00:00.000Z");
    assert.equal(running.outputs.clusterId, "/c1");
    const done = view(update, "Completed", { phase: "Succeeded", generation: 2, outputs: {} });
    assert.deepEqual(fields(buildStatusDocument(done, undefined, "/api/clusters", base)), [
      "Succeeded",
      2,
      2,
      "update",
    ]);
    assert.deepEqual(
      fields(buildStatusDocument(view(update, "Failed", "boom"), undefined, "/api/clusters", base)),
      ["Failed", 2, 1, "update"],
    );
  });

  it("a deletion after an update: operation delete, generations kept", () => {
    const deleting = { ...view({ rollback: false }, "Running"), createdTime: "2026-05-05T09:00:00.000Z" };
    const doc = buildStatusDocument(view(update, "Terminated"), deleting, "/api/clusters", {
      base: createdView,
    });
    assert.deepEqual(fields(doc), ["Deleting", 2, 1, "delete"]);
  });

  it("drift: the monitor's custom status, absent without a monitor or before its first report", () => {
    const item = { path: "nodePool.count", expected: 3, actual: 2, detectedAt: "2026-05-05T10:00:00.000Z" };
    const monitor = view({}, "Running", null, {
      drift: [item],
      checkedAt: "2026-05-05T10:00:00.000Z",
      generation: 1,
    });
    assert.deepEqual(buildStatusDocument(createdView, undefined, "/api/clusters", { drift: monitor }).drift, [
      item,
    ]);
    assert.equal(buildStatusDocument(createdView).drift, undefined);
    assert.equal(
      buildStatusDocument(createdView, undefined, "/api/clusters", { drift: view({}, "Running") }).drift,
      undefined,
    );
  });
});
