// A team's quota: one Table row per team listing the clusters it counts (shared/state/cluster-table.ts),
// changed only with If-Match on the ETag it was read with. Exact under concurrency (of two requests
// that read the same row, only one write succeeds; the other reads again and decides again), and a
// claim costs one read and one write whatever the number of clusters in the task hub: the statuses
// of the team's own holders are read only when the row is full, to free the slots of deleted
// clusters. Nothing polls: a lost write is retried at once (after a short jitter), never waited for.
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

  /** Changes the team's row with `change` until a conditional write succeeds. */
  private async update<T>(
    team: string,
    change: (holders: QuotaHolder[]) => Promise<{ holders: QuotaHolder[] | undefined; result: T }>,
  ): Promise<T> {
    const max = this.deps.maxAttempts ?? 50;
    for (let attempt = 0; attempt < max; attempt++) {
      const row = await this.deps.store.quota(team);
      const { holders, result } = await change(row.holders);
      if (!holders || (await this.deps.store.writeQuota(team, holders, row.etag))) return result;
      await jitter(attempt);
    }
    throw new QuotaContentionError(team, max);
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
