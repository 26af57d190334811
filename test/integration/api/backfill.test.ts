// The upgrade to the index layout loses nothing: clusters created before it (provisioning instances
// in the task hub, no index or quota rows) are not found by name outside the default resource
// group, listed, or counted until the one-time backfill (application/backfill.ts) runs; after it,
// they are, through the REAL durable client (the hub is paged with continuation tokens) and the REAL
// Table client against the emulator's Table service. Run again, the backfill reads its marker row
// and does nothing else.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import functions from "@azure/functions";
import type * as df from "durable-functions";
import { BACKFILL_STEP, backfillIndex } from "../../../application/backfill.js";
import type { ClusterApi } from "../../../application/cluster-api.js";
import type { FunctionsHost } from "../../../emulators/functions-host/index.js";
import { allInstancesOf } from "../../../functions/orchestrations.js";
import { durableClientOf, startStack, type Stack } from "../../../harness/stack.js";
import type { Caller } from "../../../shared/auth/caller.js";
import { provisionInstanceId } from "../../../shared/azure/names.js";
import { loadConfig } from "../../../shared/config/index.js";
import { ORCHESTRATION } from "../../../shared/provision/durable.js";
import type { ProvisionInput } from "../../../shared/provision/types.js";
import type { ClusterStateTable } from "../../../shared/state/cluster-table.js";
import { stackApi } from "../../helpers/stack-api.js";
import { provisionInput, spec } from "../../unit/provision/fixtures.js";

const { HttpRequest } = functions;

let stack: Stack;
let stateDir: string;
let client: df.DurableClient;
let table: ClusterStateTable;
let api: ClusterApi;
let tableRequests = 0;
const caller: Caller = {
  // An Entra object id: the team's default access grant (no group in AKSV_TEAM_MAP) is the caller.
  id: "0a0a0a0a-0000-4000-8000-0000000b0f11",
  displayName: "legacy-owner",
  roles: new Set(["Clusters.Write"]),
  teams: new Set(["legacy"]),
};

before(async () => {
  stateDir = await mkdtemp(join(tmpdir(), "aksv-backfill-"));
  // Time scale 1: nothing the test starts gets far; it terminates the old clusters' runs anyway.
  stack = await startStack({ stateDir, timeScale: 1 });
  client = durableClientOf(stack.host as FunctionsHost);
  const config = loadConfig({ ...stack.env, AKSV_TEAM_QUOTA: "2" });
  ({ api, table } = stackApi(stack, config, client, () => tableRequests++));
});

after(async () => {
  await stack?.stop();
  await rm(stateDir, { recursive: true, force: true });
});

/** A cluster as the layout before the index made it: a provisioning instance and nothing else. */
async function oldLayoutCluster(name: string, resourceGroup: string): Promise<ProvisionInput> {
  const input = provisionInput(spec({ name, team: "legacy", resourceGroup }));
  const instanceId = provisionInstanceId(input.target);
  await client.startNew(ORCHESTRATION.provisionCluster.name, { instanceId, input });
  // Its run is not the subject here: stop it (a terminated run is a Failed cluster, which counts).
  await client.terminate(instanceId, "old layout fixture");
  return input;
}

const listNames = async () => {
  const r = await api.list(new URLSearchParams("team=legacy&all=true"), caller);
  assert.equal(r.status, 200, JSON.stringify(r.jsonBody));
  return (r.jsonBody as { value: { name: string }[] }).value.map((v) => v.name);
};

function post(name: string) {
  const body = JSON.stringify({ name, team: "legacy", nodePool: { count: 1 } });
  return api.create(
    new HttpRequest({ method: "POST", url: "http://localhost/api/clusters", body: { string: body } }),
    caller,
  );
}

describe("index backfill on upgrade", () => {
  it("makes clusters of the old layout findable by name, listed and counted in their team's quota, once", async () => {
    await oldLayoutCluster("legacy-a", "rg-legacy-elsewhere");
    await oldLayoutCluster("legacy-b", "rg-legacy-other");

    // Before: outside the default resource group, nothing leads to them.
    assert.equal((await api.get("legacy-a", caller)).status, 404);
    assert.deepEqual(await listNames(), []);

    const report = await backfillIndex({ allInstances: allInstancesOf(client), index: table, quotas: table });
    assert.deepEqual(report, { clusters: 2, names: 2, holders: 2 });

    // After: found by name, listed, and the team's quota (2) is full with them.
    const got = await api.get("legacy-a", caller);
    assert.equal(got.status, 200, JSON.stringify(got.jsonBody));
    assert.equal((got.jsonBody as { resourceGroup: string }).resourceGroup, "rg-legacy-elsewhere");
    assert.deepEqual(await listNames(), ["legacy-a", "legacy-b"]);
    const refused = await post("legacy-new");
    assert.equal(refused.status, 409, JSON.stringify(refused.jsonBody));
    assert.match(JSON.stringify(refused.jsonBody), /QuotaExceeded.*legacy-a, legacy-b/);

    // Once: the marker row is there, so a second run reads it and nothing else.
    const before = tableRequests;
    assert.equal(await table.upgraded(BACKFILL_STEP), true);
    assert.equal(
      await backfillIndex({
        allInstances: () => Promise.reject(new Error("must not list the hub again")),
        index: table,
        quotas: table,
      }),
      undefined,
    );
    assert.equal(tableRequests - before, 2, "the marker read by upgraded() and by backfillIndex()");
  });
});
