// integrations/backstage/template.yaml: a valid Backstage Template (Backstage's published schema,
// checked with Backstage's own validator), whose parameters are the ClusterSpec's (types, enums,
// defaults, limits, name rules) and whose steps send a request the API accepts and wait long enough
// for a create.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { entityKindSchemaValidator, entitySchemaValidator } from "@backstage/catalog-model";
import { parse } from "yaml";
import { z } from "zod";
import { EXPECTED_SECONDS } from "../../../shared/provision/progress.js";
import { LIMITS, SPEC_DEFAULTS } from "../../../shared/spec/defaults.js";
import { ClusterSpecSchema } from "../../../shared/spec/schema.js";
import { validateClusterSpec } from "../../../shared/spec/validate.js";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const DIR = join(ROOT, "integrations", "backstage");

interface JsonSchema {
  type?: string;
  enum?: unknown[];
  default?: unknown;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  required?: string[];
  properties?: Record<string, JsonSchema>;
}
interface Step {
  id: string;
  action: string;
  if?: string;
  input: Record<string, unknown>;
}
interface Template {
  spec: { parameters: JsonSchema[]; steps: Step[] };
}

const text = readFileSync(join(DIR, "template.yaml"), "utf8");
const template = parse(text) as Template;
const templateSchema = JSON.parse(readFileSync(join(DIR, "schema", "Template.v1beta3.schema.json"), "utf8"));
const validateTemplate = entityKindSchemaValidator(templateSchema);
/** The request schema as a caller sees it (what the API validates with, as JSON Schema). */
const spec = z.toJSONSchema(ClusterSpecSchema, { io: "input", unrepresentable: "any" }) as JsonSchema;
const tutorial = JSON.parse(readFileSync(join(ROOT, "examples", "seed-tutorial.json"), "utf8")) as Record<
  string,
  unknown
>;

/** Every page's properties, as the scaffolder merges them into `parameters`. */
const parameters: Record<string, JsonSchema> = Object.assign(
  {},
  ...template.spec.parameters.map((p) => p.properties ?? {}),
);

test("the template is a valid scaffolder.backstage.io/v1beta3 Template (Backstage's schema and envelope)", () => {
  assert.equal(validateTemplate(template), template);
  assert.equal(entitySchemaValidator()(template), template);
});

test("the validator refuses a broken template (a step without its action), so the check above bites", () => {
  const broken = structuredClone(template) as unknown as { spec: { steps: Record<string, unknown>[] } };
  delete broken.spec.steps[0]!["action"];
  assert.throws(() => validateTemplate(broken), /action/);
});

test("every parameter is a ClusterSpec field with the schema's type, enum and default", () => {
  const check = (props: Record<string, JsonSchema>, schema: Record<string, JsonSchema>, at: string) => {
    for (const [key, p] of Object.entries(props)) {
      const s = schema[key];
      assert.ok(s, `${at}${key} is not a ClusterSpec field`);
      assert.equal(p.type, s.type, `${at}${key}: type`);
      if (s.enum) assert.deepEqual([...(p.enum ?? [])].sort(), [...s.enum].sort(), `${at}${key}: enum`);
      if (p.properties) check(p.properties, s.properties ?? {}, `${at}${key}.`);
      else assert.deepEqual(p.default, s.default, `${at}${key}: default`);
    }
  };
  check(parameters, spec.properties ?? {}, "");
  const required = template.spec.parameters.flatMap((p) => p.required ?? []);
  for (const r of spec.required ?? []) assert.ok(required.includes(r), `${r} is required by the API`);
  assert.equal(parameters["location"]?.default, SPEC_DEFAULTS.location);
  const count = parameters["nodePool"]?.properties?.["count"];
  assert.equal(count?.minimum, LIMITS.nodeCountMin);
  assert.equal(count?.maximum, LIMITS.nodeCountMax);
});

test("the form's patterns accept exactly what the API accepts (name, team, Kubernetes version)", () => {
  const samples: Record<string, string[]> = {
    name: [
      "a",
      "tipsAndTricksAKSCluster",
      "my_cluster-1",
      "-bad",
      "bad-",
      "has space",
      "x".repeat(63),
      "x".repeat(64),
    ],
    team: ["platform", "team-a", "Team", "-a", "a-", "a_b", "a".repeat(63), "a".repeat(64)],
    kubernetesVersion: ["1.33", "1.33.2", "1", "v1.33", "1.33.", "1.x"],
  };
  for (const [field, values] of Object.entries(samples)) {
    const pattern = new RegExp(parameters[field]!.pattern!, "u");
    for (const value of values) {
      const api = validateClusterSpec({ ...tutorial, [field]: value });
      const apiAccepts = api.ok || !api.errors.some((e) => e.path === field);
      const maxLength = (parameters[field] as { maxLength?: number }).maxLength ?? Infinity;
      assert.equal(pattern.test(value) && value.length <= maxLength, apiAccepts, `${field} "${value}"`);
    }
  }
});

/** The scaffolder's rendering of a single `${{ parameters.x }}` value: the parameter itself, typed. */
function render(value: unknown, params: Record<string, unknown>): unknown {
  if (typeof value === "string") {
    const m = /^\$\{\{\s*parameters\.(\w+)\s*\}\}$/.exec(value);
    return m ? params[m[1]!] : value;
  }
  if (value && typeof value === "object")
    return Object.fromEntries(
      Object.entries(value)
        .map(([k, v]) => [k, render(v, params)] as const)
        .filter(([, v]) => v !== undefined),
    );
  return value;
}

test("the create step POSTs to the API through Roadie's http:backstage:request, and its body is a valid ClusterSpec", () => {
  const create = template.spec.steps[0]!;
  assert.equal(create.action, "http:backstage:request");
  assert.equal(create.input["method"], "POST");
  assert.match(String(create.input["path"]), /\/clusters$/);
  // What the form sends for the tutorial, optional fields left empty (rjsf omits them).
  const { namespaces: _n, tags: _t, ...fromForm } = tutorial;
  const body = render(create.input["body"], {
    onFailure: parameters["onFailure"]!.default,
    ...fromForm,
  }) as Record<string, unknown>;
  assert.deepEqual(body["network"], tutorial["network"]);
  assert.equal(body["kubernetesVersion"], undefined);
  const result = validateClusterSpec(body);
  assert.deepEqual(result.ok ? [] : result.errors, []);
});

test("the steps wait and read the status until the create is over, long enough for an AKS create", () => {
  const [, ...rest] = template.spec.steps;
  let waited = 0;
  rest.forEach((step, i) => {
    const round = Math.floor(i / 2) + 1;
    if (i % 2 === 0) {
      assert.equal(step.action, "debug:wait");
      waited += Number(step.input["minutes"] ?? 0) * 60;
    } else {
      assert.equal(step.action, "http:backstage:request");
      assert.equal(step.input["method"], "GET");
      assert.match(String(step.input["path"]), /\/clusters\/\$\{\{ parameters\.name \}\}$/);
    }
    // After the first round a step runs only while the previous status read was not final.
    if (round > 1)
      assert.equal(
        step.if,
        `\${{ steps['status-${round - 1}'].output.body.phase not in ['Succeeded', 'Failed'] }}`,
      );
    else assert.equal(step.if, undefined);
  });
  const create = ["resourceGroup", "virtualNetwork", "identity", "roleAssignment", "cluster", "verification"]
    .map((s) => EXPECTED_SECONDS[s]!)
    .reduce((a, b) => a + b);
  assert.ok(waited >= 2 * create, `waits ${waited} s for a create expected to take ${create} s`);
});
