// Day 2 through HTTP on the whole local stack: PUT creates and updates, PATCH applies a JSON merge
// patch, generations and ETags, If-Match under concurrency (the index row's ETag decides), one
// operation at a time (409 OperationInProgress), immutable fields (409 FieldImmutable), what-if
// plans that write nothing to ARM (the Azure emulator's request log), and a DELETE superseding a
// running update.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { FunctionsHost } from "../../../emulators/functions-host/index.js";
import {
  callApi,
  devToken,
  durableClientOf,
  json,
  startStack,
  waitForPhase,
  type ClusterDoc,
  type Stack,
} from "../../../harness/stack.js";
import { provisionInstanceId, updateInstanceId } from "../../../shared/azure/names.js";
import { loadConfig } from "../../../shared/config/index.js";
import { stackApi } from "../../helpers/stack-api.js";
import { tutorialRequest } from "../../helpers/examples.js";

let stack: Stack;
let stateDir: string;
let token: string;

type Doc = ClusterDoc;
interface ArmError {
  error: { code: string; message: string; details: { path: string; code: string; message: string }[] };
}
interface PlanBody {
  plan: {
    changes: { path: string; from?: unknown; to?: unknown; action: string; disruptive: boolean }[];
    arm: { method: string; resourceId: string; reason: string }[];
    kubernetes: { action: string; kind: string; namespace: string; name: string }[];
    reachability: { changed: { from: string; to: string; port: number; before: string; after: string }[] };
  };
}

before(async () => {
  stateDir = await mkdtemp(join(tmpdir(), "aksv-updates-"));
  stack = await startStack({ stateDir });
  // A platform member too: the tutorial's default access grant (writer) goes to the caller.
  token = await devToken(stack, { roles: ["Clusters.Admin"], teams: ["platform"] });
});

after(async () => {
  await stack?.stop();
  await rm(stateDir, { recursive: true, force: true });
});

/** The tutorial's request under another name (and resource group), changed by `change`. */
function request(name: string, change: (d: Record<string, any>) => void = () => undefined) {
  const d = tutorialRequest();
  d.name = name;
  d.resourceGroup = `rg-${name}`;
  change(d);
  return d;
}

function put(name: string, body: unknown, headers: Record<string, string> = {}, query = "") {
  return callApi(stack.api, token, `/clusters/${name}${query}`, {
    method: "PUT",
    body: JSON.stringify(body),
    headers,
  });
}

function patch(
  name: string,
  body: unknown,
  type = "application/merge-patch+json",
  headers: Record<string, string> = {},
) {
  return callApi(stack.api, token, `/clusters/${name}`, {
    method: "PATCH",
    body: JSON.stringify(body),
    headers: { "content-type": type, ...headers },
  });
}

async function settled(name: string, generation: number): Promise<Doc> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const doc = (await waitForPhase(stack.api, token, name, ["Succeeded", "Failed"])) as Doc;
    if (doc.generation === generation && doc.observedGeneration === generation) return doc;
    if (doc.phase === "Failed" || Date.now() > deadline)
      throw new Error(
        `${name}: ${doc.phase} at ${doc.observedGeneration}/${doc.generation}, wanted ${generation}`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** ARM writes (PUT, PATCH, DELETE, POST) the emulator served after request number `since`. */
function armWritesSince(since: number) {
  return stack.azure.recorder
    .query({ sinceSeq: since })
    .filter((r) => r.method !== "GET" && r.method !== "HEAD")
    .map((r) => `${r.method} ${r.path}`);
}

function lastSeq(): number {
  return stack.azure.recorder.query().at(-1)?.seq ?? 0;
}

describe("day 2 over HTTP", () => {
  it("PUT creates an absent cluster as POST does; a change while the create runs is 409 OperationInProgress", async () => {
    const r = await put("d2-one", request("d2-one"));
    assert.equal(r.status, 202, await r.clone().text());
    assert.equal(r.headers.get("location"), "/api/clusters/d2-one");
    assert.ok(r.headers.get("retry-after"));
    assert.equal(r.headers.get("etag"), '"1"');
    const doc = await json<Doc>(r);
    assert.deepEqual([doc.generation, doc.observedGeneration, doc.operation], [1, 0, "create"]);

    const busy = await put(
      "d2-one",
      request("d2-one", (d) => (d.nodePool = { count: 2 })),
    );
    assert.equal(busy.status, 409);
    assert.equal((await json<ArmError>(busy)).error.code, "OperationInProgress");

    const done = await settled("d2-one", 1);
    assert.equal(done.operation, "create");
  });

  it("PUT of the same spec is idempotent: 200, the same generation and ETag", async () => {
    const r = await put("d2-one", request("d2-one"));
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("etag"), '"1"');
    assert.equal((await json<Doc>(r)).generation, 1);
  });

  it("a serviceCidr change is 409 FieldImmutable at network.serviceCidr", async () => {
    const r = await put(
      "d2-one",
      request(
        "d2-one",
        (d) => (d.network = { ...d.network, serviceCidr: "10.1.0.0/16", dnsServiceIp: "10.1.0.10" }),
      ),
    );
    assert.equal(r.status, 409);
    const e = await json<ArmError>(r);
    assert.equal(e.error.code, "FieldImmutable");
    assert.ok(e.error.details.some((d) => d.path === "network.serviceCidr" && d.code === "FieldImmutable"));
  });

  it("a Kubernetes version the region does not offer (ARM's kubernetesVersions) is 400 KubernetesVersionNotSupported", async () => {
    const r = await put(
      "d2-one",
      request("d2-one", (d) => (d.kubernetesVersion = "1.29")),
    );
    assert.equal(r.status, 400, await r.clone().text());
    const e = await json<ArmError>(r);
    assert.equal(e.error.code, "KubernetesVersionNotSupported");
    assert.deepEqual(
      e.error.details.map((d) => d.path),
      ["kubernetesVersion"],
    );
    assert.match(e.error.message, /1\.33/);
    assert.ok(stack.azure.recorder.query({ path: "/kubernetesVersions" }).length > 0, "read from ARM");
  });

  it("a merge patch with a __proto__ key is refused naming the path, not applied", async () => {
    const r = await callApi(stack.api, token, "/clusters/d2-one", {
      method: "PATCH",
      body: '{"tags": {"__proto__": {"x": "y"}}}',
      headers: { "content-type": "application/merge-patch+json" },
    });
    assert.equal(r.status, 400);
    assert.ok((await json<ArmError>(r)).error.details.some((d) => d.code === "ForbiddenKey"));
  });

  it("?dryRun=true answers the plan and ARM's request log holds no write for it", async () => {
    const since = lastSeq();
    const r = await put(
      "d2-one",
      request("d2-one", (d) => {
        d.nodePool = { count: 3 };
        d.namespaces[0].defaultDeny = [];
        d.namespaces[0].networkPolicies = [];
        d.namespaces[0].expectations = [];
      }),
      {},
      "?dryRun=true",
    );
    assert.equal(r.status, 200, await r.clone().text());
    const { plan } = await json<PlanBody>(r);
    assert.ok(
      plan.changes.some(
        (c) => c.path === "nodePool.count" && c.from === 1 && c.to === 3 && c.action === "update",
      ),
    );
    assert.ok(plan.arm.some((a) => a.method === "PUT" && a.resourceId.endsWith("/agentPools/system")));
    assert.ok(
      plan.kubernetes.some(
        (k) => k.action === "delete" && k.kind === "NetworkPolicy" && k.name === "backend-policy",
      ),
    );
    assert.deepEqual(plan.reachability.changed, [
      { from: "test{}", to: "backend.test:80", port: 80, before: "denied", after: "allowed" },
    ]);
    const del = await callApi(stack.api, token, "/clusters/d2-one?dryRun=true", { method: "DELETE" });
    assert.equal(del.status, 200);
    assert.ok((await json<PlanBody>(del)).plan.arm.some((a) => a.method === "DELETE"));
    const post = await callApi(stack.api, token, "/clusters?dryRun=true", {
      method: "POST",
      body: JSON.stringify(request("d2-new")),
    });
    assert.equal(post.status, 200);
    assert.ok((await json<PlanBody>(post)).plan.changes.every((c) => c.action === "create"));
    assert.deepEqual(armWritesSince(since), []);
    // Nothing changed: still generation 1, and the dry-run POST created nothing.
    assert.equal((await callApi(stack.api, token, "/clusters/d2-one")).headers.get("etag"), '"1"');
    assert.equal((await callApi(stack.api, token, "/clusters/d2-new")).status, 404);
  });

  it("two concurrent PUTs with the same If-Match: one 202, one 412", async () => {
    const [a, b] = await Promise.all([
      put(
        "d2-one",
        request("d2-one", (d) => (d.nodePool = { count: 2 })),
        { "if-match": '"1"' },
      ),
      put(
        "d2-one",
        request("d2-one", (d) => (d.tags = { costCenter: "5678" })),
        { "if-match": '"1"' },
      ),
    ]);
    assert.deepEqual([a.status, b.status].sort(), [202, 412], `${await a.text()} ${await b.text()}`);
    const won = a.status === 202 ? a : b;
    assert.equal(won.headers.get("etag"), '"2"');
    const done = await settled("d2-one", 2);
    assert.equal(done.operation, "update");
    // A stale If-Match is refused once the cluster moved on.
    const stale = await put(
      "d2-one",
      request("d2-one", (d) => (d.tags = { x: "y" })),
      { "if-match": '"1"' },
    );
    assert.equal(stale.status, 412);
    assert.equal((await json<ArmError>(stale)).error.code, "PreconditionFailed");
  });

  it("PATCH applies a JSON merge patch to the last accepted request; another content type is 415", async () => {
    const wrong = await patch("d2-one", { tags: { env: "dev" } }, "application/json");
    assert.equal(wrong.status, 415);
    assert.equal((await json<ArmError>(wrong)).error.code, "UnsupportedMediaType");
    const before = await json<Doc>(await callApi(stack.api, token, "/clusters/d2-one"));
    const r = await patch("d2-one", { tags: { env: "dev" } }, undefined, {
      "if-match": `"${before.generation}"`,
    });
    assert.equal(r.status, 202, await r.clone().text());
    assert.equal(r.headers.get("etag"), `"${before.generation + 1}"`);
    await settled("d2-one", before.generation + 1);
    // The merged document keeps what the patch did not name: the same patch again changes nothing.
    const again = await patch("d2-one", { tags: { env: "dev" } });
    assert.equal(again.status, 200);
    assert.equal(again.headers.get("etag"), `"${before.generation + 1}"`);
  });

  it("a DELETE during an update supersedes it: the update is terminated and the deletion runs", async () => {
    const before = await json<Doc>(await callApi(stack.api, token, "/clusters/d2-one"));
    const r = await patch("d2-one", { nodePool: { count: 4 } });
    assert.equal(r.status, 202, await r.clone().text());
    const del = await callApi(stack.api, token, "/clusters/d2-one", { method: "DELETE" });
    assert.equal(del.status, 202);
    const deleting = await json<Doc>(del);
    assert.equal(deleting.operation, "delete");
    // The update's instance ends Terminated (termination is asynchronous: read until it shows).
    const client = durableClientOf(stack.host as FunctionsHost);
    const base = provisionInstanceId({
      subscriptionId: loadConfig(stack.env).targetSubscriptionId!,
      resourceGroup: "rg-d2-one",
      name: "d2-one",
    });
    const updateId = updateInstanceId(base, before.generation + 1);
    const deadline = Date.now() + 30_000;
    let status = (await client.getStatus(updateId)).runtimeStatus;
    while (status !== "Terminated" && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 50));
      status = (await client.getStatus(updateId)).runtimeStatus;
    }
    assert.equal(status, "Terminated");
    const doc = await json<Doc>(await callApi(stack.api, token, "/clusters/d2-one"));
    assert.equal(doc.operation, "delete");
    const gone = (await waitForPhase(stack.api, token, "d2-one", ["Deleted", "Failed"])) as Doc;
    assert.equal(gone.phase, "Deleted");
  });
});

describe("the index's name row (Table service)", () => {
  it("of two writes with the same ETag exactly one succeeds; a large request document round-trips in pieces", async () => {
    const client = durableClientOf(stack.host as FunctionsHost);
    const { table } = stackApi(stack, loadConfig(stack.env), client, () => undefined);
    const request = JSON.stringify({ name: "row-one", padding: "x".repeat(100_000) });
    await table.put({ name: "row-one", team: "t", instanceId: "aksv-row-one-1", generation: 1, request });
    const row = await table.byName("ROW-ONE");
    assert.equal(row?.request, request);
    assert.equal(row?.generation, 1);
    const next = (g: number) => ({
      name: "row-one",
      team: "t",
      instanceId: `aksv-row-one-1-g${g}`,
      generation: g,
      baseInstanceId: "aksv-row-one-1",
      previousInstanceId: "aksv-row-one-1",
    });
    const results = await Promise.all([table.advance(next(2), row!.etag), table.advance(next(2), row!.etag)]);
    assert.deepEqual(results.sort(), [false, true]);
    const after = await table.byName("row-one");
    assert.equal(after?.generation, 2);
    assert.equal(after?.request, undefined, "a replaced row keeps nothing of the old one");
    // The team row follows, with the operation before it (the list's fallback until it starts).
    assert.deepEqual(
      (await table.list("t")).map((e) => [e.instanceId, e.previousInstanceId]),
      [["aksv-row-one-1-g2", "aksv-row-one-1"]],
    );
  });
});
