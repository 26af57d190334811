// The ClusterApi over a running local stack's real adapters: the durable client `client` and the
// state table in the Azure emulator's Table service, whose every request calls `onTableRequest`
// (tests count them). For tests that call the application directly, without the HTTP host.
import { TableClient } from "@azure/data-tables";
import type * as df from "durable-functions";
import { ClusterApi } from "../../application/cluster-api.js";
import { orchestrationsOf } from "../../functions/orchestrations.js";
import { credentialFor } from "../../harness/azure.js";
import type { Stack } from "../../harness/stack.js";
import type { AppConfig } from "../../shared/config/index.js";
import { ClusterStateTable } from "../../shared/state/cluster-table.js";

export function stackApi(
  stack: Stack,
  config: AppConfig,
  client: df.DurableClient,
  onTableRequest: () => void,
): { api: ClusterApi; table: ClusterStateTable } {
  const tableClient = new TableClient(stack.azure.tableUrl, config.state!.table, credentialFor(stack.azure), {
    tlsOptions: { ca: stack.azure.caPem },
  });
  tableClient.pipeline.addPolicy({
    name: "count",
    sendRequest: (request, next) => {
      onTableRequest();
      return next(request);
    },
  });
  const table = new ClusterStateTable(tableClient);
  const api = new ClusterApi({
    config,
    orchestrations: orchestrationsOf(client),
    index: table,
    quotas: table,
    userKubeconfig: () => Promise.reject(new Error("not asked")),
  });
  return { api, table };
}
