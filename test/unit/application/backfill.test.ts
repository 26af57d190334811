// The backfill's choices, on stand-in ports: a name's latest life is indexed, an entry the API
// wrote since is kept, a Deleted cluster takes no place in its team's quota, and a second run (the
// marker missing, e.g. a crash before it was written) adds no holder twice.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { backfillIndex, BACKFILL_STEP, type BackfillDeps } from "../../../application/backfill.js";
import type { Instance } from "../../../application/ports.js";
import { deprovisionInstanceId } from "../../../shared/azure/names.js";
import { ORCHESTRATION } from "../../../shared/provision/durable.js";
import type { IndexEntry } from "../../../shared/state/cluster-table.js";
import { memoryState } from "../../helpers/cluster-state.js";
import { provisionInput, spec, succeededInstance } from "../provision/fixtures.js";

function run(name: string, team: string, resourceGroup: string, createdTime: string): Instance {
  return succeededInstance(provisionInput(spec({ name, team, resourceGroup })), createdTime);
}

function deleted(provision: Instance): Instance {
  return {
    instanceId: deprovisionInstanceId(provision.instanceId),
    name: ORCHESTRATION.deprovisionCluster.name,
    input: { rollback: false },
    runtimeStatus: "Completed",
    output: { deleted: ["/c"], kept: [] },
    customStatus: null,
    createdTime: "2026-01-03T00:00:00Z",
  };
}

function deps(instances: Instance[], newer: IndexEntry[] = []) {
  const state = memoryState(newer);
  const marks = new Set<string>();
  const d: BackfillDeps = {
    allInstances: async () => instances,
    index: {
      putIfAbsent: async (e) => {
        if (!state.entries.has(e.name.toLowerCase())) await state.put(e);
      },
      upgraded: async (step) => marks.has(step),
      markUpgraded: async (step) => void marks.add(step),
    },
    quotas: state,
  };
  return { d, state, marks };
}

describe("index backfill", () => {
  const oldLife = run("web", "blue", "rg-one", "2026-01-01T00:00:00Z");
  const newLife = run("web", "blue", "rg-two", "2026-01-04T00:00:00Z");
  const gone = run("gone", "blue", "rg-gone", "2026-01-02T00:00:00Z");
  const other = run("api", "red", "rg-api", "2026-01-02T00:00:00Z");
  const hub = [newLife, oldLife, deleted(oldLife), gone, deleted(gone), other];

  it("indexes each name's latest life and counts the clusters that are not Deleted", async () => {
    const { d, state, marks } = deps(hub);
    assert.deepEqual(await backfillIndex(d), { clusters: 4, names: 3, holders: 2 });
    assert.equal(state.entries.get("web")?.instanceId, newLife.instanceId);
    assert.deepEqual(
      state.rows.get("blue")?.holders.map((h) => h.holder),
      [newLife.instanceId],
    );
    assert.deepEqual(
      state.rows.get("red")?.holders.map((h) => h.holder),
      [other.instanceId],
    );
    assert.ok(marks.has(BACKFILL_STEP));
    // The marker stops a second run before it reads the hub.
    assert.equal(
      await backfillIndex({ ...d, allInstances: () => Promise.reject(new Error("read")) }),
      undefined,
    );
  });

  it("keeps entries the API wrote since and adds no holder twice when run again", async () => {
    const newer = { name: "api", team: "red", instanceId: "aksv-api-newer" };
    const { d, state, marks } = deps(hub, [newer]);
    await backfillIndex(d);
    assert.deepEqual(state.entries.get("api"), newer);
    marks.clear();
    assert.deepEqual(await backfillIndex(d), { clusters: 4, names: 3, holders: 0 });
    assert.equal(state.rows.get("blue")?.holders.length, 1);
  });
});
