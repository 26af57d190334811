// Holds the Azure emulator's recorded answers to the response models of the official Azure REST API
// specifications, in whichever registry-available form they come: azure-cli's Python SDK
// (test/e2e/az-models.ts) or the pinned @azure/arm-* packages (test/helpers/sdk-models.ts). A source
// names the model of an operation at an api-version and turns models into JSON Schema; this file
// holds what both share: where a spec property lands in the JSON, and the ajv run over the answers.
import { Ajv2020, type ErrorObject } from "ajv/dist/2020.js";
import type { RecordedRequest } from "../../emulators/azure/core/recorder.js";

/** A JSON Schema object (draft 2020-12) as the converters build it. */
export interface ObjectSchema {
  type: "object";
  properties: Record<string, unknown>;
  required: string[];
  additionalProperties?: unknown;
  allOf?: unknown[];
}

/** ISO 8601 date-times as Azure writes them ("2023-01-01T00:00:00Z", fractions, offsets). */
export const DATE_TIME = {
  type: "string",
  pattern: "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2})?$",
};

export const objectSchema = (closed: boolean): ObjectSchema => ({
  type: "object",
  properties: {},
  required: [],
  ...(closed ? { additionalProperties: false } : {}),
});

/** "properties.provisioningState" → ["properties", "provisioningState"]; "a\\.b" is one key. */
export const keyPath = (serializedName: string): string[] =>
  serializedName.split(/(?<!\\)\./).map((part) => part.replace(/\\\./g, "."));

/**
 * Puts a property's schema at its JSON path (x-ms-client-flatten names such as "properties.x" nest,
 * in closed objects as the spec's own wrapper is). ARM leaves `nextLink` out on a list's last page
 * (the RPC's paging contract) although some specs mark it required: it is never required here.
 */
export function placeProperty(root: ObjectSchema, path: string[], schema: unknown, required: boolean): void {
  let node = root;
  for (const part of path.slice(0, -1)) {
    node = (node.properties[part] ??= objectSchema(true)) as ObjectSchema;
  }
  const last = path[path.length - 1]!;
  node.properties[last] = schema;
  if (required && !(path.length === 1 && last === "nextLink") && !node.required.includes(last))
    node.required.push(last);
}

/** Where an answer's model lives: `key` names it in the source's $defs. */
export interface ModelRef {
  key: string;
  /** What reports call it, e.g. ManagedCluster. */
  model: string;
}

export interface ModelSource {
  /** The response model of an operation (method, path, api-version, status), if the source has it. */
  modelOf(method: string, path: string, apiVersion: string, status: number): ModelRef | undefined;
  /** JSON Schemas of the models, by key (may include the models they reference). */
  schemas(keys: string[]): Promise<Record<string, unknown>>;
}

export interface Conformance {
  /** "GET /path (api-version) → Model" for every answer validated. */
  checked: string[];
  /** The same, with ajv's errors, for every answer that does not conform. */
  failures: string[];
  /** Answers with a body that the source does not model (operation status, metadata, tokens). */
  unmodelled: string[];
}

export type Answer = Pick<RecordedRequest, "method" | "path" | "apiVersion" | "status" | "responseBody">;

/** Validates each 2xx answer with a JSON body against its model. */
export async function validateAgainst(answers: Answer[], source: ModelSource): Promise<Conformance> {
  const result: Conformance = { checked: [], failures: [], unmodelled: [] };
  const modelled: [Answer, ModelRef][] = [];
  for (const a of answers) {
    if (a.status < 200 || a.status > 299 || typeof a.responseBody !== "object" || a.responseBody === null)
      continue;
    const ref = source.modelOf(a.method, a.path, a.apiVersion, a.status);
    if (ref) modelled.push([a, ref]);
    else result.unmodelled.push(`${a.method} ${a.path} (${a.apiVersion || "no api-version"})`);
  }
  if (modelled.length === 0) return result;
  const defs = await source.schemas([...new Set(modelled.map(([, r]) => r.key))]);
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  ajv.addSchema({ $defs: defs }, "models");
  for (const [a, ref] of modelled) {
    const what = `${a.method} ${a.path} (${a.apiVersion}) → ${ref.model}`;
    const validate = ajv.getSchema(`models#/$defs/${ref.key}`);
    if (!validate) throw new Error(`no schema for ${ref.key}`);
    result.checked.push(what);
    if (!validate(a.responseBody)) result.failures.push(`${what}: ${describe(validate.errors ?? [])}`);
  }
  return result;
}

function describe(errors: ErrorObject[]): string {
  return errors
    .map(
      (e) =>
        `${e.instancePath || "/"} ${e.message ?? ""}${e.keyword === "additionalProperties" ? ` (${String((e.params as { additionalProperty: string }).additionalProperty)})` : ""}`,
    )
    .join("; ");
}

/** A small managed cluster as AKS answers it (negative tests change one thing in it). */
export const sampleCluster = (id: string) => ({
  id,
  name: id.split("/").at(-1)!,
  type: "Microsoft.ContainerService/ManagedClusters",
  location: "eastus",
  properties: {
    provisioningState: "Succeeded",
    maxAgentPools: 100,
    agentPoolProfiles: [{ name: "nodepool1", count: 1 }] as Record<string, unknown>[],
  },
});
