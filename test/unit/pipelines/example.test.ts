// pipelines/azure-pipelines.yml is documentation people copy: it must stay true to the CLI (commands
// and flags that exist, the output variables it sets) and to the API (the callback headers it accepts,
// a request body that validates).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { buildProgram } from "../../../cli/program.js";
import { CALLBACK_HEADERS } from "../../../shared/callback/headers.js";
import { validateClusterSpecText } from "../../../shared/spec/validate.js";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

interface Step {
  task?: string;
  name?: string;
  inputs?: Record<string, unknown>;
}
interface Job {
  job: string;
  pool?: unknown;
  steps: Step[];
  variables?: Record<string, string>;
}
interface Pipeline {
  stages: { stage: string; jobs: Job[] }[];
}

const pipeline = parse(readFileSync(join(ROOT, "pipelines/azure-pipelines.yml"), "utf8")) as Pipeline;
const jobs = pipeline.stages.flatMap((s) => s.jobs);
const steps = jobs.flatMap((j) => j.steps);

test("every aks-vending command in the pipeline exists with the flags it uses", () => {
  const program = buildProgram();
  const globals = program.options.map((o) => o.long);
  const lines = steps
    .map((s) => String(s.inputs?.["inlineScript"] ?? ""))
    .flatMap((script) => script.split("\n"))
    .filter((l) => l.includes("dist/cli/main.js"));
  assert.ok(lines.length >= 2, "the pipeline runs the CLI");
  for (const line of lines) {
    const [name, ...args] = line.split("dist/cli/main.js")[1]!.trim().split(/\s+/);
    const command = program.commands.find((c) => c.name() === name);
    assert.ok(command, `aks-vending ${name} exists`);
    const known = [...globals, ...command.options.map((o) => o.long), ...command.options.map((o) => o.short)];
    for (const flag of args.filter((a) => a.startsWith("-")))
      assert.ok(known.includes(flag), `aks-vending ${name} has ${flag}`);
  }
});

test("the deploy job reads the output variables the CLI step sets", () => {
  const create = steps.find((s) => s.name === "cluster");
  assert.ok(create, "a step named cluster runs create --wait");
  const deploy = jobs.find((j) => j.job === "deploy");
  const refs = Object.values(deploy?.variables ?? {}).map((v) => /outputs\['cluster\.(\w+)'\]/.exec(v)?.[1]);
  assert.deepEqual(refs.sort(), ["clusterId", "fqdn", "resourceGroup"]);
});

test("the agentless job sends every callback header, a bearer token and a valid request", () => {
  const invoke = steps.find((s) => s.task === "InvokeRESTAPI@1");
  assert.ok(invoke, "a server job calls the API");
  assert.equal(jobs.find((j) => j.steps.includes(invoke))?.pool, "server");
  assert.equal(invoke.inputs?.["waitForCompletion"], true);
  const headers = JSON.parse(String(invoke.inputs?.["headers"])) as Record<string, string>;
  for (const h of CALLBACK_HEADERS) assert.ok(headers[h], `header ${h}`);
  assert.match(headers["Authorization"] ?? "", /^Bearer \$\(\w+\)$/);
  const body = String(invoke.inputs?.["body"]).replace(/\$\(Build\.BuildId\)/g, "1234");
  const result = validateClusterSpecText(body, { defaultLocation: "eastus" });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
});
