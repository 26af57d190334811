// Emulator state, persisted as one JSON file under <stateDir>/azure/state.json with atomic writes
// (write a temporary file, then rename), 0600 in a 0700 directory: it holds the issuer's signing key.
// A state file that exists but cannot be read stops the start (StateDamagedError) instead of starting
// empty, which would lose every resource and the signing key. JSON rather than SQLite: the state is small (tens of
// resources), it needs no queries, and a person can read it. Writes are coalesced: many changes in one
// tick give one write, and the next write waits at least WRITE_SPACING × the last one's duration, so
// that a state of thousands of resources (a scale run: 500 clusters, megabytes of JSON) costs at most
// a tenth of the process's time instead of all of it (one multi-megabyte write per tick). Such a
// state is also serialized in slices of a few milliseconds and written off the event loop, so that
// the requests the emulator serves meanwhile are not held up by it.
import { rmSync } from "node:fs";
import { join } from "node:path";
import type { JWK } from "jose";
import {
  ensurePrivateDir,
  readStateJson,
  StateDamagedError,
  writePrivateFile,
  writePrivateFileAsync,
} from "../../common/state-dir.js";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** One ARM resource: its wire body (what GET returns) plus data only the emulator sees. */
export interface StoredResource {
  /** The id with the casing it was created with. */
  id: string;
  type: string;
  body: JsonObject;
  internal: JsonObject;
}

export type OperationStatus = "InProgress" | "Succeeded" | "Failed" | "Canceled";

export interface Operation {
  id: string;
  subscriptionId: string;
  providerNamespace: string;
  location: string;
  resourceId: string;
  /** Which completer finishes it (registered by the provider). */
  handler: string;
  kind: "create" | "update" | "delete";
  status: OperationStatus;
  startTime: string;
  endTime?: string;
  /** Wall epoch ms at which the operation finishes. */
  dueAt: number;
  error?: { code: string; message: string };
  /** A provisioning failure chosen by the fault injector. */
  failWith?: { code: string; message: string };
}

export interface Principal {
  id: string;
  kind: "ServicePrincipal" | "User";
  /** App (client) id, for service principals. */
  appId?: string;
  displayName: string;
  /** Wall epoch ms of creation: replication delay counts from here. */
  createdAt: number;
}

export interface State {
  version: 1;
  resources: Record<string, StoredResource>;
  operations: Record<string, Operation>;
  principals: Record<string, Principal>;
  signingKey?: JWK;
  identityHeader?: string;
}

const emptyState = (): State => ({ version: 1, resources: {}, operations: {}, principals: {} });

/** A write is followed by at least this many times its own duration without one (≤ 10 % of the time). */
const WRITE_SPACING = 9;

/** How long one slice of a large state's serialization may keep the event loop (ms). */
const SLICE_MS = 4;

/** The maps of the state that grow with the number of clusters, serialized an entry at a time. */
const LARGE: ReadonlySet<string> = new Set(["resources", "operations", "principals"]);

/**
 * JSON.stringify(state), a slice at a time: yields whenever a slice has taken `sliceMs`, returns the
 * text. Each resource, operation or principal is serialized whole, as it is when its turn comes.
 */
export function* serializeState(state: State, sliceMs: number): Generator<void, string> {
  let sliceStarted = performance.now();
  const top: string[] = [];
  for (const [key, value] of Object.entries(state)) {
    if (value === undefined) continue;
    if (!LARGE.has(key)) {
      top.push(`${JSON.stringify(key)}:${JSON.stringify(value)}`);
      continue;
    }
    const entries: string[] = [];
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const text = JSON.stringify(v);
      if (text !== undefined) entries.push(`${JSON.stringify(k)}:${text}`);
      if (performance.now() - sliceStarted >= sliceMs) {
        yield;
        sliceStarted = performance.now();
      }
    }
    top.push(`${JSON.stringify(key)}:{${entries.join(",")}}`);
  }
  return `{${top.join(",")}}`;
}

export class Store {
  readonly state: State;
  private readonly file: string;
  private pending = false;
  /** performance.now() before which the next write waits (the last write's duration × WRITE_SPACING). */
  private quietUntil = 0;
  private deferred: NodeJS.Timeout | undefined;
  /** A large state's write in progress (serialized in slices, written off the event loop). */
  private writing: Promise<void> | undefined;

  constructor(dir: string, reset: boolean) {
    ensurePrivateDir(dir);
    this.file = join(dir, "state.json");
    if (reset) rmSync(this.file, { force: true });
    const loses = "every ARM resource, operation and principal, and the token signing key";
    const loaded = readStateJson<State>(this.file, loses);
    if (
      loaded !== undefined &&
      (loaded === null || loaded.version !== 1 || typeof loaded.resources !== "object")
    )
      throw new StateDamagedError(this.file, "not a version 1 emulator state", loses);
    this.state = loaded ?? emptyState();
    for (const r of Object.values(this.state.resources)) this.index(r);
  }

  /** Resources by type (lower case), then id (lower case): what `ofType` answers from. */
  private readonly byType = new Map<string, Map<string, StoredResource>>();
  /** Per type (lower case): told of every put and remove of that type (views built on `ofType`). */
  private readonly watchers = new Map<string, ((r: StoredResource, present: boolean) => void)[]>();

  private index(r: StoredResource): void {
    const t = r.type.toLowerCase();
    let m = this.byType.get(t);
    if (!m) this.byType.set(t, (m = new Map()));
    m.set(r.id.toLowerCase(), r);
    for (const w of this.watchers.get(t) ?? []) w(r, true);
  }

  private unindex(r: StoredResource): void {
    const t = r.type.toLowerCase();
    this.byType.get(t)?.delete(r.id.toLowerCase());
    for (const w of this.watchers.get(t) ?? []) w(r, false);
  }

  /** Calls `watcher` with each resource of `type` put (present) or removed (not), from now on. */
  watch(type: string, watcher: (r: StoredResource, present: boolean) => void): void {
    const t = type.toLowerCase();
    this.watchers.set(t, [...(this.watchers.get(t) ?? []), watcher]);
  }

  /**
   * Schedules a write of the whole state: at the end of this tick, or once the spacing after the last
   * write has passed. A small state writes in well under a millisecond, so the wait is unnoticeable;
   * a state of megabytes is written a few times a second at most (a kill -9 can lose the changes of
   * that last interval, as it can lose the tick's before the write: the app re-reads and re-PUTs).
   */
  save(): void {
    if (this.pending) return;
    this.pending = true;
    // A write in progress schedules the next one when it ends.
    if (!this.writing) this.schedule();
  }

  private schedule(): void {
    const wait = this.quietUntil - performance.now();
    if (wait <= 0) queueMicrotask(() => this.write());
    else this.deferred = setTimeout(() => this.write(), wait);
  }

  /**
   * Writes the state. One that serializes within a slice (a few ms: tens of resources, or hundreds)
   * is written at once, as a whole. A larger one (a scale run: thousands of resources, megabytes) is
   * serialized a slice at a time with the event loop's other work between slices, then written and
   * renamed off the event loop; one write of it took up to 240 ms in which no request was answered.
   * A resource changed meanwhile may be in it as it was or as it became; its change scheduled the
   * next write, which has it as it is.
   */
  private write(): void {
    this.deferred = undefined;
    if (!this.pending || this.writing) return;
    this.pending = false;
    const started = performance.now();
    const text = serializeState(this.state, SLICE_MS);
    let step = text.next();
    if (step.done) {
      writePrivateFile(this.file, step.value);
      this.wrote(performance.now() - started);
      return;
    }
    let busy = performance.now() - started;
    this.writing = (async () => {
      while (!step.done) {
        await new Promise((r) => setImmediate(r));
        const t = performance.now();
        step = text.next();
        busy += performance.now() - t;
      }
      await writePrivateFileAsync(this.file, step.value);
    })()
      // As a failed synchronous write: the emulator stops rather than run on with state it cannot keep.
      .catch((e: unknown) =>
        queueMicrotask(() => {
          throw e;
        }),
      )
      .finally(() => {
        this.writing = undefined;
        // Its time in the thread pool counts once more: writes of megabytes never run back to back.
        this.wrote(busy, performance.now() - started);
        if (this.pending) this.schedule();
      });
  }

  /** After a write that kept the event loop `busyMs`: the next waits WRITE_SPACING × that (+ `extraMs`). */
  private wrote(busyMs: number, extraMs = 0): void {
    this.quietUntil = performance.now() + busyMs * WRITE_SPACING + extraMs;
  }

  /** Resolves once nothing waits to be written and no write is in progress. */
  async written(): Promise<void> {
    while (this.writing || this.pending) {
      if (this.writing) await this.writing;
      else if (this.pending) {
        clearTimeout(this.deferred);
        this.write();
      }
    }
  }

  /** On stop: lets a write in progress end, then writes what still waits at once. */
  async close(): Promise<void> {
    while (this.writing) await this.writing;
    clearTimeout(this.deferred);
    this.deferred = undefined;
    this.pending = false;
    writePrivateFile(this.file, JSON.stringify(this.state));
  }

  get(id: string): StoredResource | undefined {
    return this.state.resources[id.toLowerCase()];
  }

  put(resource: StoredResource): void {
    const key = resource.id.toLowerCase();
    const before = this.state.resources[key];
    if (before) this.unindex(before);
    this.state.resources[key] = resource;
    this.index(resource);
    this.save();
  }

  remove(id: string): void {
    const key = id.toLowerCase();
    const before = this.state.resources[key];
    if (before) this.unindex(before);
    delete this.state.resources[key];
    this.save();
  }

  /** Every resource of one type (case-insensitive), wherever it is: no scan of the others. */
  ofType(type: string): StoredResource[] {
    return [...(this.byType.get(type.toLowerCase())?.values() ?? [])];
  }

  /** Resources whose id lies strictly under `prefix` (a parent id). */
  under(prefix: string): StoredResource[] {
    const p = `${prefix.toLowerCase()}/`;
    return Object.entries(this.state.resources)
      .filter(([k]) => k.startsWith(p))
      .map(([, v]) => v);
  }

  /** Resources of one type (case-insensitive) anywhere under `parent`. */
  list(parent: string, type: string): StoredResource[] {
    const t = type.toLowerCase();
    return this.under(parent).filter((r) => r.type.toLowerCase() === t);
  }
}
