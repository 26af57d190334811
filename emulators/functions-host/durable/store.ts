// The task hub: instances, history, the message queue (events, timers, control messages) and activity work
// items in one SQLite database. Every change an episode makes is committed in one transaction, so a crash
// (kill -9) leaves either the state before the episode or the state after it, never half of it.
import { randomUUID } from "node:crypto";
import type { EpisodePlan, RuntimeStatus } from "./episode.js";
import { TERMINAL_STATUSES, newDriverState, type DriverState } from "./episode.js";
import { EventType, historyEvent, type HistoryEvent } from "./history.js";
import { chmodSync, existsSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { PRIVATE_FILE_MODE, StateDamagedError } from "../../common/state-dir.js";
import { DatabaseSync, type StatementSync } from "./sqlite.js";

export interface InstanceRow {
  instanceId: string;
  name: string;
  executionId: string;
  runtimeStatus: RuntimeStatus;
  /** JSON texts. */
  input: string;
  output: string | null;
  customStatus: string | null;
  createdTime: number;
  lastUpdatedTime: number;
  parentInstanceId: string | null;
  parentExecutionId: string | null;
  parentTaskId: number | null;
  version: string;
  driver: DriverState;
}

export type MessageKind = "event" | "terminate" | "suspend" | "resume";

export interface MessageRow {
  id: number;
  instanceId: string;
  executionId: string | null;
  kind: MessageKind;
  event: HistoryEvent;
  visibleAt: number;
}

export interface WorkItemRow {
  id: number;
  instanceId: string;
  executionId: string;
  taskId: number;
  name: string;
  input: string;
}

export interface InstanceQuery {
  createdFrom?: number;
  createdTo?: number;
  statuses?: string[];
  instanceIdPrefix?: string;
  top?: number;
  /** Opaque: the last (createdTime, instanceId) of the previous page. */
  after?: { createdTime: number; instanceId: string };
}

interface RawInstance {
  instance_id: string;
  name: string;
  execution_id: string;
  runtime_status: RuntimeStatus;
  input: string;
  output: string | null;
  custom_status: string | null;
  created_time: number;
  last_updated_time: number;
  parent_instance_id: string | null;
  parent_execution_id: string | null;
  parent_task_id: number | null;
  version: string;
  driver: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS instances (
  instance_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  execution_id TEXT NOT NULL,
  runtime_status TEXT NOT NULL,
  input TEXT NOT NULL,
  output TEXT,
  custom_status TEXT,
  created_time INTEGER NOT NULL,
  last_updated_time INTEGER NOT NULL,
  parent_instance_id TEXT,
  parent_execution_id TEXT,
  parent_task_id INTEGER,
  version TEXT NOT NULL DEFAULT '',
  driver TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS instances_created ON instances (created_time, instance_id);
CREATE TABLE IF NOT EXISTS history (
  instance_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  event TEXT NOT NULL,
  PRIMARY KEY (instance_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  instance_id TEXT NOT NULL,
  execution_id TEXT,
  kind TEXT NOT NULL,
  event TEXT NOT NULL,
  visible_at INTEGER NOT NULL,
  timer_id INTEGER
);
CREATE INDEX IF NOT EXISTS messages_due ON messages (visible_at);
CREATE INDEX IF NOT EXISTS messages_instance ON messages (instance_id, id);
CREATE TABLE IF NOT EXISTS work_items (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  instance_id TEXT NOT NULL,
  execution_id TEXT NOT NULL,
  task_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  input TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS work_items_instance ON work_items (instance_id);
`;

function toInstance(r: RawInstance): InstanceRow {
  return {
    instanceId: r.instance_id,
    name: r.name,
    executionId: r.execution_id,
    runtimeStatus: r.runtime_status,
    input: r.input,
    output: r.output,
    customStatus: r.custom_status,
    createdTime: r.created_time,
    lastUpdatedTime: r.last_updated_time,
    parentInstanceId: r.parent_instance_id,
    parentExecutionId: r.parent_execution_id,
    parentTaskId: r.parent_task_id,
    version: r.version,
    driver: JSON.parse(r.driver) as DriverState,
  };
}

export const isTerminal = (status: RuntimeStatus): boolean => TERMINAL_STATUSES.includes(status);

export interface NewInstance {
  instanceId: string;
  name: string;
  /** JSON text. */
  input: string;
  version?: string;
  parent?: { instanceId: string; executionId: string; taskId: number };
}

export class TaskHubStore {
  readonly db: DatabaseSync;
  #closed = false;

  constructor(file: string) {
    this.db = new DatabaseSync(file);
    this.db.exec("PRAGMA journal_mode = WAL");
    // WAL + NORMAL: a committed transaction survives a process crash (kill -9), which is what the host
    // promises; only an OS crash or power loss could lose the last commits (never corrupt the file).
    // FULL would fsync every commit (~4 ms each here) and cut throughput by an order of magnitude.
    this.db.exec("PRAGMA synchronous = NORMAL");
    this.db.exec("PRAGMA busy_timeout = 5000");
    this.db.exec(SCHEMA);
  }

  readonly #statements = new Map<string, StatementSync>();

  /** Prepared once per SQL text: compiling a statement costs more than running these small queries. */
  #sql(text: string): StatementSync {
    let statement = this.#statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.#statements.set(text, statement);
    }
    return statement;
  }

  /**
   * Runs fn in one transaction: all of its changes or none. IMMEDIATE takes the write lock up front, so a
   * second writer on the file waits (busy_timeout) at BEGIN instead of failing when it first writes.
   */
  #transaction<T>(fn: () => T): T {
    this.db.exec("BEGIN IMMEDIATE");
    try {
      const result = fn();
      this.db.exec("COMMIT");
      return result;
    } catch (e) {
      // A failed COMMIT may already have ended the transaction; a ROLLBACK then would hide the cause.
      if (this.db.isTransaction) this.db.exec("ROLLBACK");
      throw e;
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.db.close();
  }

  getMeta(key: string): string | undefined {
    const row = this.#sql("SELECT value FROM meta WHERE key = ?").get(key) as { value: string } | undefined;
    return row?.value;
  }

  setMeta(key: string, value: string): void {
    this.#sql(
      "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    ).run(key, value);
  }

  getInstance(instanceId: string): InstanceRow | undefined {
    const raw = this.#sql("SELECT * FROM instances WHERE instance_id = ?").get(instanceId) as
      RawInstance | undefined;
    return raw && toInstance(raw);
  }

  getHistory(instanceId: string): HistoryEvent[] {
    const rows = this.#sql("SELECT event FROM history WHERE instance_id = ? ORDER BY seq").all(
      instanceId,
    ) as { event: string }[];
    return rows.map((r) => JSON.parse(r.event) as HistoryEvent);
  }

  queryInstances(q: InstanceQuery): InstanceRow[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (q.createdFrom !== undefined) {
      where.push("created_time >= ?");
      args.push(q.createdFrom);
    }
    if (q.createdTo !== undefined) {
      where.push("created_time <= ?");
      args.push(q.createdTo);
    }
    if (q.statuses && q.statuses.length > 0) {
      where.push(`runtime_status IN (${q.statuses.map(() => "?").join(",")})`);
      args.push(...q.statuses);
    }
    if (q.instanceIdPrefix) {
      where.push("substr(instance_id, 1, ?) = ?");
      args.push(q.instanceIdPrefix.length, q.instanceIdPrefix);
    }
    if (q.after) {
      where.push("(created_time > ? OR (created_time = ? AND instance_id > ?))");
      args.push(q.after.createdTime, q.after.createdTime, q.after.instanceId);
    }
    const sql =
      `SELECT * FROM instances ${where.length ? "WHERE " + where.join(" AND ") : ""} ` +
      `ORDER BY created_time, instance_id ${q.top ? "LIMIT " + Math.floor(q.top) : ""}`;
    // node:sqlite types every row as a record of SQL values; these are the instances table's columns.
    return (this.#sql(sql).all(...args) as unknown as RawInstance[]).map(toInstance);
  }

  /**
   * Creates an instance (replacing a finished one with the same id) with its ExecutionStarted message.
   * Returns false when an instance with that id is still running.
   */
  createInstance(n: NewInstance, now: number): boolean {
    return this.#transaction(() => this.#create(n, now));
  }

  #create(n: NewInstance, now: number): boolean {
    const existing = this.getInstance(n.instanceId);
    if (existing && !isTerminal(existing.runtimeStatus)) return false;
    if (existing) this.#deleteInstanceData(n.instanceId);
    const executionId = randomUUID().replace(/-/g, "");
    this.#sql(
      `INSERT INTO instances (instance_id, name, execution_id, runtime_status, input, output, custom_status,
           created_time, last_updated_time, parent_instance_id, parent_execution_id, parent_task_id, version, driver)
         VALUES (?, ?, ?, 'Pending', ?, NULL, NULL, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      n.instanceId,
      n.name,
      executionId,
      n.input,
      now,
      now,
      n.parent?.instanceId ?? null,
      n.parent?.executionId ?? null,
      n.parent?.taskId ?? null,
      n.version ?? "",
      JSON.stringify(newDriverState()),
    );
    this.#enqueue(n.instanceId, executionId, "event", this.#executionStarted(n, executionId, now), now);
    return true;
  }

  #executionStarted(n: NewInstance, executionId: string, now: number): HistoryEvent {
    return historyEvent(EventType.ExecutionStarted, now, {
      Name: n.name,
      Input: n.input,
      Version: n.version ?? "",
      OrchestrationInstance: { InstanceId: n.instanceId, ExecutionId: executionId },
      ...(n.parent
        ? {
            ParentInstance: {
              OrchestrationInstance: { InstanceId: n.parent.instanceId },
              TaskScheduleId: n.parent.taskId,
            },
          }
        : {}),
    });
  }

  enqueue(
    instanceId: string,
    executionId: string | null,
    kind: MessageKind,
    event: HistoryEvent,
    visibleAt: number,
  ): void {
    this.#enqueue(instanceId, executionId, kind, event, visibleAt);
  }

  #enqueue(
    instanceId: string,
    executionId: string | null,
    kind: MessageKind,
    event: HistoryEvent,
    visibleAt: number,
    timerId?: number,
  ): void {
    this.#sql(
      "INSERT INTO messages (instance_id, execution_id, kind, event, visible_at, timer_id) VALUES (?, ?, ?, ?, ?, ?)",
    ).run(instanceId, executionId, kind, JSON.stringify(event), Math.floor(visibleAt), timerId ?? null);
  }

  /** Instances with a due message they can act on now (suspended ones only take control messages). */
  readyInstances(now: number, limit: number): string[] {
    const rows = this.#sql(
      `SELECT m.instance_id AS id, MIN(m.id) AS first FROM messages m JOIN instances i ON i.instance_id = m.instance_id
         WHERE m.visible_at <= ? AND (i.runtime_status != 'Suspended' OR m.kind != 'event')
         GROUP BY m.instance_id ORDER BY first LIMIT ?`,
    ).all(Math.floor(now), limit) as { id: string }[];
    return rows.map((r) => r.id);
  }

  /** When the next not-yet-due message becomes due, if any. */
  nextDueAt(now: number): number | undefined {
    const row = this.#sql("SELECT MIN(visible_at) AS at FROM messages WHERE visible_at > ?").get(
      Math.floor(now),
    ) as { at: number | null };
    return row.at ?? undefined;
  }

  dueMessages(instanceId: string, now: number): MessageRow[] {
    const rows = this.#sql(
      "SELECT * FROM messages WHERE instance_id = ? AND visible_at <= ? ORDER BY id",
    ).all(instanceId, Math.floor(now)) as {
      id: number;
      instance_id: string;
      execution_id: string | null;
      kind: MessageKind;
      event: string;
      visible_at: number;
    }[];
    return rows.map((r) => ({
      id: r.id,
      instanceId: r.instance_id,
      executionId: r.execution_id,
      kind: r.kind,
      event: JSON.parse(r.event) as HistoryEvent,
      visibleAt: r.visible_at,
    }));
  }

  deleteMessages(ids: number[]): void {
    const del = this.#sql("DELETE FROM messages WHERE id = ?");
    this.#transaction(() => ids.forEach((id) => del.run(id)));
  }

  workItems(limit: number): WorkItemRow[] {
    const rows = this.#sql("SELECT * FROM work_items ORDER BY id LIMIT ?").all(limit) as {
      id: number;
      instance_id: string;
      execution_id: string;
      task_id: number;
      name: string;
      input: string;
    }[];
    return rows.map((r) => ({
      id: r.id,
      instanceId: r.instance_id,
      executionId: r.execution_id,
      taskId: r.task_id,
      name: r.name,
      input: r.input,
    }));
  }

  /**
   * Records an activity's result: the work item disappears and its completion message appears atomically.
   * Returns false if the work item was already gone (instance finished or purged meanwhile).
   */
  completeWorkItem(item: WorkItemRow, completion: HistoryEvent, now: number): boolean {
    return this.#transaction(() => {
      const removed = this.#sql("DELETE FROM work_items WHERE id = ?").run(item.id).changes;
      if (removed === 0) return false;
      this.#enqueue(item.instanceId, item.executionId, "event", completion, now);
      return true;
    });
  }

  /** Commits one episode: consumed messages, new history, scheduled work, new status, all or nothing. */
  commitEpisode(instance: InstanceRow, consumed: number[], plan: EpisodePlan, now: number): void {
    this.#transaction(() => {
      const id = instance.instanceId;
      // Purged or restarted meanwhile: this episode belongs to an execution that no longer exists.
      if (this.getInstance(id)?.executionId !== instance.executionId) return;
      const del = this.#sql("DELETE FROM messages WHERE id = ?");
      consumed.forEach((m) => del.run(m));
      this.#appendHistory(id, plan.appended);
      this.#sql(
        `UPDATE instances SET runtime_status = ?, output = COALESCE(?, output), custom_status = COALESCE(?, custom_status),
             last_updated_time = ?, driver = ? WHERE instance_id = ?`,
      ).run(
        plan.status,
        plan.output ?? null,
        plan.customStatus ?? null,
        now,
        JSON.stringify(plan.driver),
        id,
      );
      const exec = instance.executionId;
      const addWork = this.#sql(
        "INSERT INTO work_items (instance_id, execution_id, task_id, name, input) VALUES (?, ?, ?, ?, ?)",
      );
      for (const a of plan.activities) addWork.run(id, exec, a.taskId, a.name, a.input);
      for (const t of plan.timers) {
        const fired = historyEvent(EventType.TimerFired, t.fireAt, {
          TimerId: t.timerId,
          FireAt: new Date(t.fireAt).toISOString(),
        });
        this.#enqueue(id, exec, "event", fired, t.fireAt, t.timerId);
      }
      const cancel = this.#sql(
        "DELETE FROM messages WHERE instance_id = ? AND execution_id = ? AND timer_id = ?",
      );
      for (const t of plan.cancelledTimers) cancel.run(id, exec, t);
      for (const e of plan.selfEvents) this.#enqueue(id, exec, "event", e, now);
      for (const c of plan.children) {
        const created = this.#create(
          {
            instanceId: c.instanceId,
            name: c.name,
            input: c.input,
            ...(c.version ? { version: c.version } : {}),
            parent: { instanceId: id, executionId: exec, taskId: c.taskId },
          },
          now,
        );
        if (!created) {
          const failed = historyEvent(EventType.SubOrchestrationInstanceFailed, now, {
            TaskScheduledId: c.taskId,
            Reason: `An orchestration instance with the ID '${c.instanceId}' already exists and is still running.`,
            Details: "",
          });
          this.#enqueue(id, exec, "event", failed, now);
        }
      }
      if (plan.continueAsNew !== undefined) {
        this.#continueAsNew(instance, plan.continueAsNew, now);
      } else if (isTerminal(plan.status)) {
        this.#finish({ ...instance, runtimeStatus: plan.status, output: plan.output ?? null }, now);
      }
    });
  }

  #appendHistory(instanceId: string, events: HistoryEvent[]): void {
    const row = this.#sql("SELECT COALESCE(MAX(seq), -1) AS last FROM history WHERE instance_id = ?").get(
      instanceId,
    ) as { last: number };
    const insert = this.#sql("INSERT INTO history (instance_id, seq, event) VALUES (?, ?, ?)");
    events.forEach((e, i) => insert.run(instanceId, row.last + 1 + i, JSON.stringify(e)));
  }

  #continueAsNew(instance: InstanceRow, input: string, now: number): void {
    const id = instance.instanceId;
    const executionId = randomUUID().replace(/-/g, "");
    this.#sql("DELETE FROM history WHERE instance_id = ?").run(id);
    // Completions and timers of the old execution are void; raised events carry over (as in DTFx).
    this.#sql("DELETE FROM messages WHERE instance_id = ? AND execution_id IS NOT NULL").run(id);
    this.#sql("DELETE FROM work_items WHERE instance_id = ?").run(id);
    this.#sql(
      "UPDATE instances SET execution_id = ?, input = ?, output = NULL, driver = ?, last_updated_time = ? WHERE instance_id = ?",
    ).run(executionId, input, JSON.stringify(newDriverState()), now, id);
    const started = this.#executionStarted(
      { instanceId: id, name: instance.name, input, version: instance.version },
      executionId,
      now,
    );
    // Raised events that carried over sit before this message; the dispatcher delivers ExecutionStarted first.
    this.#enqueue(id, executionId, "event", started, now);
  }

  /** An execution ended: drop its pending work and tell the parent orchestration, if any. */
  #finish(instance: InstanceRow, now: number): void {
    const id = instance.instanceId;
    this.#sql("DELETE FROM messages WHERE instance_id = ?").run(id);
    this.#sql("DELETE FROM work_items WHERE instance_id = ?").run(id);
    if (!instance.parentInstanceId || instance.parentTaskId === null) return;
    const status = instance.runtimeStatus;
    const event =
      status === "Completed"
        ? historyEvent(EventType.SubOrchestrationInstanceCompleted, now, {
            TaskScheduledId: instance.parentTaskId,
            Result: instance.output ?? "null",
          })
        : historyEvent(EventType.SubOrchestrationInstanceFailed, now, {
            TaskScheduledId: instance.parentTaskId,
            Reason:
              status === "Failed"
                ? (JSON.parse(instance.output ?? "null") as string)
                : `Sub-orchestration '${id}' was ${status.toLowerCase()}: ${JSON.parse(instance.output ?? "null") as string}`,
            Details: JSON.stringify({ instanceId: id, runtimeStatus: status }),
          });
    this.#enqueue(instance.parentInstanceId, instance.parentExecutionId, "event", event, now);
  }

  /** Applies a terminate / suspend / resume message (the orchestrator is not invoked). */
  applyControl(instance: InstanceRow, message: MessageRow, now: number): void {
    this.#transaction(() => {
      this.#sql("DELETE FROM messages WHERE id = ?").run(message.id);
      if (isTerminal(instance.runtimeStatus)) return;
      const id = instance.instanceId;
      const reason = message.event.Reason ?? "";
      if (message.kind === "terminate") {
        this.#appendHistory(id, [
          historyEvent(EventType.ExecutionTerminated, now, { Input: JSON.stringify(reason) }),
        ]);
        const output = JSON.stringify(reason);
        this.#sql(
          "UPDATE instances SET runtime_status = 'Terminated', output = ?, last_updated_time = ? WHERE instance_id = ?",
        ).run(output, now, id);
        this.#finish({ ...instance, runtimeStatus: "Terminated", output }, now);
      } else if (message.kind === "suspend" && instance.runtimeStatus !== "Suspended") {
        this.#appendHistory(id, [historyEvent(EventType.ExecutionSuspended, now, { Reason: reason })]);
        this.#sql(
          "UPDATE instances SET runtime_status = 'Suspended', last_updated_time = ? WHERE instance_id = ?",
        ).run(now, id);
      } else if (message.kind === "resume" && instance.runtimeStatus === "Suspended") {
        this.#appendHistory(id, [historyEvent(EventType.ExecutionResumed, now, { Reason: reason })]);
        this.#sql(
          "UPDATE instances SET runtime_status = 'Running', last_updated_time = ? WHERE instance_id = ?",
        ).run(now, id);
      }
    });
  }

  #deleteInstanceData(instanceId: string): void {
    for (const table of ["history", "messages", "work_items", "instances"]) {
      this.#sql(`DELETE FROM ${table} WHERE instance_id = ?`).run(instanceId);
    }
  }

  /** Deletes instances and everything they own; returns how many were deleted. */
  purge(instanceIds: string[]): number {
    return this.#transaction(() => {
      let n = 0;
      for (const id of instanceIds) {
        if (!this.getInstance(id)) continue;
        this.#deleteInstanceData(id);
        n++;
      }
      return n;
    });
  }

  counts(): { instances: Record<string, number>; pendingActivities: number; pendingMessages: number } {
    const rows = this.#sql(
      "SELECT runtime_status AS s, COUNT(*) AS n FROM instances GROUP BY runtime_status",
    ).all() as { s: string; n: number }[];
    const act = this.#sql("SELECT COUNT(*) AS n FROM work_items").get() as { n: number };
    const msg = this.#sql("SELECT COUNT(*) AS n FROM messages").get() as { n: number };
    return {
      instances: Object.fromEntries(rows.map((r) => [r.s, r.n])),
      pendingActivities: act.n,
      pendingMessages: msg.n,
    };
  }
}

const HUB_LOSES = "every orchestration's history while the Azure emulator still holds its resources";
/** SQLite's companion files of a database in WAL mode. */
const companions = (file: string): string[] => [`${file}-wal`, `${file}-shm`];

/**
 * Opens the host's task hub, refusing damage rather than starting empty (StateDamagedError):
 * - a new hub is built whole under another name and renamed into place, so an existing empty file is
 *   never "new" — it is a hub that lost its contents;
 * - an existing hub must open as SQLite and pass `PRAGMA quick_check` (page and b-tree structure, O(N),
 *   well under a second for a hub of tens of MB).
 * Files are 0600: SQLite gives its -wal and -shm files the database file's permissions.
 */
export function openTaskHub(file: string): TaskHubStore {
  if (!existsSync(file)) {
    const building = `${file}.new`;
    for (const f of [building, ...companions(building)]) rmSync(f, { force: true });
    writeFileSync(building, "", { mode: PRIVATE_FILE_MODE });
    new TaskHubStore(building).close();
    renameSync(building, file);
  }
  if (statSync(file).size === 0) throw new StateDamagedError(file, "it is empty", HUB_LOSES);
  for (const f of [file, ...companions(file)]) if (existsSync(f)) chmodSync(f, PRIVATE_FILE_MODE);
  let store: TaskHubStore;
  try {
    store = new TaskHubStore(file);
  } catch (err) {
    throw new StateDamagedError(file, `SQLite cannot open it: ${(err as Error).message}`, HUB_LOSES);
  }
  let problems: string[];
  try {
    problems = (store.db.prepare("PRAGMA quick_check").all() as { quick_check: string }[]).map(
      (r) => r.quick_check,
    );
  } catch (err) {
    problems = [(err as Error).message];
  }
  if (problems.length === 1 && problems[0] === "ok") return store;
  store.close();
  const shown = problems.slice(0, 3).join("; ") + (problems.length > 3 ? "; …" : "");
  throw new StateDamagedError(file, `SQLite integrity check failed: ${shown}`, HUB_LOSES);
}
