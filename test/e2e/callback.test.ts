// Agentless waiting end to end: POST /api/clusters with the callback headers an AzureFunction@1 task
// sends (waitForCompletion: true), against the whole local stack with the Functions host in its own
// process, and a stand-in for Azure DevOps. Each task gets exactly one TaskCompleted with the right
// result — across a SIGKILL of the host during provisioning, 500s from Azure DevOps, and a kill while
// the TaskCompleted POST is in flight — and the AuthToken never reaches durable state.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { odata, TableClient } from "@azure/data-tables";
import { provisionInstanceId } from "../../shared/azure/names.js";
import { credentialFor } from "../integration/azure/helpers.js";
import { waitFor } from "../integration/functions-host/helpers.js";
import { DevOpsStandIn } from "./devops-standin.js";
import {
  devToken,
  json,
  spawnHost,
  startStack,
  waitForPhase,
  type ClusterDoc,
  type HostProcess,
  type Stack,
} from "./stack.js";

const FAILING = "cbfail";

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

/** Clusters take tens of seconds here: a longer deadline than waitFor's default. */
const until = <T>(what: string, f: () => Promise<T | undefined> | T | undefined) => waitFor(what, f, 90_000);

describe("Azure DevOps agentless callback (server job)", () => {
  let stateDir: string;
  let s: Stack;
  let host: HostProcess;
  let devops: DevOpsStandIn;
  let auth: Record<string, string>;
  const api = () => `${host.url}/api`;

  const post = (body: unknown, headers: Record<string, string>) =>
    fetch(`${api()}/clusters`, {
      method: "POST",
      body: JSON.stringify(body),
      headers: { "content-type": "application/json", ...auth, ...headers },
    });
  const cluster = (name: string) => ({ name, team: "platform", nodePool: { count: 1 } });
  const doc = async (name: string) => {
    const r = await fetch(`${api()}/clusters/${name}`, { headers: auth });
    return r.status === 200 || r.status === 202 ? json<ClusterDoc>(r) : undefined;
  };
  const restart = async () => {
    await host.kill();
    host = await spawnHost(stateDir, s.env, false);
  };
  const table = () =>
    new TableClient(s.env["AKSV_CALLBACK_TABLE_URL"]!, "pipelinecallbacks", credentialFor(s.azure), {
      tlsOptions: { ca: s.azure.caPem },
    });
  const rows = async (name: string) => {
    const id = provisionInstanceId({
      subscriptionId: s.azure.subscriptionId,
      resourceGroup: `rg-${name}`,
      name,
    });
    const out: unknown[] = [];
    for await (const e of table().listEntities({ queryOptions: { filter: odata`PartitionKey eq ${id}` } }))
      out.push(e);
    return out;
  };
  /** The provisioning orchestration's runtime status, from the host's Durable HTTP API (system key). */
  const runtimeStatus = async (name: string): Promise<string> => {
    const keys = JSON.parse(readFileSync(join(stateDir, "functions-host", "host.keys.json"), "utf8")) as {
      systemKeys: Record<string, string>;
    };
    const id = provisionInstanceId({
      subscriptionId: s.azure.subscriptionId,
      resourceGroup: `rg-${name}`,
      name,
    });
    const code = Object.values(keys.systemKeys)[0]!;
    const r = await fetch(
      `${host.url}/runtime/webhooks/durabletask/instances/${encodeURIComponent(id)}?code=${encodeURIComponent(code)}`,
    );
    return r.ok ? ((await r.json()) as { runtimeStatus: string }).runtimeStatus : "";
  };
  /** The event of a task once it is applied, and no later than that: exactly one so far. */
  const completed = (task: string) =>
    until(`TaskCompleted for ${task}`, () => {
      const applied = devops.applied(task);
      return applied.length > 0 ? applied : undefined;
    });

  before(async () => {
    stateDir = await mkdtemp(join(tmpdir(), "aksv-callback-"));
    s = await startStack({
      stateDir,
      hostProcess: true,
      timeScale: 0.02,
      faults: {
        rules: [
          {
            kind: "provisioningFailure",
            resourceType: "Microsoft.ContainerService/managedClusters",
            path: `/managedClusters/${FAILING}$`,
            code: "QuotaExceeded",
            message: "Operation could not be completed as it results in exceeding approved Cores quota",
          },
        ],
      },
    });
    host = s.host as HostProcess;
    devops = await DevOpsStandIn.start(stateDir);
    auth = { Authorization: `Bearer ${await devToken(s)}` };
  });

  after(async () => {
    await host.stop();
    await s.azure.stop();
    await s.kube.stop();
    await devops.stop();
    await rm(stateDir, { recursive: true, force: true });
  });

  it("refuses incomplete callback headers with 400 naming the missing ones, and stores nothing", async () => {
    const h = devops.taskHeaders("task-partial");
    delete h["AuthToken"];
    delete h["TimelineId"];
    const r = await post(cluster("cbpartial"), h);
    assert.equal(r.status, 400);
    const body = await json<{ error: { code: string; message: string; details: { path: string }[] } }>(r);
    assert.equal(body.error.code, "InvalidCallbackHeaders");
    assert.deepEqual(body.error.details.map((d) => d.path).sort(), [
      "headers.AuthToken",
      "headers.TimelineId",
    ]);
    assert.equal(await doc("cbpartial"), undefined, "no cluster was started");
  });

  it("exactly one TaskCompleted per task with the right result, across kills, 500s and a kill mid-POST", async () => {
    const tasks = { ok: "task-ok", fail: "task-fail", flaky: "task-flaky", held: "task-held" };
    const names = { ok: "cbok", fail: FAILING, flaky: "cbflaky", held: "cbheld" };
    devops.failNext(tasks.flaky, 2);
    const held = devops.hold(tasks.held);
    for (const k of ["ok", "fail", "flaky", "held"] as const) {
      const r = await post(cluster(names[k]), devops.taskHeaders(tasks[k]));
      assert.equal(r.status, 200, `${k}: ${await r.text()}`);
    }
    // The callbacks wait in Table storage, never in the orchestration's input or status (the scan
    // at the end finds a token where it is: in the emulator's table file, while the row exists).
    assert.equal((await rows(names.ok)).length, 1);
    const tableFile = join(stateDir, "azure", "tables.json");
    assert.ok(readFileSync(tableFile).includes(`ado-token-${tasks.ok}-secret`), "the scan can see a token");

    // SIGKILL the host while cbok's cluster is being created, and start it again.
    await until("cbok's cluster create", async () => {
      const d = await doc(names.ok);
      assert.ok(d && !["Succeeded", "Failed"].includes(d.phase), `finished before the kill: ${d?.phase}`);
      return d.steps.some((x) => x.name === "cluster" && x.status === "Running") ? true : undefined;
    });
    await restart();

    // cbheld's TaskCompleted reaches Azure DevOps, but the host dies before the answer.
    await held;
    await restart();

    const ok = await completed(tasks.ok);
    const fail = await completed(tasks.fail);
    const flaky = await completed(tasks.flaky);
    const heldEvents = await completed(tasks.held);
    for (const k of ["ok", "fail", "flaky", "held"] as const)
      await until(`${names[k]}'s callback row removed`, async () =>
        (await rows(names[k])).length === 0 ? true : undefined,
      );
    // Count only once every provisioning orchestration is over: no activity can run again after that.
    for (const k of ["ok", "fail", "flaky", "held"] as const)
      await until(`${names[k]}'s orchestration over`, async () =>
        ["Completed", "Failed", "Terminated"].includes(await runtimeStatus(names[k])) ? true : undefined,
      );

    const token = auth["Authorization"]!.slice("Bearer ".length);
    assert.equal((await waitForPhase(api(), token, names.ok, ["Succeeded", "Failed"])).phase, "Succeeded");
    assert.equal((await waitForPhase(api(), token, names.fail, ["Succeeded", "Failed"])).phase, "Failed");
    for (const [k, events, result] of [
      ["ok", ok, "succeeded"],
      ["fail", fail, "failed"],
      ["flaky", flaky, "succeeded"],
      ["held", heldEvents, "succeeded"],
    ] as const) {
      assert.equal(devops.applied(tasks[k]).length, 1, `${k}: exactly one TaskCompleted`);
      assert.deepEqual(events[0]!.body, {
        name: "TaskCompleted",
        taskId: tasks[k],
        jobId: "job-0001",
        result,
      });
      const token = `ado-token-${tasks[k]}-secret`;
      assert.equal(events[0]!.authorization, `Basic ${Buffer.from(`:${token}`).toString("base64")}`);
      assert.match(
        events[0]!.path,
        /^\/6a5b8c1e-0000-4000-8000-00000000beef\/_apis\/distributedtask\/hubs\/build\/plans\/plan-0001\/events$/,
      );
    }
    assert.equal(
      devops.events.filter((e) => e.body.taskId === tasks.flaky && !e.applied).length,
      2,
      "the two 500s were retried",
    );

    // The tokens are nowhere in the state directory (the host's SQLite task hub included) or the API.
    for (const k of ["ok", "fail", "flaky", "held"] as const) {
      const token = `ado-token-${tasks[k]}-secret`;
      const d = JSON.stringify(await doc(names[k]));
      assert.ok(!d.includes(token), `${k}: token in the status document`);
      for (const f of files(stateDir))
        assert.ok(!readFileSync(f).includes(token), `${k}: token found in ${f}`);
    }
  });

  it("an idempotent repeat for a finished cluster still gets its TaskCompleted (notifyPipelines)", async () => {
    const r = await post(cluster("cbok"), devops.taskHeaders("task-repeat"));
    assert.equal(r.status, 200);
    assert.equal((await json<ClusterDoc>(r)).phase, "Succeeded");
    const events = await completed("task-repeat");
    assert.equal(events[0]!.body.result, "succeeded");
    await until("the repeat's row removed", async () =>
      (await rows("cbok")).length === 0 ? true : undefined,
    );
    assert.equal(devops.applied("task-repeat").length, 1);
  });

  it("a DELETE that stops a running provisioning reports failed", async () => {
    const r = await post(cluster("cbdeleted"), devops.taskHeaders("task-deleted"));
    assert.equal(r.status, 200);
    await until("cbdeleted provisioning", async () => {
      const d = await doc("cbdeleted");
      return d?.steps.some((x) => x.status === "Succeeded") ? true : undefined;
    });
    const del = await fetch(`${api()}/clusters/cbdeleted`, { method: "DELETE", headers: auth });
    assert.equal(del.status, 202);
    const events = await completed("task-deleted");
    assert.equal(events[0]!.body.result, "failed");
    assert.equal(devops.applied("task-deleted").length, 1);
  });
});
