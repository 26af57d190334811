// Agentless waiting end to end, against the whole local stack with the Functions host in its own
// process, and a stand-in for Azure DevOps. The example pipeline's server job, run as Azure DevOps runs
// it (its service connection's token, not a header of its own), creates a cluster and gets its
// TaskCompleted; the example as it was (a bearer token in a custom header through a Generic
// connection) is refused as the service would have it refused. Then POST /api/clusters with the
// callback headers (waitForCompletion: true): each task gets exactly one TaskCompleted with the right
// result — across a SIGKILL of the host during provisioning, 500s from Azure DevOps, and a kill while
// the TaskCompleted POST is in flight — and the AuthToken never reaches durable state.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { odata, TableClient } from "@azure/data-tables";
import { ClientAssertionCredential } from "@azure/identity";
import { decodeJwt } from "jose";
import { provisionInstanceId } from "../../shared/azure/names.js";
import { loadPipeline, PIPELINE_CLIENT_ID, serverSteps, TODAYS_SERVER_STEP } from "../helpers/pipeline.js";
import { credentialFor } from "../../harness/azure.js";
import { waitFor } from "../integration/functions-host/helpers.js";
import { DevOpsStandIn } from "./devops-standin.js";
import type { AzureRmConnection } from "./devops-tasks.js";
import {
  devToken,
  json,
  spawnHost,
  startStack,
  waitForPhase,
  type ClusterDoc,
  type HostProcess,
  type Stack,
} from "../../harness/stack.js";

const FAILING = "cbfail";
/** A pipeline app the deployment does not list in AKSV_PIPELINE_CALLERS. */
const UNLISTED_CLIENT_ID = "0f0e0d0c-0b0a-4909-8807-060504030201";

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
  /**
   * An Azure Resource Manager service connection with workload identity federation: Azure DevOps
   * exchanges its OIDC token for an Entra token (client credentials with a client assertion).
   */
  const armConnection = (clientId: string): AzureRmConnection => {
    const credential = new ClientAssertionCredential(
      s.azure.tenantId,
      clientId,
      () => Promise.resolve("azure-devops-oidc-token"),
      {
        authorityHost: s.azure.url,
        disableInstanceDiscovery: true,
        tlsOptions: { ca: s.azure.caPem },
      } as ConstructorParameters<typeof ClientAssertionCredential>[3],
    );
    return {
      type: "azurerm",
      servicePrincipalId: clientId,
      tenantId: s.azure.tenantId,
      url: `${s.azure.url}/`,
      token: async (resource) =>
        (await credential.getToken(`${resource.replace(/\/+$/, "")}/.default`)).token,
    };
  };
  /** The pipeline's variables, its API pointing at this stack, and one connection. */
  const pipelineContext = (buildId: string, connection: AzureRmConnection) => {
    const { variables } = loadPipeline();
    return {
      variables: { ...variables, AKSV_API_URL: api(), "Build.BuildId": buildId },
      connections: { [variables["serviceConnection"]!]: connection },
    };
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
      env: {
        AKSV_PIPELINE_CALLERS: JSON.stringify({
          [PIPELINE_CLIENT_ID]: { roles: ["Clusters.Write"], teams: ["team-a"] },
        }),
      },
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
    // An admin who is also in the team: the clusters' default access grant is the caller.
    auth = {
      Authorization: `Bearer ${await devToken(s, { roles: ["Clusters.Admin"], teams: ["platform"] })}`,
    };
  });

  after(async () => {
    await host.stop();
    await s.azure.stop();
    await s.kube.stop();
    await devops.stop();
    await rm(stateDir, { recursive: true, force: true });
  });

  it("the example pipeline's server job creates its cluster with its service connection's token and gets TaskCompleted", async () => {
    const [step] = serverSteps(loadPipeline());
    const run = await devops.run(
      step!,
      pipelineContext("77", armConnection(PIPELINE_CLIENT_ID)),
      "task-example",
    );
    assert.equal(run.status, 200, run.body);
    assert.equal(run.request.url, `${api()}/clusters?code=&`);
    const bearer = /^Bearer (.+)$/.exec(run.request.headers["Authorization"] ?? "")?.[1];
    assert.ok(bearer, "the connection's bearer token");
    const claims = decodeJwt(bearer);
    assert.equal(claims.aud, `api://${PIPELINE_CLIENT_ID}`, "a token for the connection's own app");
    assert.equal(claims["azp"], PIPELINE_CLIENT_ID);
    assert.deepEqual(devops.record("task-example"), { id: "task-example", state: "inProgress" });
    const events = await completed("task-example");
    assert.equal(events[0]!.body.result, "succeeded");
    assert.deepEqual(devops.record("task-example"), {
      id: "task-example",
      state: "completed",
      result: "succeeded",
    });
    const token = auth["Authorization"]!.slice("Bearer ".length);
    const cluster = await waitForPhase(api(), token, "team-a-77", ["Succeeded", "Failed"]);
    assert.equal(cluster.phase, "Succeeded");
    assert.equal((cluster as ClusterDoc & { team?: string }).team, "team-a");
  });

  it("today's example (InvokeRESTAPI@1, Generic connection, Bearer in a custom header) is refused: the connection's Basic replaced the token", async () => {
    const token = await devToken(s, { roles: ["Clusters.Write"], teams: ["team-a"] });
    const direct = await fetch(`${api()}/clusters`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(direct.status, 200, "the token itself is good for the API");
    const { variables } = loadPipeline();
    const run = await devops.run(
      TODAYS_SERVER_STEP,
      {
        variables: { ...variables, AKSV_API_URL: api(), "Build.BuildId": "78", apiToken: token },
        connections: { "aks-vending-api": { type: "generic", url: api() } },
      },
      "task-today",
    );
    assert.equal(run.status, 401, run.body);
    assert.match(run.headers.get("www-authenticate") ?? "", /^Bearer realm="aks-vending"/);
    assert.match(run.request.headers["Authorization"] ?? "", /^Basic /);
    assert.ok(!JSON.stringify(run.request.headers).includes(token), "the custom header did not survive");
    assert.deepEqual(devops.record("task-today"), { id: "task-today", state: "completed", result: "failed" });
    assert.equal(await doc("team-a-78"), undefined, "no cluster was started");
  });

  it("a service connection whose app the deployment does not list is refused (401)", async () => {
    const [step] = serverSteps(loadPipeline());
    const run = await devops.run(
      step!,
      pipelineContext("79", armConnection(UNLISTED_CLIENT_ID)),
      "task-unlisted",
    );
    assert.equal(run.status, 401, run.body);
    assert.deepEqual(devops.record("task-unlisted"), {
      id: "task-unlisted",
      state: "completed",
      result: "failed",
    });
    assert.equal(await doc("team-a-79"), undefined);
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
    // at the end finds a token where it is: in Azurite's database file, while the row exists; Azurite
    // saves it every 5 s).
    assert.equal((await rows(names.ok)).length, 1);
    const tableFile = join(stateDir, "azure", "tables", "azurite-table.json");
    const tableFileHolds = (token: string) =>
      existsSync(tableFile) && readFileSync(tableFile).includes(token);
    await until("the scan can see a token in Azurite's file", () =>
      tableFileHolds(`ado-token-${tasks.ok}-secret`) ? true : undefined,
    );

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

    // The tokens are nowhere in the state directory (the host's SQLite task hub included) or the API,
    // once Azurite has saved the removed rows.
    await until("Azurite saved the removals", () =>
      (["ok", "fail", "flaky", "held"] as const).some((k) => tableFileHolds(`ado-token-${tasks[k]}-secret`))
        ? undefined
        : true,
    );
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
