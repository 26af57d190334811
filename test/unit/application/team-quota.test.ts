// When a quota claim still counts (TeamQuota's rules), against the in-memory stand-in for the team's
// quota row, which refuses a write carrying a stale ETag as Table storage does.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TeamQuota, type Holding } from "../../../application/team-quota.js";
import { loadConfig } from "../../../shared/config/index.js";
import { memoryState } from "../../helpers/cluster-state.js";

const T0 = Date.parse("2026-01-01T00:00:00Z");

function setup(holdings: Record<string, Holding>, quota = "1") {
  const clock = { now: T0 };
  const state = memoryState();
  const reads: string[] = [];
  const q = new TeamQuota({
    store: state,
    quota: loadConfig({ AKSV_TEAM_QUOTA: quota }).quota,
    holding: async (h) => {
      reads.push(h);
      return holdings[h];
    },
    now: () => clock.now,
  });
  const claim = (holder: string, team = "gamma") =>
    q.claim({ team, holder, cluster: holder.replace("aksv-", "") });
  return { clock, state, claim, reads, q };
}

const refused = (clusters: string[], limit = 1) => ({
  ok: false,
  limit,
  setting: "AKSV_TEAM_QUOTA",
  clusters,
});

describe("team quota row", () => {
  it("gives the same holder its claim again and refuses another holder beyond the quota, naming the clusters", async () => {
    const { claim } = setup({ "aksv-a": { name: "a", team: "gamma", phase: "Provisioning" } });
    assert.deepEqual(await claim("aksv-a"), { ok: true });
    assert.deepEqual(await claim("aksv-a"), { ok: true });
    assert.deepEqual(await claim("aksv-b"), refused(["a"]));
    assert.deepEqual(await claim("aksv-b", "delta"), { ok: true }, "other teams have their own rows");
  });

  it("frees the claim of a cluster deleted after it, but not one made after the deletion (a re-create)", async () => {
    const holdings: Record<string, Holding> = {
      "aksv-a": { name: "a", team: "gamma", phase: "Provisioning" },
    };
    const { clock, claim } = setup(holdings);
    await claim("aksv-a");
    clock.now += 1000;
    holdings["aksv-a"] = { name: "a", team: "gamma", phase: "Deleted", deletedSince: clock.now };
    clock.now += 1000;
    assert.deepEqual(await claim("aksv-a"), { ok: true }, "the re-create of a counts from now");
    clock.now += 1000;
    // Its provisioning has not restarted yet (still Deleted), but the claim is younger than the deletion.
    assert.deepEqual(await claim("aksv-b"), refused(["a"]));
    holdings["aksv-a"] = { name: "a", team: "gamma", phase: "Deleted", deletedSince: clock.now };
    assert.deepEqual(await claim("aksv-b"), { ok: true }, "deleted again: its claim no longer counts");
  });

  it("frees a claim whose cluster now belongs to another team, and one whose holder never started once it is old", async () => {
    const holdings: Record<string, Holding> = { "aksv-a": { name: "a", team: "gamma", phase: "Succeeded" } };
    const { clock, claim } = setup(holdings);
    await claim("aksv-a");
    holdings["aksv-a"] = { name: "a", team: "delta", phase: "Succeeded" };
    assert.deepEqual(await claim("aksv-b"), { ok: true }, "a's claim on gamma no longer counts");

    // b never started (say the API crashed between claim and start)
    assert.deepEqual(await claim("aksv-c"), refused(["b"]), "a young claim still counts");
    clock.now += 5 * 60_000 + 1;
    assert.deepEqual(await claim("aksv-c"), { ok: true }, "an orphaned claim is freed after five minutes");
  });

  it("is exact under racing claims: 20 at once for a quota of 5 admit exactly 5", async () => {
    const holdings: Record<string, Holding> = {};
    for (let i = 0; i < 20; i++) holdings[`aksv-c${i}`] = { name: `c${i}`, team: "gamma", phase: "Accepted" };
    const { claim, state } = setup(holdings, "5");
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => claim(`aksv-c${i}`)));
    assert.equal(answers.filter((a) => a.ok).length, 5);
    assert.equal(state.rows.get("gamma")?.holders.length, 5);
  });

  it("commits a burst of one team's claims in groups: 50 at once cost a few reads and writes of the row, not one per lost race", async () => {
    const { claim, state } = setup({}, "100");
    let reads = 0;
    let writes = 0;
    const { quota, writeQuota } = state;
    state.quota = (team) => (reads++, quota(team));
    state.writeQuota = (team, holders, etag) => (writes++, writeQuota(team, holders, etag));
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => claim(`aksv-c${i}`)));
    assert.ok(answers.every((a) => a.ok));
    assert.equal(state.rows.get("gamma")?.holders.length, 50, "every claim is in the row");
    // The first claim alone, then the 49 that queued behind its write.
    assert.equal(writes, 2);
    assert.equal(reads, 2);
  });

  it("stays exact when two processes' groups race on the same row: 2 × 20 claims for a quota of 5 admit 5", async () => {
    const holdings: Record<string, Holding> = {};
    for (let i = 0; i < 40; i++) holdings[`aksv-c${i}`] = { name: `c${i}`, team: "gamma", phase: "Accepted" };
    const { claim, state } = setup(holdings, "5");
    const other = new TeamQuota({
      store: state,
      quota: loadConfig({ AKSV_TEAM_QUOTA: "5" }).quota,
      holding: async (h) => holdings[h],
      now: () => T0,
    });
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        i % 2 ? claim(`aksv-c${i}`) : other.claim({ team: "gamma", holder: `aksv-c${i}`, cluster: `c${i}` }),
      ),
    );
    assert.equal(answers.filter((a) => a.ok).length, 5);
    assert.equal(state.rows.get("gamma")?.holders.length, 5);
  });

  it("reads no cluster status while the row has room, and only the team's own holders when it is full", async () => {
    const holdings: Record<string, Holding> = {};
    for (const c of ["a", "b", "c"]) holdings[`aksv-${c}`] = { name: c, team: "gamma", phase: "Succeeded" };
    const { claim, reads } = setup(holdings, "2");
    await claim("aksv-a");
    await claim("aksv-b");
    await claim("aksv-x", "delta");
    assert.deepEqual(reads, []);
    assert.equal((await claim("aksv-c")).ok, false);
    assert.deepEqual(reads.sort(), ["aksv-a", "aksv-b"]);
  });

  it("release stops counting a holder", async () => {
    const { claim, q } = setup({ "aksv-a": { name: "a", team: "gamma", phase: "Accepted" } });
    await claim("aksv-a");
    await q.release("gamma", "aksv-a");
    assert.deepEqual(await claim("aksv-b"), { ok: true });
  });
});
