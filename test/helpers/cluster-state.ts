// An in-memory stand-in for the app's Table rows (ClusterIndex and QuotaStore of application/ports.ts)
// with the one property the quota relies on: a write carrying a stale ETag is refused. The real
// adapter (shared/state/cluster-table.ts) is exercised against the Table service in integration tests.
import type { ClusterIndex, QuotaStore } from "../../application/ports.js";
import type { IndexEntry, QuotaHolder } from "../../shared/state/cluster-table.js";

export interface MemoryState extends ClusterIndex, QuotaStore {
  entries: Map<string, IndexEntry & { etag?: string }>;
  rows: Map<string, { holders: QuotaHolder[]; etag: number }>;
}

export function memoryState(initial: IndexEntry[] = []): MemoryState {
  const entries = new Map<string, IndexEntry & { etag?: string }>(
    initial.map((e) => [e.name.toLowerCase(), e]),
  );
  let etags = 0;
  const rows = new Map<string, { holders: QuotaHolder[]; etag: number }>();
  return {
    entries,
    rows,
    async byName(name) {
      const e = entries.get(name.toLowerCase());
      return e && { ...e, etag: e.etag ?? "0" };
    },
    async put(e) {
      entries.set(e.name.toLowerCase(), { ...e, etag: String(++etags) });
    },
    async advance(e, etag) {
      const now = entries.get(e.name.toLowerCase());
      if (!now || (now.etag ?? "0") !== etag) return false;
      entries.set(e.name.toLowerCase(), { ...e, etag: String(++etags) });
      return true;
    },
    async list(team) {
      return [...entries.values()]
        .filter((e) => team === undefined || e.team === team)
        .sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()));
    },
    async quota(team) {
      const row = rows.get(team);
      return row
        ? { holders: structuredClone(row.holders), etag: String(row.etag) }
        : { holders: [], etag: undefined };
    },
    async writeQuota(team, holders, etag) {
      const row = rows.get(team);
      if ((row ? String(row.etag) : undefined) !== etag) return false;
      rows.set(team, { holders: structuredClone(holders), etag: (row?.etag ?? 0) + 1 });
      return true;
    },
  };
}
