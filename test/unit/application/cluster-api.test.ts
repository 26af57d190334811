// ClusterApi (application/cluster-api.ts) without the Functions runtime: request validation before
// any orchestration or ARM call, and the list's filters.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import functions from "@azure/functions";
import { parse } from "yaml";
import { ClusterApi, specHash } from "../../../application/cluster-api.js";
import type { Instance, Orchestrations } from "../../../application/ports.js";
import type { Caller } from "../../../shared/auth/caller.js";
import { deprovisionInstanceId } from "../../../shared/azure/names.js";
import { loadConfig } from "../../../shared/config/index.js";
import { ORCHESTRATION } from "../../../shared/provision/durable.js";
import type { ArmErrorBody } from "../../../shared/validation/problems.js";
import { memoryState } from "../../helpers/cluster-state.js";
import {
  instanceIdOf,
  provisionInput,
  spec,
  succeededInstance,
  tutorialDocument,
} from "../provision/fixtures.js";

// @azure/functions is a CommonJS bundle whose HttpRequest Node cannot see as a named export.
const { HttpRequest } = functions;

describe("HTTP API request validation (before any orchestration or ARM call)", () => {
  // A member of the team (an Entra object id): the team's default access grant is this caller.
  const admin: Caller = {
    id: "0a0a0a0a-0000-4000-8000-00000000ad01",
    displayName: "admin",
    roles: new Set(["Clusters.Admin"]),
    teams: new Set(["platform"]),
  };
  const untouchable: Orchestrations = {
    start: () => Promise.reject(new Error("must not start")),
    getStatus: () => Promise.reject(new Error("must not read")),
    terminate: () => Promise.reject(new Error("must not terminate")),
    raiseEvent: () => Promise.reject(new Error("must not raise")),
  };
  const refuse = () => Promise.reject(new Error("must not touch the table"));
  const untouchableState = {
    byName: refuse,
    put: refuse,
    advance: refuse,
    list: refuse,
    quota: refuse,
    writeQuota: refuse,
  };
  const api = new ClusterApi({
    config: loadConfig({ AKSV_TARGET_SUBSCRIPTION_ID: "00000000-0000-0000-0000-000000000001" }),
    orchestrations: untouchable,
    index: untouchableState,
    quotas: untouchableState,
    userKubeconfig: () => Promise.reject(new Error("must not call ARM")),
  });
  const post = (body: string, headers: Record<string, string> = {}) =>
    api.create(
      new HttpRequest({
        method: "POST",
        url: "http://localhost/api/clusters",
        body: { string: body },
        headers,
      }),
      admin,
    );

  it("answers 400 with every problem at once, ARM-style", async () => {
    const doc = tutorialDocument();
    const res = await post(
      JSON.stringify({
        ...doc,
        name: "-bad-",
        network: { ...(doc["network"] as object), dnsServiceIp: "192.168.0.10" },
        extra: 1,
      }),
    );
    assert.equal(res.status, 400);
    const body = res.jsonBody as { error: { code: string; details: { path: string; code: string }[] } };
    assert.equal(body.error.code, "InvalidClusterSpec");
    const paths = body.error.details.map((d) => d.path);
    assert.ok(paths.includes("name"), JSON.stringify(paths));
    assert.ok(paths.includes("extra"));
    assert.ok(
      paths.some((p) => p.startsWith("network.dnsServiceIp")),
      JSON.stringify(paths),
    );
  });

  it("answers 400 for a body that is not JSON", async () => {
    const res = await post("{nope");
    assert.equal(res.status, 400);
    assert.equal(
      (res.jsonBody as { error: { details: { code: string }[] } }).error.details[0]!.code,
      "InvalidJson",
    );
  });

  it("rejects an unusable Idempotency-Key", async () => {
    const res = await post(JSON.stringify(tutorialDocument()), { "Idempotency-Key": "x".repeat(300) });
    assert.equal(res.status, 400);
    assert.equal((res.jsonBody as { error: { code: string } }).error.code, "InvalidIdempotencyKey");
  });

  it("rejects a request whose expectations contradict its policies before anything else", async () => {
    const doc = tutorialDocument();
    const ns = (doc["namespaces"] as { expectations: { allowed: boolean }[] }[])[0]!;
    ns.expectations[1]!.allowed = true; // the unlabelled pod is denied by the policies
    const res = await post(JSON.stringify(doc));
    assert.equal(res.status, 400);
    const body = res.jsonBody as { error: { details: { path: string; code: string }[] } };
    assert.ok(
      body.error.details.some(
        (d) => d.code === "ExpectationUnsatisfiable" && d.path.startsWith("namespaces[0].expectations[1]"),
      ),
      JSON.stringify(body),
    );
  });

  it("answers 413 for a body over the request limit, from Content-Length or while reading, and 400 for a prototype key", async () => {
    const limit = 256 * 1024;
    const declared = await post("{}", { "content-length": String(100 * 1024 * 1024) });
    assert.equal(declared.status, 413);
    // No Content-Length: a stream of 100 MiB of which the app reads only a little past the limit.
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled >= 100 * 1024 * 1024) return controller.close();
        pulled += 64 * 1024;
        controller.enqueue(new Uint8Array(64 * 1024).fill(0x20));
      },
    });
    const streamed = await api.create({ body: stream, headers: new Headers() }, admin);
    assert.equal(streamed.status, 413);
    const body = streamed.jsonBody as { error: { code: string; message: string } };
    assert.equal(body.error.code, "RequestBodyTooLarge");
    assert.match(body.error.message, new RegExp(`${limit} bytes`));
    assert.ok(pulled < limit + 4 * 64 * 1024, `read ${pulled} bytes`);
    const proto = await post(
      JSON.stringify(tutorialDocument()).replace('"tags":{', '"tags":{"__proto__":{"a":"b"},'),
    );
    assert.equal(proto.status, 400);
    const problems = (proto.jsonBody as { error: { details: { path: string }[] } }).error.details;
    assert.deepEqual(
      problems.map((d) => d.path),
      ["tags.__proto__"],
    );
  });

  it("identifies a request by its normalised spec, whatever the key order or defaults spelled out", () => {
    const a = spec();
    const b = spec({ onFailure: "keep", nodePool: { count: 1, name: "system" } });
    assert.equal(specHash(a), specHash(b));
    assert.notEqual(specHash(a), specHash(spec({ onFailure: "rollback" })));
  });
});

describe("GET /api/clusters/{name}/kubeconfig", () => {
  const reader: Caller = {
    id: "r",
    displayName: "rita",
    roles: new Set(["Clusters.Read"]),
    teams: new Set(["platform"]),
  };
  const writer: Caller = { ...reader, id: "w", displayName: "will", roles: new Set(["Clusters.Write"]) };
  const stranger: Caller = { ...reader, id: "s", displayName: "sam", teams: new Set(["payments"]) };
  // What ARM lists for a user: on an Entra ID cluster its user is kubelogin (devicecode) already.
  const ARM_USER = [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "  - name: c",
    "    cluster: { server: https://c.hcp.example:443, certificate-authority-data: Q0E= }",
    "contexts:",
    "  - name: c",
    "    context: { cluster: c, user: u }",
    "current-context: c",
    "users:",
    "  - name: u",
    "    user: { token: static-user-token }",
    "",
  ].join("\n");
  const state = memoryState();
  // "legacy": a cluster requested while Entra ID was opt-in (its stored spec has no aadProfile).
  const { aadProfile: _, disableLocalAccounts: __, ...legacy } = spec({ name: "legacy" });
  const instances: Instance[] = [spec({ name: "locked" }), legacy].map((s) => {
    const input = provisionInput(s);
    void state.put({ name: s.name, team: s.team, instanceId: instanceIdOf(input) });
    return succeededInstance(input);
  });
  const api = new ClusterApi({
    config: loadConfig({ AKSV_TARGET_SUBSCRIPTION_ID: "00000000-0000-0000-0000-000000000001" }),
    orchestrations: {
      start: () => Promise.reject(new Error("must not start")),
      getStatus: async (id) => instances.find((i) => i.instanceId === id),
      terminate: () => Promise.reject(new Error("must not terminate")),
      raiseEvent: () => Promise.reject(new Error("must not raise")),
    },
    index: state,
    quotas: state,
    userKubeconfig: async () => ARM_USER,
  });
  const users = (yaml: string) =>
    (parse(yaml) as { users: { user: Record<string, unknown> }[] }).users.map((u) => u.user);

  it("Entra ID cluster: every reader of the cluster gets the same kubeconfig, an exec plugin and no secret", async () => {
    const asReader = await api.kubeconfig("locked", reader);
    const asWriter = await api.kubeconfig("locked", writer);
    assert.equal(asReader.status, 200);
    assert.equal(asReader.body, asWriter.body, "the same kubeconfig for every caller");
    const yaml = String(asReader.body);
    assert.doesNotMatch(yaml, /static-user-token|token:|client-key|password/);
    const [only, ...more] = users(yaml);
    assert.equal(more.length, 0);
    const { installHint, ...exec } = only!["exec"] as Record<string, unknown>;
    assert.deepEqual(exec, {
      apiVersion: "client.authentication.k8s.io/v1",
      interactiveMode: "IfAvailable",
      provideClusterInfo: false,
      command: "kubelogin",
      args: ["get-token", "--login", "azurecli", "--server-id", "6dae42f8-4368-4678-94ff-3960e28e3630"],
    });
    assert.match(String(installHint), /kubelogin/);
    assert.match(yaml, /server: https:\/\/c\.hcp\.example:443/, "ARM's server and CA kept");
    const cli = users(String((await api.kubeconfig("locked", reader, "aks-vending")).body))[0]!["exec"] as {
      command: string;
      args: string[];
    };
    assert.deepEqual(
      [cli.command, ...cli.args],
      ["aks-vending", "kube-token", "--server-id", "6dae42f8-4368-4678-94ff-3960e28e3630"],
    );
  });

  it("an unknown plugin is 400; another team's cluster is 404", async () => {
    const bad = await api.kubeconfig("locked", reader, "kubectl");
    assert.equal(bad.status, 400);
    assert.equal((bad.jsonBody as ArmErrorBody).error.code, "InvalidQueryParameter");
    assert.equal((await api.kubeconfig("locked", stranger)).status, 404);
  });

  it("cluster with local accounts: today's kubeconfig, and only for a caller who may change the cluster (403 for a reader)", async () => {
    const res = await api.kubeconfig("legacy", reader);
    assert.equal(res.status, 403);
    const e = (res.jsonBody as ArmErrorBody).error;
    assert.equal(e.code, "AuthorizationFailed");
    assert.match(e.message, /rita may not get the kubeconfig .*Clusters\.Write or Clusters\.Admin/);
    const ok = await api.kubeconfig("legacy", writer);
    assert.equal(ok.status, 200);
    assert.equal(ok.body, ARM_USER);
  });
});

describe("GET /api/clusters filters", () => {
  const reader: Caller = {
    id: "reader",
    displayName: "reader",
    roles: new Set(["Clusters.Read", "Clusters.Admin"]),
    teams: new Set(),
  };
  /** Three clusters on a read-only task hub: one Succeeded, one Failed, one Deleted (by a DELETE). */
  const state = memoryState();
  function hub(): Orchestrations {
    const run = (name: string, output: unknown): Instance => {
      const input = provisionInput(spec({ name }));
      return {
        instanceId: instanceIdOf(input),
        name: ORCHESTRATION.provisionCluster.name,
        input,
        runtimeStatus: "Completed",
        output,
        customStatus: null,
        createdTime: "2026-01-01T00:00:00Z",
      };
    };
    const instances = [
      run("alive", { phase: "Succeeded", outputs: {} }),
      run("broken", { phase: "Failed", outputs: {}, error: { code: "X", message: "x", step: "cluster" } }),
      run("gone", { phase: "Succeeded", outputs: {} }),
    ];
    for (const i of instances) {
      const { spec: s } = i.input as ReturnType<typeof provisionInput>;
      void state.put({ name: s.name, team: s.team, instanceId: i.instanceId });
    }
    const gone = instances[2]!;
    instances.push({
      instanceId: deprovisionInstanceId(gone.instanceId),
      name: ORCHESTRATION.deprovisionCluster.name,
      input: { rollback: false },
      runtimeStatus: "Completed",
      output: { deleted: ["/c"], kept: [] },
      customStatus: null,
      createdTime: "2026-01-01T01:00:00Z",
    });
    return {
      start: () => Promise.reject(new Error("must not start")),
      getStatus: async (id) => instances.find((i) => i.instanceId === id),
      terminate: () => Promise.reject(new Error("must not terminate")),
      raiseEvent: () => Promise.reject(new Error("must not raise")),
    };
  }
  const api = new ClusterApi({
    config: loadConfig({ AKSV_TARGET_SUBSCRIPTION_ID: "00000000-0000-0000-0000-000000000001" }),
    orchestrations: hub(),
    index: state,
    quotas: state,
    userKubeconfig: () => Promise.reject(new Error("must not call ARM")),
  });
  const list = (query: string) => api.list(new URLSearchParams(query), reader);
  const names = async (query: string) => {
    const res = await list(query);
    assert.equal(res.status, 200, JSON.stringify(res.jsonBody));
    return (res.jsonBody as { value: { name: string; phase: string }[] }).value.map(
      (c) => `${c.name}:${c.phase}`,
    );
  };

  it("hides Deleted clusters unless asked for with all=true or phase=Deleted", async () => {
    assert.deepEqual(await names(""), ["alive:Succeeded", "broken:Failed"]);
    assert.deepEqual(await names("all=false"), ["alive:Succeeded", "broken:Failed"]);
    assert.deepEqual(await names("all=true"), ["alive:Succeeded", "broken:Failed", "gone:Deleted"]);
    assert.deepEqual(await names("phase=Deleted"), ["gone:Deleted"]);
    assert.deepEqual(
      await names("phase=succeeded&all=true"),
      ["alive:Succeeded"],
      "phases match in any case",
    );
  });

  it("answers 400 InvalidQueryParameter naming the allowed phases for an unknown phase", async () => {
    const res = await list("phase=Bogus");
    assert.equal(res.status, 400);
    const body = res.jsonBody as ArmErrorBody;
    assert.equal(body.error.code, "InvalidQueryParameter");
    assert.match(
      body.error.message,
      /Accepted, Provisioning, Seeding, Verifying, Succeeded, Failed, Deleting, Deleted/,
    );
    assert.deepEqual(
      body.error.details.map((d) => [d.path, d.code]),
      [["phase", "UnknownPhase"]],
    );
    assert.match(body.error.details[0]!.message, /"Bogus"/);
  });

  it("answers 400 for an all that is not true or false, with every problem at once", async () => {
    const res = await list("all=yes&phase=nope");
    assert.equal(res.status, 400);
    assert.deepEqual(
      (res.jsonBody as ArmErrorBody).error.details.map((d) => d.path),
      ["phase", "all"],
    );
  });

  it("keeps the filters in nextLink", async () => {
    const res = await list("all=true&top=1");
    const body = res.jsonBody as { value: unknown[]; nextLink?: string };
    assert.equal(body.value.length, 1);
    const next = new URL(body.nextLink!, "http://localhost").searchParams;
    assert.equal(next.get("all"), "true");
    assert.deepEqual(await names(next.toString()), ["broken:Failed"]);
  });
});
