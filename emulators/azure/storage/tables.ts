// The Table service's model: tables of entities keyed by (PartitionKey, RowKey), with ETags and the
// service's conditional-write rules. No HTTP here (table-server.ts maps the wire onto it). Persisted
// as one JSON file, <stateDir>/azure/tables.json, written atomically after every change (the data is
// a handful of rows).
import { readJsonFile, writeJsonFile } from "../core/store.js";

/** An entity's properties as the wire carries them (values plus "Name@odata.type" annotations). */
export type EntityProperties = Record<string, unknown>;

export interface StoredEntity {
  partitionKey: string;
  rowKey: string;
  properties: EntityProperties;
  /** ISO time of the last write (the service's Timestamp property). */
  timestamp: string;
  etag: string;
}

/** One of the Table service's error answers, with its real code. */
export class TableServiceError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const ERRORS = {
  tableNotFound: () => new TableServiceError(404, "TableNotFound", "The table specified does not exist."),
  tableExists: () => new TableServiceError(409, "TableAlreadyExists", "The table specified already exists."),
  entityNotFound: () =>
    new TableServiceError(404, "ResourceNotFound", "The specified resource does not exist."),
  entityExists: () =>
    new TableServiceError(409, "EntityAlreadyExists", "The specified entity already exists."),
  conditionFailed: () =>
    new TableServiceError(
      412,
      "UpdateConditionNotSatisfied",
      "The update condition specified in the request was not satisfied.",
    ),
  invalidTableName: () =>
    new TableServiceError(
      400,
      "InvalidResourceName",
      "The specifed resource name contains invalid characters.",
    ),
};

const TABLE_NAME = /^[A-Za-z][A-Za-z0-9]{2,62}$/;

interface TablesFile {
  version: 1;
  /** Table name (as created) → "pk\u0000rk" → entity. */
  tables: Record<string, Record<string, StoredEntity>>;
}

/** The service's ETag shape: W/"datetime'<url-encoded ISO time with 7 fractional digits>'". */
function etagFor(time: Date, sequence: number): string {
  const iso = time
    .toISOString()
    .replace(/\.(\d{3})Z$/, (_, ms: string) => `.${ms}${String(sequence % 10000).padStart(4, "0")}Z`);
  return `W/"datetime'${encodeURIComponent(iso)}'"`;
}

export class TableStore {
  private state: TablesFile;
  private readonly file: string;
  private sequence = 0;

  constructor(dir: string, reset: boolean) {
    const { file, loaded } = readJsonFile<TablesFile>(dir, "tables.json", reset);
    this.file = file;
    this.state = loaded?.version === 1 ? loaded : { version: 1, tables: {} };
  }

  private save(): void {
    writeJsonFile(this.file, this.state);
  }

  /** Table names are case-insensitive in the service; the name keeps its creation casing. */
  private tableKey(name: string): string | undefined {
    return Object.keys(this.state.tables).find((t) => t.toLowerCase() === name.toLowerCase());
  }

  private rows(table: string): Record<string, StoredEntity> {
    const key = this.tableKey(table);
    if (key === undefined) throw ERRORS.tableNotFound();
    return this.state.tables[key]!;
  }

  listTables(): string[] {
    return Object.keys(this.state.tables).sort();
  }

  createTable(name: string): void {
    if (!TABLE_NAME.test(name) || name.toLowerCase() === "tables") throw ERRORS.invalidTableName();
    if (this.tableKey(name) !== undefined) throw ERRORS.tableExists();
    this.state.tables[name] = {};
    this.save();
  }

  deleteTable(name: string): void {
    const key = this.tableKey(name);
    if (key === undefined) throw ERRORS.tableNotFound();
    delete this.state.tables[key];
    this.save();
  }

  get(table: string, pk: string, rk: string): StoredEntity {
    const e = this.rows(table)[`${pk}\u0000${rk}`];
    if (!e) throw ERRORS.entityNotFound();
    return e;
  }

  /** Entities in key order, filtered (the caller compiles $filter into `keep`). */
  query(table: string, keep: (e: StoredEntity) => boolean): StoredEntity[] {
    return Object.values(this.rows(table))
      .filter(keep)
      .sort((a, b) =>
        a.partitionKey === b.partitionKey
          ? a.rowKey < b.rowKey
            ? -1
            : 1
          : a.partitionKey < b.partitionKey
            ? -1
            : 1,
      );
  }

  /**
   * Every write: insert (no existing row allowed), or update/merge with an If-Match (`*` or an ETag,
   * the row must exist), or upsert (no If-Match: insert or replace/merge).
   */
  write(
    table: string,
    pk: string,
    rk: string,
    properties: EntityProperties,
    o: { mode: "insert" | "replace" | "merge"; ifMatch?: string },
  ): StoredEntity {
    const rows = this.rows(table);
    const key = `${pk}\u0000${rk}`;
    const existing = rows[key];
    if (o.mode === "insert" && existing) throw ERRORS.entityExists();
    if (o.ifMatch !== undefined) {
      if (!existing) throw ERRORS.entityNotFound();
      if (o.ifMatch !== "*" && o.ifMatch !== existing.etag) throw ERRORS.conditionFailed();
    }
    const now = new Date();
    const merged = o.mode === "merge" && existing ? { ...existing.properties, ...properties } : properties;
    const entity: StoredEntity = {
      partitionKey: pk,
      rowKey: rk,
      properties: merged,
      timestamp: now.toISOString(),
      etag: etagFor(now, ++this.sequence),
    };
    rows[key] = entity;
    this.save();
    return entity;
  }

  delete(table: string, pk: string, rk: string, ifMatch: string): void {
    const rows = this.rows(table);
    const key = `${pk}\u0000${rk}`;
    const existing = rows[key];
    if (!existing) throw ERRORS.entityNotFound();
    if (ifMatch !== "*" && ifMatch !== existing.etag) throw ERRORS.conditionFailed();
    delete rows[key];
    this.save();
  }
}
