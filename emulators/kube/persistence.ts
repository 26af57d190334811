// Persistence of every cluster under <stateDir>/kube/clusters/: a snapshot `{key}.json` (the whole
// cluster: registration, admin token, objects, container logs, probe outcomes) and a write-ahead log
// `{key}.wal` with one JSON line per store write since that snapshot.
//
// A store write is appended to the log synchronously, inside the write itself, so it is in the file
// (the kernel's page cache) before the API server answers: kill -9 right after an acknowledged write
// loses nothing. The log is not fsynced per write (an OS crash or power loss can lose its tail), for
// the same reason the task hub runs SQLite at synchronous=NORMAL: an fsync per write would cut write
// throughput by an order of magnitude for a local emulator. Snapshots are written atomically (temporary
// file, rename) a moment after a burst of writes and then the log starts again empty; on load, log
// records at or below the snapshot's revision are already in it (a crash between the rename and the
// truncation) and are skipped.
import { closeSync, ftruncateSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import {
  ensurePrivateDir,
  PRIVATE_FILE_MODE,
  readStateJson,
  StateDamagedError,
  writePrivateFile,
} from "../common/state-dir.js";
import type { ClusterState } from "./cluster.js";
import type { StoreEvent, StoreSnapshot } from "./machinery/store.js";
import { objectKey, type KubeObject } from "./machinery/types.js";

/** One log line: a store write (a DELETED record carries the last state of the object). */
type WalRecord = Pick<StoreEvent, "type" | "resource" | "object" | "revision">;

const LOSES = "this cluster's objects and admin token";

/** The snapshot with the log's later writes applied, in revision order. */
export function replay(snapshot: StoreSnapshot, records: WalRecord[]): StoreSnapshot {
  const tables = new Map<string, Map<string, KubeObject>>();
  const table = (resource: string) => {
    let t = tables.get(resource);
    if (!t) tables.set(resource, (t = new Map()));
    return t;
  };
  for (const [resource, list] of Object.entries(snapshot.objects))
    for (const o of list) table(resource).set(objectKey(o.metadata.namespace, o.metadata.name!), o);
  let revision = snapshot.revision;
  for (const r of records) {
    if (r.revision <= revision) continue;
    const key = objectKey(r.object.metadata.namespace, r.object.metadata.name!);
    if (r.type === "DELETED") table(r.resource).delete(key);
    else table(r.resource).set(key, r.object);
    revision = r.revision;
  }
  const objects: Record<string, KubeObject[]> = {};
  for (const [resource, t] of tables) objects[resource] = [...t.values()];
  return { revision, objects };
}

/** Parses a log; a last line without its newline is a write that never completed (never acknowledged). */
function readWal(file: string): WalRecord[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new StateDamagedError(file, (err as Error).message, LOSES);
  }
  const lines = text.split("\n");
  const torn = lines.pop();
  if (torn) console.warn(`[kube] ${file}: ignoring an incomplete last record (a write cut off mid-way)`);
  return lines.map((line, i) => {
    try {
      const r = JSON.parse(line) as WalRecord;
      if (typeof r.revision !== "number" || !r.object?.metadata?.name) throw new Error("not a store write");
      return r;
    } catch (err) {
      throw new StateDamagedError(file, `record ${i + 1}: ${(err as Error).message}`, LOSES);
    }
  });
}

export class ClusterFiles {
  private readonly logs = new Map<string, number>();

  constructor(readonly dir: string) {
    ensurePrivateDir(dir);
  }

  private snapshotFile(key: string): string {
    return join(this.dir, `${key}.json`);
  }

  private walFile(key: string): string {
    return join(this.dir, `${key}.wal`);
  }

  /** Every persisted cluster, its log replayed; StateDamagedError names the first unreadable file. */
  load(): { key: string; state: ClusterState }[] {
    const out: { key: string; state: ClusterState }[] = [];
    for (const file of readdirSync(this.dir).filter((f) => f.endsWith(".json"))) {
      const key = file.slice(0, -5);
      const path = this.snapshotFile(key);
      const state = readStateJson<ClusterState>(path, LOSES);
      if (!state?.store || !state.registration || typeof state.adminToken !== "string")
        throw new StateDamagedError(path, "not a cluster snapshot", LOSES);
      state.store = replay(state.store, readWal(this.walFile(key)));
      out.push({ key, state });
    }
    return out;
  }

  /** Appends one store write to the cluster's log; returns once it is in the file. */
  append(key: string, event: StoreEvent): void {
    let fd = this.logs.get(key);
    if (fd === undefined) {
      fd = openSync(this.walFile(key), "a", PRIVATE_FILE_MODE);
      this.logs.set(key, fd);
    }
    const record: WalRecord = {
      type: event.type,
      resource: event.resource,
      object: event.object,
      revision: event.revision,
    };
    writeSync(fd, JSON.stringify(record) + "\n");
  }

  /** Writes the whole cluster, then empties its log (every record in it is now in the snapshot). */
  snapshot(key: string, state: ClusterState): void {
    writePrivateFile(this.snapshotFile(key), JSON.stringify(state));
    const fd = this.logs.get(key);
    if (fd !== undefined) ftruncateSync(fd, 0);
    else rmSync(this.walFile(key), { force: true });
  }

  /** Forgets a cluster: its snapshot and its log. */
  remove(key: string): void {
    this.closeLog(key);
    rmSync(this.snapshotFile(key), { force: true });
    rmSync(this.walFile(key), { force: true });
  }

  private closeLog(key: string): void {
    const fd = this.logs.get(key);
    if (fd === undefined) return;
    this.logs.delete(key);
    closeSync(fd);
  }

  close(): void {
    for (const key of [...this.logs.keys()]) this.closeLog(key);
  }
}
