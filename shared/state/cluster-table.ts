// The app's own small state in Table storage, beside the durable task hub, so that no request has to
// scan the hub: an index of clusters (by name, and by team for the list) and one quota row per team.
// Every operation is a point read, a point write or one partition's query, so its cost does not
// depend on how many clusters other teams have. In Azure the table lives in the Functions storage
// account (AKSV_STATE_TABLE_URL, default AKSV_CALLBACK_TABLE_URL), reached with the app's managed
// identity (role "Storage Table Data Contributor"); locally in the Azure emulator's Table service.
//
// Rows (PartitionKey / RowKey):
//   name-<lowercased cluster name> / cluster   → instanceId (latest operation), team, generation,
//                                                baseInstanceId, previousInstanceId, request0…n:
//                                                GET by name, conflicts, changed with If-Match (ETag)
//   team-<team> / <lowercased cluster name>     → instanceId, previousInstanceId, name: the team's list
//   quota-<team> / quota                        → holders (JSON): the quota, changed with If-Match (ETag)
//   upgrade / <step>                            → done: a one-time upgrade step has run (the backfill)
import { odata, type TableClient, type TableEntityResult } from "@azure/data-tables";
import type { TokenCredential } from "@azure/identity";
import { OwnTable, statusOf, tableClientFor, type TableConfig } from "./table.js";

/**
 * One cluster in the index: the instance id of its latest operation (the create, then each update),
 * which its name and team lead to. The name row also keeps what an update needs to decide without
 * scanning the hub: the generation, the create's id, the operation before the latest (read when the
 * latest has not started yet) and the caller's last accepted request document (what a merge patch
 * applies to). Rows written before updates existed hold only name, team and instanceId (the create).
 */
export interface IndexEntry {
  name: string;
  team: string;
  /** The latest operation's instance id. */
  instanceId: string;
  /** The generation the latest operation brings the cluster to (absent: 1, the create). */
  generation?: number;
  /** The create's instance id (absent: instanceId, the create). */
  baseInstanceId?: string;
  /** The operation before the latest one (absent for the create). */
  previousInstanceId?: string;
  /** The last accepted request document, as JSON text. */
  request?: string;
}

/** An index entry as read, with the ETag a conditional write of its name row must match. */
export interface IndexRow extends IndexEntry {
  etag: string;
  /** When the row was last written (the Table service's Timestamp). */
  updatedAt?: string;
}

/** A cluster counted against its team's quota. */
export interface QuotaHolder {
  /** The provisioning instance id. */
  holder: string;
  /** The cluster's name, for messages. */
  cluster: string;
  /** When the claim was made (ms since epoch). */
  since: number;
}

/** A team's quota row as read: its holders and the ETag a conditional write must match. */
export interface QuotaRow {
  holders: QuotaHolder[];
  /** Undefined when the team has no row yet (the write then inserts). */
  etag: string | undefined;
}

const NAME = "name-";
const TEAM = "team-";
const QUOTA = "quota-";
const key = (name: string) => name.toLowerCase();

function isHolder(v: unknown): v is QuotaHolder {
  const o = v as Partial<QuotaHolder> | null;
  return typeof o?.holder === "string" && typeof o.cluster === "string" && typeof o.since === "number";
}

function holdersOf(raw: unknown): QuotaHolder[] {
  if (typeof raw !== "string") return [];
  const parsed: unknown = JSON.parse(raw);
  return Array.isArray(parsed) ? parsed.filter(isHolder) : [];
}

const UPGRADE = "upgrade";

// A Table string property holds at most 64 KiB (32 K UTF-16 characters); a request document may be
// up to 256 KiB, so it is kept in pieces (an entity holds up to 1 MiB).
const REQUEST_PIECE = 30_000;

function requestPieces(request: string | undefined): Record<string, string | number> {
  if (request === undefined) return {};
  const out: Record<string, string | number> = {};
  let n = 0;
  for (let i = 0; i < request.length; i += REQUEST_PIECE)
    out[`request${n++}`] = request.slice(i, i + REQUEST_PIECE);
  out["requestPieces"] = n;
  return out;
}

function requestOf(row: Record<string, unknown>): string | undefined {
  const n = row["requestPieces"];
  if (typeof n !== "number") return undefined;
  let text = "";
  for (let i = 0; i < n; i++) {
    const piece = row[`request${i}`];
    if (typeof piece !== "string") return undefined;
    text += piece;
  }
  return text;
}

function nameRow(e: IndexEntry) {
  return {
    partitionKey: NAME + key(e.name),
    rowKey: "cluster",
    name: e.name,
    team: e.team,
    instanceId: e.instanceId,
    ...(e.generation !== undefined ? { generation: e.generation } : {}),
    ...(e.baseInstanceId !== undefined ? { baseInstanceId: e.baseInstanceId } : {}),
    ...(e.previousInstanceId !== undefined ? { previousInstanceId: e.previousInstanceId } : {}),
    ...requestPieces(e.request),
  };
}

function teamRow(e: IndexEntry) {
  return {
    partitionKey: TEAM + e.team,
    rowKey: key(e.name),
    name: e.name,
    team: e.team,
    instanceId: e.instanceId,
    // The list falls back to it while the latest operation has not started (or never did).
    ...(e.previousInstanceId !== undefined ? { previousInstanceId: e.previousInstanceId } : {}),
  };
}

export class ClusterStateTable {
  private readonly table: OwnTable;
  private readonly client: TableClient;

  /** Over `client` (its table, credential and pipeline: tests add a policy that counts requests). */
  constructor(client: TableClient) {
    this.table = new OwnTable(client);
    this.client = client;
  }

  static connect(config: TableConfig, credential: TokenCredential): ClusterStateTable {
    return new ClusterStateTable(tableClientFor(config, credential));
  }

  private ready(): Promise<void> {
    return this.table.ready();
  }

  private async get(pk: string, rk: string): Promise<TableEntityResult<Record<string, unknown>> | undefined> {
    await this.ready();
    try {
      return await this.client.getEntity<Record<string, unknown>>(pk, rk);
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw e;
    }
  }

  /** The cluster named `name` (any case): its latest operation, and the row's ETag. */
  async byName(name: string): Promise<IndexRow | undefined> {
    const row = await this.get(NAME + key(name), "cluster");
    if (typeof row?.["instanceId"] !== "string" || typeof row["team"] !== "string") return undefined;
    const text = (k: string) => (typeof row[k] === "string" ? { [k]: row[k] } : {});
    const request = requestOf(row);
    return {
      name: String(row["name"] ?? name),
      team: row["team"],
      instanceId: row["instanceId"],
      ...(typeof row["generation"] === "number" ? { generation: row["generation"] } : {}),
      ...text("baseInstanceId"),
      ...text("previousInstanceId"),
      ...(request !== undefined ? { request } : {}),
      ...(typeof row.timestamp === "string" ? { updatedAt: row.timestamp } : {}),
      etag: row.etag,
    };
  }

  /**
   * Points the name at a new latest operation if its row is still as read (`etag`): the one write
   * that decides between concurrent changes of a cluster. False when another request changed it
   * first. The team row follows (the list reads it), unconditionally: it only mirrors the name row.
   */
  async advance(e: IndexEntry, etag: string): Promise<boolean> {
    await this.ready();
    try {
      await this.client.updateEntity(nameRow(e), "Replace", { etag });
    } catch (err) {
      if (statusOf(err) === 412 || statusOf(err) === 404) return false;
      throw err;
    }
    await this.client.upsertEntity(teamRow(e), "Replace");
    return true;
  }

  /** Records a cluster (idempotent: the same entry again changes nothing; a re-create repoints it). */
  async put(e: IndexEntry): Promise<void> {
    await this.ready();
    await Promise.all([
      this.client.upsertEntity(nameRow(e), "Replace"),
      this.client.upsertEntity(teamRow(e), "Replace"),
    ]);
  }

  /**
   * Records a cluster unless its rows exist: what the backfill writes, so that an entry the API put
   * since (a newer life of that name) is never replaced by an older one.
   */
  async putIfAbsent(e: IndexEntry): Promise<void> {
    await this.ready();
    const insert = async (row: ReturnType<typeof nameRow>) => {
      try {
        await this.client.createEntity(row);
      } catch (err) {
        if (statusOf(err) !== 409) throw err;
      }
    };
    await Promise.all([insert(nameRow(e)), insert(teamRow(e))]);
  }

  /** Has the one-time upgrade step `step` run to its end? */
  async upgraded(step: string): Promise<boolean> {
    return (await this.get(UPGRADE, step)) !== undefined;
  }

  /** Records that `step` ran to its end (idempotent). */
  async markUpgraded(step: string, detail: Record<string, number>): Promise<void> {
    await this.ready();
    await this.client.upsertEntity({ partitionKey: UPGRADE, rowKey: step, ...detail }, "Replace");
  }

  /** Every cluster of `team`, or of every team when `team` is undefined (an admin's list), by name. */
  async list(team: string | undefined): Promise<IndexEntry[]> {
    await this.ready();
    const filter =
      team === undefined
        ? odata`PartitionKey ge ${TEAM} and PartitionKey lt ${"team."}`
        : odata`PartitionKey eq ${TEAM + team}`;
    const out: IndexEntry[] = [];
    for await (const row of this.client.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
      const { name, team: t, instanceId, previousInstanceId } = row;
      if (typeof name === "string" && typeof t === "string" && typeof instanceId === "string")
        out.push({
          name,
          team: t,
          instanceId,
          ...(typeof previousInstanceId === "string" ? { previousInstanceId } : {}),
        });
    }
    return out;
  }

  async quota(team: string): Promise<QuotaRow> {
    const row = await this.get(QUOTA + team, "quota");
    return row ? { holders: holdersOf(row["holders"]), etag: row.etag } : { holders: [], etag: undefined };
  }

  /**
   * Replaces the team's holders if the row is still as read (`etag`; undefined: no row yet).
   * False when another request changed it first: read again and decide again.
   */
  async writeQuota(team: string, holders: QuotaHolder[], etag: string | undefined): Promise<boolean> {
    await this.ready();
    const entity = { partitionKey: QUOTA + team, rowKey: "quota", holders: JSON.stringify(holders) };
    try {
      if (etag === undefined) await this.client.createEntity(entity);
      else await this.client.updateEntity(entity, "Replace", { etag });
      return true;
    } catch (e) {
      // 409: another request inserted the row first; 412: it changed since we read it.
      if (statusOf(e) === 409 || statusOf(e) === 412) return false;
      throw e;
    }
  }
}
