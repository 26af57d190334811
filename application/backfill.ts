// The upgrade from the layout without an index: before the index and quota rows existed (issue 19),
// the API found clusters by listing the task hub, so clusters created then have no rows. This
// one-time step pages the task hub once and writes, for every provisioning instance of a cluster,
// the index rows it would have got (unless the API has written newer ones since) and its place in
// its team's quota (unless the cluster is Deleted), then a marker row so that it never runs again.
// Idempotent: run twice (two instances of the app starting together, a crash before the marker), it
// writes the same rows and adds no holder twice. functions/clusters.ts runs it before the first
// request each process serves; every request of that process waits for it.
import type { Instance } from "./ports.js";
import { isInstanceOf, type QuotaStore } from "./ports.js";
import { deprovisionInstanceId } from "../shared/azure/names.js";
import { ORCHESTRATION } from "../shared/provision/durable.js";
import {
  asProvisionInput,
  buildStatusDocument,
  currentDeprovision,
  timeOf,
} from "../shared/provision/status.js";
import type { IndexEntry, QuotaHolder } from "../shared/state/cluster-table.js";

/** The upgrade step's name in the marker row. */
export const BACKFILL_STEP = "index-backfill-v1";

export interface BackfillDeps {
  /**
   * Every instance in the task hub (the durable client pages it). Only this one-time step lists
   * the hub; no request does.
   */
  allInstances(): Promise<Instance[]>;
  index: {
    putIfAbsent(entry: IndexEntry): Promise<void>;
    upgraded(step: string): Promise<boolean>;
    markUpgraded(step: string, detail: Record<string, number>): Promise<void>;
  };
  quotas: QuotaStore;
}

export interface BackfillReport {
  /** Provisioning instances found in the hub. */
  clusters: number;
  /** Names indexed (each name's latest life). */
  names: number;
  /** Holders added to teams' quota rows (clusters not Deleted that were not counted yet). */
  holders: number;
}

/** Runs the backfill unless its marker row says it ran; undefined when it had already run. */
export async function backfillIndex(deps: BackfillDeps): Promise<BackfillReport | undefined> {
  if (await deps.index.upgraded(BACKFILL_STEP)) return undefined;
  const all = await deps.allInstances();
  const byId = new Map(all.map((i) => [i.instanceId, i]));
  const latest = new Map<string, { entry: IndexEntry; created: number }>();
  const holders = new Map<string, QuotaHolder[]>();
  let clusters = 0;
  for (const provision of all) {
    const input = isInstanceOf(provision, ORCHESTRATION.provisionCluster)
      ? asProvisionInput(provision.input)
      : undefined;
    if (!input) continue;
    clusters++;
    const { name, team } = input.spec;
    const created = timeOf(provision.createdTime);
    const entry = { name, team, instanceId: provision.instanceId };
    const seen = latest.get(name.toLowerCase());
    if (!seen || created > seen.created) latest.set(name.toLowerCase(), { entry, created });
    const deprovision = currentDeprovision(provision, byId.get(deprovisionInstanceId(provision.instanceId)));
    if (buildStatusDocument(provision, deprovision).phase === "Deleted") continue;
    const list = holders.get(team) ?? [];
    list.push({ holder: provision.instanceId, cluster: name, since: created });
    holders.set(team, list);
  }
  for (const { entry } of latest.values()) await deps.index.putIfAbsent(entry);
  let added = 0;
  for (const [team, found] of holders) added += await addHolders(deps.quotas, team, found);
  const report = { clusters, names: latest.size, holders: added };
  await deps.index.markUpgraded(BACKFILL_STEP, { ...report });
  return report;
}

/** Adds the holders the team's row lacks, with If-Match like every quota write; how many it added. */
async function addHolders(store: QuotaStore, team: string, found: QuotaHolder[]): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const row = await store.quota(team);
    const known = new Set(row.holders.map((h) => h.holder));
    const missing = found.filter((h) => !known.has(h.holder));
    if (missing.length === 0) return 0;
    if (await store.writeQuota(team, [...row.holders, ...missing], row.etag)) return missing.length;
  }
  throw new Error(`the quota of team ${team} kept changing during the index backfill`);
}
