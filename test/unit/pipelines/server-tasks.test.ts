// The Azure DevOps stand-in's model of agentless HTTP tasks (test/e2e/devops-tasks.ts): which URL each
// task calls and which Authorization it sends, as their task.json and documentation define it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  expandMacros,
  serverRequest,
  TASKS,
  type ServiceConnection,
  type TaskContext,
} from "../../e2e/devops-tasks.js";

const ARM = "https://management.azure.com/";
const connections: Record<string, ServiceConnection> = {
  generic: { type: "generic", url: "https://api.example/api", username: "u", password: "p" },
  anonymous: { type: "generic", url: "https://api.example/api" },
  arm: {
    type: "azurerm",
    servicePrincipalId: "pipeline-app",
    tenantId: "t",
    url: ARM,
    token: (resource) => Promise.resolve(`token-for ${resource}`),
  },
};
const ctx: TaskContext = { variables: { apiToken: "eyJ.custom", Target: "x" }, connections };
const customAuth = JSON.stringify({ Authorization: "Bearer $(apiToken)", "X-Other": "$(target)" });

describe("server tasks as Azure DevOps runs them", () => {
  it("InvokeRESTAPI@1 + Generic: the connection's URL and Basic user:password replace a custom Authorization", async () => {
    const r = await serverRequest(
      {
        task: "InvokeRESTAPI@1",
        inputs: { serviceConnection: "generic", urlSuffix: "/clusters", headers: customAuth },
      },
      ctx,
    );
    assert.equal(r.url, "https://api.example/api/clusters");
    assert.equal(r.method, "POST");
    assert.deepEqual(r.headers, {
      "X-Other": "x",
      Authorization: `Basic ${Buffer.from("u:p").toString("base64")}`,
    });
    const none = await serverRequest(
      {
        task: "InvokeRESTAPI@1",
        inputs: { connectionType: "connectedServiceName", genericService: "anonymous", headers: customAuth },
      },
      ctx,
    );
    assert.equal(none.headers["Authorization"], `Basic ${Buffer.from(":").toString("base64")}`);
  });

  it("InvokeRESTAPI@1 + Azure Resource Manager: calls Azure Resource Manager with an ARM token, whatever the suffix", async () => {
    const r = await serverRequest(
      {
        task: "InvokeRESTAPI@1",
        inputs: {
          connectionType: "connectedServiceNameARM",
          azureServiceConnection: "arm",
          urlSuffix: "/clusters",
          method: "GET",
        },
      },
      ctx,
    );
    assert.equal(r.url, `${ARM}/clusters`);
    assert.equal(r.headers["Authorization"], `Bearer token-for ${ARM}`);
    assert.equal(r.body, undefined);
  });

  it("AzureFunction@2 + Azure Resource Manager: any function URL, a token for api://<the connection's client id>", async () => {
    const r = await serverRequest(
      {
        task: "AzureFunction@2",
        inputs: {
          azureSubscription: "arm",
          function: "https://f.example/api/clusters",
          headers: customAuth,
          body: "{}",
        },
      },
      ctx,
    );
    assert.equal(r.url, "https://f.example/api/clusters?code=&");
    assert.equal(r.headers["Authorization"], "Bearer token-for api://pipeline-app");
    assert.equal(r.body, "{}");
    assert.equal(r.connection, "arm");
  });

  it("AzureFunction@1 (and @2 without a connection): no connection, so the headers go as written", async () => {
    for (const task of ["AzureFunction@1", "AzureFunction@2"]) {
      const r = await serverRequest(
        {
          task,
          inputs: {
            function: "https://f.example/api/x",
            key: "k",
            queryParameters: "a=1",
            headers: customAuth,
          },
        },
        ctx,
      );
      assert.equal(r.url, "https://f.example/api/x?code=k&a=1");
      assert.equal(r.headers["Authorization"], "Bearer eyJ.custom");
      assert.equal(r.connection, undefined);
    }
  });

  it("sends the callback headers by default, with the system's values, and waits only when asked", async () => {
    const variables = {
      "system.CollectionUri": "https://dev.azure.com/org/",
      "System.TeamProjectId": "p",
      "System.HostType": "build",
      "System.PlanId": "plan",
      "System.JobId": "job",
      "System.TimelineId": "tl",
      "System.TaskInstanceId": "task",
      "System.AccessToken": "secret",
    };
    const r = await serverRequest(
      {
        task: "AzureFunction@2",
        inputs: { azureSubscription: "arm", function: "https://f/api/c", waitForCompletion: true },
      },
      { connections, variables },
    );
    assert.equal(r.waitForCompletion, true);
    assert.deepEqual(r.headers, {
      "Content-Type": "application/json",
      PlanUrl: "https://dev.azure.com/org/",
      ProjectId: "p",
      HubName: "build",
      PlanId: "plan",
      JobId: "job",
      TimelineId: "tl",
      TaskInstanceId: "task",
      AuthToken: "secret",
      Authorization: "Bearer token-for api://pipeline-app",
    });
  });

  it("fails like the service for a connection that does not exist, a missing one, or an unknown task", async () => {
    await assert.rejects(
      serverRequest(
        { task: "AzureFunction@2", inputs: { azureSubscription: "nope", function: "https://f" } },
        ctx,
      ),
      /service connection nope does not exist/,
    );
    await assert.rejects(
      serverRequest({ task: "InvokeRESTAPI@1", inputs: {} }, ctx),
      /no service connection/,
    );
    await assert.rejects(serverRequest({ task: "Bash@3", inputs: {} }, ctx), /no server-side definition/);
  });

  it("expands $(name) case-insensitively and leaves unknown macros as written", () => {
    assert.equal(
      expandMacros("$(a.B)-$(missing)-$( a.b )", (n) => (n.toLowerCase() === "a.b" ? "v" : undefined)),
      "v-$(missing)-v",
    );
    assert.deepEqual(Object.keys(TASKS).sort(), ["AzureFunction@1", "AzureFunction@2", "InvokeRESTAPI@1"]);
  });
});
