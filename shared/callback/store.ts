// Where a pipeline's callback (with its AuthToken) waits for the cluster: a Table storage row per
// task, PartitionKey = the provisioning instance id, RowKey = TaskInstanceId. Kept out of durable
// history on purpose (history is stored readable); the row is deleted once the task is completed.
// Reached with the app's managed identity (role "Storage Table Data Contributor"), as ARM is.
import { odata } from "@azure/data-tables";
import type { TokenCredential } from "@azure/identity";
import { armCredential } from "../azure/clients.js";
import { appConfig, type AppConfig } from "../config/index.js";
import { OwnTable, statusOf, tableClientFor, type TableConfig } from "../state/table.js";
import { CALLBACK_HEADERS, type PipelineCallback } from "./headers.js";

export interface StoredCallback {
  instanceId: string;
  callback: PipelineCallback;
}

export class CallbackStore {
  private readonly table: OwnTable;

  constructor(config: TableConfig, credential: TokenCredential) {
    this.table = new OwnTable(tableClientFor(config, credential));
  }

  private get client() {
    return this.table.client;
  }

  private ready(): Promise<void> {
    return this.table.ready();
  }

  /** Idempotent: the same task calling twice (a retried request) keeps one row. */
  async save(instanceId: string, callback: PipelineCallback): Promise<void> {
    await this.ready();
    await this.client.upsertEntity(
      { partitionKey: instanceId, rowKey: callback.TaskInstanceId, ...callback },
      "Replace",
    );
  }

  async list(instanceId: string): Promise<StoredCallback[]> {
    await this.ready();
    const out: StoredCallback[] = [];
    const rows = this.client.listEntities<Record<string, unknown>>({
      queryOptions: { filter: odata`PartitionKey eq ${instanceId}` },
    });
    for await (const row of rows) {
      const cb = toCallback(row);
      if (cb) out.push({ instanceId, callback: cb });
    }
    return out;
  }

  /** Removes a used row; a row already gone (another reporter was first) is fine. */
  async remove(instanceId: string, taskInstanceId: string): Promise<void> {
    try {
      await this.client.deleteEntity(instanceId, taskInstanceId);
    } catch (e) {
      if (statusOf(e) !== 404) throw e;
    }
  }
}

function toCallback(row: Record<string, unknown>): PipelineCallback | undefined {
  const cb: Partial<PipelineCallback> = {};
  for (const name of CALLBACK_HEADERS) {
    const v = row[name];
    if (typeof v !== "string") return undefined;
    cb[name] = v;
  }
  return cb as PipelineCallback;
}

let store: { key: string; value: CallbackStore } | undefined;

/** The callback table of this deployment (one client per process), or undefined when not configured. */
export function callbackStore(config: AppConfig = appConfig()): CallbackStore | undefined {
  const c = config.callback;
  if (!c) return undefined;
  const key = `${c.tableUrl}|${c.table}`;
  if (store?.key !== key) store = { key, value: new CallbackStore(c, armCredential(config)) };
  return store.value;
}
