// One Table storage table of the app's (the cluster index and quota rows, the pipeline callbacks):
// its client, with the retry policy both use, and the table created on first use.
import { TableClient } from "@azure/data-tables";
import type { TokenCredential } from "@azure/identity";

export interface TableConfig {
  /** Table service endpoint, e.g. https://<account>.table.core.windows.net */
  tableUrl: string;
  table: string;
}

/** A client of `config`'s table, reached with `credential` (the app's managed identity in Azure). */
export function tableClientFor(config: TableConfig, credential: TokenCredential): TableClient {
  return new TableClient(config.tableUrl, config.table, credential, {
    retryOptions: { maxRetries: 3, retryDelayInMs: 200, maxRetryDelayInMs: 2000 },
  });
}

/** The HTTP status of a Table service error, if it has one. */
export function statusOf(e: unknown): number | undefined {
  return (e as { statusCode?: number } | null)?.statusCode;
}

/**
 * A table the app creates on first use: `ready()` creates it once per client (a no-op when it
 * exists: the SDK swallows TableAlreadyExists); a failed creation is tried again on the next use.
 */
export class OwnTable {
  private created: Promise<void> | undefined;

  constructor(readonly client: TableClient) {}

  ready(): Promise<void> {
    this.created ??= this.client.createTable().catch((e: unknown) => {
      this.created = undefined;
      throw e;
    });
    return this.created;
  }
}
