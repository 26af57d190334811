// When a quota slot still counts (TeamQuota's rules), against an in-memory stand-in for the durable
// client with the two properties the quota relies on: startNew refuses an instance id that is still
// running, and a slot completes on a release naming its holder (the rule clusterQuotaSlot applies).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Instance, Orchestrations } from "../../../application/ports.js";
import { TeamQuota, type Holding } from "../../../application/team-quota.js";
import { loadConfig } from "../../../shared/config/index.js";
import { quotaSlotId, releases, type QuotaSlotInput } from "../../../shared/provision/quota.js";

const T0 = Date.parse("2026-01-01T00:00:00Z");

function durable(clock: { now: number }) {
  const instances = new Map<string, Instance>();
  const o: Orchestrations = {
    async start(orchestration, { instanceId, input }) {
      const existing = instances.get(instanceId);
      if (existing && ["Pending", "Running"].includes(existing.runtimeStatus))
        throw new Error(
          `An orchestration instance with the ID '${instanceId}' already exists and is still running.`,
        );
      instances.set(instanceId, {
        instanceId,
        name: orchestration.name,
        input,
        runtimeStatus: "Running",
        output: null,
        customStatus: null,
        createdTime: new Date(clock.now).toISOString(),
      });
      return instanceId;
    },
    async getStatus(id) {
      return instances.get(id);
    },
    async getStatusAll() {
      return [...instances.values()];
    },
    async terminate() {},
    async raiseEvent(id, _event, data) {
      const i = instances.get(id);
      if (i?.runtimeStatus === "Running" && releases(i.input as QuotaSlotInput, id, data))
        i.runtimeStatus = "Completed";
    },
  };
  return { o, instances };
}

function setup(holdings: Record<string, Holding>, quota = "1") {
  const clock = { now: T0 };
  const { o, instances } = durable(clock);
  const q = new TeamQuota({
    orchestrations: o,
    quota: loadConfig({ AKSV_TEAM_QUOTA: quota }).quota,
    holding: (h) => holdings[h],
    now: () => clock.now,
    settleMs: 50,
  });
  const claim = (holder: string, team = "gamma") =>
    q.claim({ team, holder, cluster: holder.replace("aksv-", "") });
  return { clock, instances, claim };
}

describe("team quota slots", () => {
  it("gives the same holder its slot again and refuses another holder beyond the quota, naming the clusters", async () => {
    const { claim } = setup({ "aksv-a": { name: "a", team: "gamma", phase: "Provisioning" } });
    assert.deepEqual(await claim("aksv-a"), { ok: true, slot: quotaSlotId("gamma", 0), started: true });
    assert.deepEqual(await claim("aksv-a"), { ok: true, slot: quotaSlotId("gamma", 0), started: false });
    assert.deepEqual(await claim("aksv-b"), {
      ok: false,
      limit: 1,
      setting: "AKSV_TEAM_QUOTA",
      clusters: ["a"],
    });
    assert.equal((await claim("aksv-b", "delta")).ok, true, "other teams have their own slots");
  });

  it("frees the slot of a cluster deleted after the claim, but not one claimed after the deletion (a re-create)", async () => {
    const holdings: Record<string, Holding> = {
      "aksv-a": { name: "a", team: "gamma", phase: "Provisioning" },
    };
    const { clock, claim } = setup(holdings);
    await claim("aksv-a");
    clock.now += 1000;
    holdings["aksv-a"] = { name: "a", team: "gamma", phase: "Deleted", deletedSince: clock.now };
    clock.now += 1000;
    // The re-create of a gets a fresh slot (the stale one is released first, not reused).
    assert.deepEqual(await claim("aksv-a"), { ok: true, slot: quotaSlotId("gamma", 0), started: true });
    clock.now += 1000;
    // Its provisioning has not restarted yet (still Deleted), but the slot is younger than the deletion.
    assert.deepEqual(await claim("aksv-b"), {
      ok: false,
      limit: 1,
      setting: "AKSV_TEAM_QUOTA",
      clusters: ["a"],
    });
  });

  it("frees a slot whose holder's cluster now belongs to another team, and a claim whose holder never started once it is old", async () => {
    const holdings: Record<string, Holding> = { "aksv-a": { name: "a", team: "gamma", phase: "Succeeded" } };
    const { clock, claim } = setup(holdings);
    await claim("aksv-a");
    holdings["aksv-a"] = { name: "a", team: "delta", phase: "Succeeded" };
    assert.equal((await claim("aksv-b")).ok, true, "a's slot of gamma no longer counts");

    delete holdings["aksv-b"]; // b never started (say the API crashed between claim and start)
    assert.equal((await claim("aksv-c")).ok, false, "a young claim still counts");
    clock.now += 5 * 60_000 + 1;
    assert.equal((await claim("aksv-c")).ok, true, "an orphaned claim is freed after five minutes");
  });

  it("counts a holder once: a second slot of the same holder (from a lost race) is released", async () => {
    const { instances, claim } = setup(
      { "aksv-a": { name: "a", team: "gamma", phase: "Provisioning" } },
      "2",
    );
    const input = { team: "gamma", holder: "aksv-a", cluster: "a" };
    for (const k of [0, 1])
      instances.set(quotaSlotId("gamma", k), {
        instanceId: quotaSlotId("gamma", k),
        name: "clusterQuotaSlot",
        input,
        runtimeStatus: "Running",
        output: null,
        customStatus: null,
        createdTime: new Date(T0 + k).toISOString(),
      });
    assert.deepEqual(await claim("aksv-b"), { ok: true, slot: quotaSlotId("gamma", 1), started: true });
    assert.equal(instances.get(quotaSlotId("gamma", 0))?.runtimeStatus, "Running");
  });
});
