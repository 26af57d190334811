// pipelines/azure-pipelines.yml is documentation people copy: it must stay true to the CLI (commands
// and flags that exist, the output variables it sets), to the API (the callback headers it accepts, a
// request body that validates) and to Azure DevOps (each call authenticated the way its task really
// sends it: test/e2e/devops-tasks.ts), and pipelines/README.md must name what it needs.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { DefaultAzureCredential } from "@azure/identity";
import { buildProgram } from "../../../cli/program.js";
import { CALLBACK_HEADERS } from "../../../shared/callback/headers.js";
import { validateClusterSpecText } from "../../../shared/spec/validate.js";
import { serverRequest, type ServiceConnection } from "../../e2e/devops-tasks.js";
import { REPO_ROOT } from "../../helpers/examples.js";
import {
  loadPipeline,
  PIPELINE_CLIENT_ID,
  serverSteps,
  TODAYS_SERVER_STEP,
  type PipelineStep as Step,
} from "../../helpers/pipeline.js";

const pipeline = loadPipeline();
const readme = readFileSync(join(REPO_ROOT, "pipelines/README.md"), "utf8");
const jobs = pipeline.stages.flatMap((s) => s.jobs);
const steps = jobs.flatMap((j) => j.steps);
const script = (s: Step) => String(s.inputs?.["inlineScript"] ?? "");
const cliLines = (s: Step) =>
  script(s)
    .split("\n")
    .filter((l) => l.includes("dist/cli/main.js"))
    .map((l) => l.split("dist/cli/main.js")[1]!.trim());
const agentJobs = jobs.filter((j) => j.pool !== "server");

/** The pipeline's service connection, as an Azure Resource Manager connection whose tokens say what they are for. */
const armConnection: ServiceConnection = {
  type: "azurerm",
  servicePrincipalId: PIPELINE_CLIENT_ID,
  tenantId: "tenant",
  url: "https://management.azure.com/",
  token: (resource) => Promise.resolve(`token-for ${resource}`),
};
const context = {
  variables: { ...pipeline.variables, "Build.BuildId": "1234" },
  connections: { [pipeline.variables["serviceConnection"]!]: armConnection },
};

describe("the agent jobs", () => {
  it("run aks-vending commands that exist, with flags they have", () => {
    const program = buildProgram();
    const globals = program.options.map((o) => o.long);
    const lines = steps.flatMap(cliLines);
    assert.ok(lines.length >= 4, "the pipeline runs the CLI");
    for (const line of lines) {
      const [name, ...args] = line.split(/\s+/);
      const command = program.commands.find((c) => c.name() === name);
      assert.ok(command, `aks-vending ${name} exists`);
      const known = [
        ...globals,
        ...command.options.map((o) => o.long),
        ...command.options.map((o) => o.short),
      ];
      for (const flag of args.filter((a) => a.startsWith("-")))
        assert.ok(known.includes(flag), `aks-vending ${name} has ${flag}`);
    }
  });

  it("sign the CLI in with the service connection's Azure CLI session first, and with nothing else", () => {
    const withCli = steps.filter((s) => cliLines(s).length > 0);
    assert.equal(withCli.length, 2, "apply and deploy");
    for (const s of withCli) {
      assert.equal(s.task, "AzureCLI@2", "the CLI runs inside AzureCLI@2 (its sign-in is the connection)");
      assert.equal(s.inputs?.["azureSubscription"], "$(serviceConnection)");
      assert.match(cliLines(s)[0]!, /^login .*--use-azure-identity/, "the token is asked for first");
      assert.equal(s.env?.["AZURE_TOKEN_CREDENTIALS"], "AzureCliCredential");
    }
    // @azure/identity accepts that value (an unknown one throws when the credential is built).
    const before = process.env["AZURE_TOKEN_CREDENTIALS"];
    try {
      process.env["AZURE_TOKEN_CREDENTIALS"] = "AzureCliCredential";
      assert.doesNotThrow(() => new DefaultAzureCredential());
      process.env["AZURE_TOKEN_CREDENTIALS"] = "AzureCliCredentialx";
      assert.throws(() => new DefaultAzureCredential(), /AZURE_TOKEN_CREDENTIALS/);
    } finally {
      if (before === undefined) delete process.env["AZURE_TOKEN_CREDENTIALS"];
      else process.env["AZURE_TOKEN_CREDENTIALS"] = before;
    }
  });

  it("the cluster step prints the plan of the request, then applies that same request (create or update) and waits", () => {
    const cluster = steps.find((s) => s.name === "cluster");
    assert.ok(cluster, "a step named cluster");
    const lines = cliLines(cluster);
    // The file is a quoted template expression ("${{ parameters.clusterFile }}").
    const plan = lines.findIndex((l) => /^apply -f ("[^"]+"|\S+) --dry-run$/.test(l));
    const apply = lines.findIndex((l) => /^apply -f ("[^"]+"|\S+) --wait\b/.test(l));
    assert.ok(plan > 0 && apply > plan, lines.join("\n"));
    const fileOf = (l: string) => /-f ("[^"]+"|\S+)/.exec(l)?.[1];
    assert.equal(fileOf(lines[plan]!), fileOf(lines[apply]!), "the plan is of the file applied");
    assert.ok(
      !lines.some((l) => l.startsWith("create ")),
      "apply, not create: running the pipeline again updates",
    );
  });

  it("the deploy job reads the output variables the CLI step sets", () => {
    const create = steps.find((s) => s.name === "cluster");
    assert.ok(create && cliLines(create).some((l) => /^apply .*--wait/.test(l)), "cluster runs apply --wait");
    const deploy = jobs.find((j) => j.job === "deploy");
    const refs = Object.values(deploy?.variables ?? {}).map(
      (v) => /outputs\['cluster\.(\w+)'\]/.exec(v)?.[1],
    );
    assert.deepEqual(refs.sort(), ["clusterId", "fqdn", "resourceGroup"]);
    // Pipeline variables reach a script as macros ($(clusterId)); a shell variable of that name is unset.
    for (const name of ["clusterId", "fqdn", "resourceGroup"])
      assert.ok(!new RegExp(`\\$\\{?${name}\\b`).test(deploy!.steps.map(script).join("\n")), name);
  });

  it("the deploy job gets its kubeconfig from the API and installs kubelogin and kubectl before using them", () => {
    const deploy = jobs.find((j) => j.job === "deploy")!;
    const text = deploy.steps.map(script).join("\n");
    assert.doesNotMatch(
      agentJobs.flatMap((j) => j.steps.map(script)).join("\n"),
      /\baz aks\b/,
      "no az aks get-credentials: it needs an Azure role on the cluster that the setup does not grant",
    );
    assert.ok(deploy.steps.some((s) => cliLines(s).some((l) => l.startsWith("kubeconfig "))));
    const at = (pred: (s: Step) => boolean) => deploy.steps.findIndex(pred);
    const uses = (tool: string) => at((s) => new RegExp(`^\\s*${tool} `, "m").test(script(s)));
    assert.ok(uses("kubelogin") > at((s) => s.task === "KubeloginInstaller@0"));
    assert.ok(at((s) => s.task === "KubeloginInstaller@0") >= 0);
    assert.ok(uses("kubectl") > at((s) => s.task === "KubectlInstaller@0"));
    assert.ok(at((s) => s.task === "KubectlInstaller@0") >= 0);
    assert.match(text, /kubelogin convert-kubeconfig -l azurecli/);
  });
});

describe("the server job", () => {
  const server = serverSteps(pipeline);

  it("is AzureFunction@2 with the service connection, waiting for the callback, with every callback header", () => {
    assert.equal(server.length, 1);
    const step = server[0]!;
    assert.equal(step.task, "AzureFunction@2");
    assert.equal(step.inputs?.["azureSubscription"], "$(serviceConnection)");
    assert.equal(step.inputs?.["key"], undefined, "no function key (a long-lived secret)");
    assert.equal(step.inputs?.["waitForCompletion"], true);
    const headers = JSON.parse(String(step.inputs?.["headers"])) as Record<string, string>;
    for (const h of CALLBACK_HEADERS) assert.ok(headers[h], `header ${h}`);
    assert.ok(
      !Object.keys(headers).some((h) => h.toLowerCase() === "authorization"),
      "no Authorization in headers: the service connection's replaces it",
    );
  });

  it("calls the API with a bearer token for the connection's own app, and a request that validates", async () => {
    const request = await serverRequest(server[0]!, context);
    assert.equal(request.url, `${pipeline.variables["AKSV_API_URL"]}/clusters?code=&`);
    assert.equal(request.method, "POST");
    assert.equal(request.headers["Authorization"], `Bearer token-for api://${PIPELINE_CLIENT_ID}`);
    assert.equal(request.waitForCompletion, true);
    const result = validateClusterSpecText(request.body ?? "", { defaultLocation: "eastus" });
    assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
  });

  it("today's example (InvokeRESTAPI@1, a Generic connection, Bearer in a header) sends Basic, not the bearer", async () => {
    const request = await serverRequest(TODAYS_SERVER_STEP, {
      variables: { ...context.variables, apiToken: "eyJ.valid.token" },
      connections: { "aks-vending-api": { type: "generic", url: pipeline.variables["AKSV_API_URL"]! } },
    });
    assert.equal(request.url, `${pipeline.variables["AKSV_API_URL"]}/clusters`);
    assert.equal(request.headers["Authorization"], `Basic ${Buffer.from(":").toString("base64")}`);
    assert.ok(!JSON.stringify(request.headers).includes("eyJ.valid.token"));
  });
});

describe("pipelines/README.md", () => {
  it("sets up the service connection, the variables and the API setting the pipeline uses", () => {
    const setup = readme.slice(
      readme.indexOf("## Setup"),
      readme.indexOf("\n## ", readme.indexOf("## Setup") + 1),
    );
    assert.ok(setup.length > 0, "a Setup section");
    for (const name of [
      pipeline.variables["serviceConnection"]!,
      ...Object.keys(pipeline.variables).filter((k) => k.startsWith("AKSV_")),
      "AKSV_PIPELINE_CALLERS",
      "Clusters.Write",
      "Team.",
    ])
      assert.ok(setup.includes(name), `Setup names ${name}`);
    for (const task of new Set(steps.map((s) => s.task).filter((t): t is string => Boolean(t))))
      assert.ok(readme.includes(task), `README names ${task}`);
  });
});
