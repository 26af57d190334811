// A team's quota: one Table row per team listing the clusters it counts (shared/state/cluster-table.ts),
// changed only with If-Match on the ETag it was read with. Exact under concurrency (of two requests
// that read the same row, only one write succeeds; the other reads again and decides again), and a
// claim costs one read and one write whatever the number of clusters in the task hub: the statuses
// of the team's own holders are read only when the row is full, to free the slots of deleted
// clusters. Nothing polls: a lost write is retried at once (after a short jitter), never waited for.
//
// Within one process the changes to a team's row are committed in groups: the claims and releases
// that arrive while a write of that row is in flight wait for it, then all of them are decided one
// after the other on one read and written with one conditional write. Without that, n requests of a
// team at once cost O(n²) reads and writes (each lost write reads and tries again: 50 at once made
// 1,275 attempts); with it, a burst costs a few round trips, and the decisions are the same as if
// the requests had come one by one. Other processes' writes are still excluded by the ETag.
import { teamQuota, type QuotaConfig } from "../shared/config/index.js";
import type { Phase } from "../shared/provision/types.js";
import type { QuotaHolder } from "../shared/state/cluster-table.js";
import type { QuotaStore } from "./ports.js";

/** What the API knows of the cluster a holder (a provisioning instance id) stands for. */
export interface Holding {
  name: string;
  team: string;
  phase: Phase;
  /** When the deletion that made it Deleted was requested (ms since epoch). */
  deletedSince?: number;
}

export interface TeamQuotaDeps {
  store: QuotaStore;
  quota: QuotaConfig;
  /** The cluster a holder stands for now (undefined: its provisioning never started). */
  holding(holder: string): Promise<Holding | undefined>;
  now(): number;
  /** A claim whose holder never started (the API crashed in between) is freed after this. */
  orphanAfterMs?: number;
  /** Conditional writes tried before giving up (each lost one means another request got through). */
  maxAttempts?: number;
}

export interface ClaimRequest {
  team: string;
  /** The provisioning instance id whose cluster the claim counts. */
  holder: string;
  /** The cluster's name, for messages. */
  cluster: string;
}

export type Claim = { ok: true } | { ok: false; limit: number; setting: string; clusters: string[] };

/** The quota row kept changing under this request: it answers 503 and the caller tries again. */
export class QuotaContentionError extends Error {
  constructor(team: string, attempts: number) {
    super(`the quota of team ${team} changed under ${attempts} attempts in a row`);
    this.name = "QuotaContentionError";
  }
}

/** A few milliseconds, growing with the attempts lost, so that racing requests spread out. */
function jitter(attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(2 ** attempt, 50);
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A change to a team's holders: the new holders (undefined: none) and what the caller is told. */
type Change<T> = (holders: QuotaHolder[]) => Promise<{ holders: QuotaHolder[] | undefined; result: T }>;

interface Queued {
  change: Change<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export class TeamQuota {
  constructor(private readonly deps: TeamQuotaDeps) {}

  /**
   * Does the claim no longer count? Its cluster was deleted after the claim (a claim made after the
   * deletion is a re-create's), now belongs to another team, or never started and the claim is old.
   */
  private stale(team: string, claim: QuotaHolder, h: Holding | undefined): boolean {
    if (!h) return this.deps.now() - claim.since > (this.deps.orphanAfterMs ?? 5 * 60_000);
    if (h.phase === "Deleted") return (h.deletedSince ?? 0) >= claim.since;
    return h.team !== team;
  }

  /** The holders that still count (reads the statuses of this team's holders only). */
  private async live(team: string, holders: QuotaHolder[]): Promise<QuotaHolder[]> {
    const now = await Promise.all(holders.map((h) => this.deps.holding(h.holder)));
    return holders.filter((h, i) => !this.stale(team, h, now[i]));
  }

  /** Per team: the changes waiting for the write in flight to end (present while one is in flight). */
  private readonly queued = new Map<string, Queued[]>();

  /** Changes the team's row with `change`, in the next group of changes to that row. */
  private update<T>(team: string, change: Change<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const waiting = this.queued.get(team);
      const entry: Queued = { change, resolve: resolve as (v: unknown) => void, reject };
      if (waiting) {
        waiting.push(entry);
        return;
      }
      this.queued.set(team, []);
      void this.commitGroups(team, [entry]);
    });
  }

  /** Commits `group`, then whatever queued meanwhile, until nothing waits. */
  private async commitGroups(team: string, group: Queued[]): Promise<void> {
    for (;;) {
      await this.commit(team, group);
      const next = this.queued.get(team) ?? [];
      if (next.length === 0) {
        this.queued.delete(team);
        return;
      }
      this.queued.set(team, []);
      group = next;
    }
  }

  /**
   * Decides every change of `group` in turn on one read of the row (each sees the ones before it)
   * and writes the result once, conditionally; a lost write (another process changed the row)
   * reads and decides all of them again.
   */
  private async commit(team: string, group: Queued[]): Promise<void> {
    const max = this.deps.maxAttempts ?? 50;
    try {
      for (let attempt = 0; attempt < max; attempt++) {
        const row = await this.deps.store.quota(team);
        let holders = row.holders;
        let changed = false;
        const outcomes: { ok: boolean; value: unknown }[] = [];
        for (const q of group) {
          try {
            const r = await q.change(holders);
            if (r.holders) {
              holders = r.holders;
              changed = true;
            }
            outcomes.push({ ok: true, value: r.result });
          } catch (e) {
            outcomes.push({ ok: false, value: e });
          }
        }
        if (!changed || (await this.deps.store.writeQuota(team, holders, row.etag))) {
          group.forEach((q, i) => (outcomes[i]!.ok ? q.resolve : q.reject)(outcomes[i]!.value));
          return;
        }
        await jitter(attempt);
      }
      const busy = new QuotaContentionError(team, max);
      group.forEach((q) => q.reject(busy));
    } catch (e) {
      // The row could not be read or written: every change of the group fails with that error.
      group.forEach((q) => q.reject(e));
    }
  }

  /** Counts `input.holder` against its team's quota, or says which clusters fill it. */
  claim(input: ClaimRequest): Promise<Claim> {
    const { team, holder, cluster } = input;
    const limit = teamQuota(this.deps.quota, team);
    return this.update<Claim>(team, async (current) => {
      // The holder's own earlier claim is replaced: a re-create after a deletion counts from now.
      let holders = current.filter((h) => h.holder !== holder);
      if (holders.length >= limit) holders = await this.live(team, holders);
      if (holders.length >= limit) {
        const setting = this.deps.quota.perTeam[team] !== undefined ? "AKSV_TEAM_QUOTAS" : "AKSV_TEAM_QUOTA";
        const clusters = [...new Set(holders.map((h) => h.cluster))].sort();
        return { holders: undefined, result: { ok: false, limit, setting, clusters } };
      }
      return { holders: [...holders, { holder, cluster, since: this.deps.now() }], result: { ok: true } };
    });
  }

  /** Stops counting `holder` (its provisioning could not be started). */
  release(team: string, holder: string): Promise<void> {
    return this.update(team, async (current) => ({
      holders: current.some((h) => h.holder === holder)
        ? current.filter((h) => h.holder !== holder)
        : undefined,
      result: undefined,
    }));
  }
}
