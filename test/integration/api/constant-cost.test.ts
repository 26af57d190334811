// The API's cost per request does not grow with the task hub or with other teams' clusters: the
// ClusterApi runs here over the REAL durable client (to the local Functions host, through a proxy
// that counts its HTTP requests) and the REAL Table client (to the emulator's Table service, with a
// pipeline policy that counts its requests). It measures POST, GET (found and missing) and a team's
// list; fills the hub with 1,000 instances through the durable client and the index with 1,000 other
// teams' clusters; and measures again. Operations are counted, not timed, so load cannot flake it.
import assert from "node:assert/strict";
import { createServer, request as httpRequest, type Server } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import functions from "@azure/functions";
import type * as df from "durable-functions";
import type { ClusterApi } from "../../../application/cluster-api.js";
import type { FunctionsHost } from "../../../emulators/functions-host/index.js";
import { durableClientOf, startStack, type Stack } from "../../../harness/stack.js";
import type { Caller } from "../../../shared/auth/caller.js";
import { loadConfig } from "../../../shared/config/index.js";
import { ORCHESTRATION } from "../../../shared/provision/durable.js";
import type { ClusterStateTable } from "../../../shared/state/cluster-table.js";
import { stackApi } from "../../helpers/stack-api.js";

const { HttpRequest } = functions;
const FILL = 1000;

let stack: Stack;
let stateDir: string;
let proxy: Server;
const count = { hub: 0, table: 0 };

/** Forwards every request to `target` and counts it: the durable client's calls to the task hub. */
function countingProxy(target: string): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    count.hub++;
    const out = httpRequest(
      new URL(req.url ?? "/", target),
      { method: req.method, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    out.on("error", (e) => res.destroy(e));
    req.pipe(out);
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      resolve({ server, origin: `http://127.0.0.1:${port}` });
    }),
  );
}

let api: ClusterApi;
let client: df.DurableClient;
let table: ClusterStateTable;
const caller: Caller = {
  // An Entra object id: the team's default access grant (no group in AKSV_TEAM_MAP) is the caller.
  id: "0a0a0a0a-0000-4000-8000-0000000c0575",
  displayName: "probe",
  roles: new Set(["Clusters.Write"]),
  teams: new Set(["probe", "listed"]),
};

before(async () => {
  stateDir = await mkdtemp(join(tmpdir(), "aksv-cost-"));
  // Time scale 1: the clusters this test creates stay in their first steps while it counts.
  stack = await startStack({ stateDir, timeScale: 1 });
  const host = stack.host as FunctionsHost;
  const p = await countingProxy(host.url);
  proxy = p.server;
  client = durableClientOf(host, p.origin);
  const config = loadConfig(stack.env);
  ({ api, table } = stackApi(stack, config, client, () => count.table++));
});

after(async () => {
  proxy?.close();
  await stack?.stop();
  await rm(stateDir, { recursive: true, force: true });
});

/** The hub and table requests `work` makes. */
async function cost(work: () => Promise<unknown>): Promise<{ hub: number; table: number }> {
  const before = { ...count };
  await work();
  return { hub: count.hub - before.hub, table: count.table - before.table };
}

function post(name: string, team = "probe") {
  return api.create(
    new HttpRequest({
      method: "POST",
      url: "http://localhost/api/clusters",
      body: { string: JSON.stringify({ name, team, nodePool: { count: 1 } }) },
    }),
    caller,
  );
}

async function costs(round: number) {
  const name = `probe-${round}`;
  return {
    post: await cost(async () => assert.equal((await post(name)).status, 202)),
    get: await cost(async () => assert.equal((await api.get(name, caller)).status, 202)),
    getMissing: await cost(async () => assert.equal((await api.get(`nope-${round}`, caller)).status, 404)),
    // A team of three clusters (made before): the list reads that team's partition only.
    list: await cost(async () => {
      const r = await api.list(new URLSearchParams("team=listed"), caller);
      assert.equal((r.jsonBody as { value: unknown[] }).value.length, 3);
    }),
  };
}

async function fill(): Promise<void> {
  // 1,000 instances in the hub, started through the durable client (quota-slot orchestrations of
  // earlier versions: they wait for an event, so the host does one episode each), and 1,000 other
  // teams' clusters in the index.
  const ids = Array.from({ length: FILL }, (_, i) => i);
  for (let i = 0; i < FILL; i += 50)
    await Promise.all(
      ids.slice(i, i + 50).map(async (k) => {
        await client.startNew(ORCHESTRATION.clusterQuotaSlot.name, {
          instanceId: `filler-${k}`,
          input: { team: `other${k % 100}`, holder: `aksv-filler-${k}`, cluster: `filler-${k}` },
        });
        await table.put({ name: `filler-${k}`, team: `other${k % 100}`, instanceId: `aksv-filler-${k}` });
      }),
    );
}

describe("cost per request with a full task hub", () => {
  it(`POST, GET and a team's list make as many hub and table requests with ${FILL} more instances and other teams' clusters`, async (t) => {
    // Warm up (the table is created on first use), and give the team three clusters to list.
    for (const name of ["listed-a", "listed-b", "listed-c"])
      assert.equal((await post(name, "listed")).status, 202);
    await costs(1);
    const small = await costs(2);
    await fill();
    const status = (await client.getStatusBy({})).length;
    assert.ok(status >= FILL, `the hub holds ${status} instances`);
    const big = await costs(3);
    t.diagnostic(`requests per call, ${status} instances in the hub: ${JSON.stringify(big)}`);
    assert.deepEqual(big, small);
    // And they are few: point reads and writes.
    // POST: the name's instance, its start, and the start of its drift monitor.
    assert.ok(small.post.hub <= 3 && small.post.table <= 5, JSON.stringify(small.post));
    // GET: the name row (the latest operation), then that operation, its deletion and the drift monitor.
    assert.ok(small.get.hub <= 3 && small.get.table === 1, JSON.stringify(small.get));
    assert.ok(small.getMissing.hub <= 1 && small.getMissing.table <= 1, JSON.stringify(small.getMissing));
    // One partition query, then two point reads per listed cluster (its run and its deletion).
    assert.ok(small.list.table === 1 && small.list.hub <= 2 * 3, JSON.stringify(small.list));
  });
});
