// /openapi/v2 (swagger 2.0, JSON) and /openapi/v3 (an index, then one OpenAPI 3.0 document per
// group-version) for the kinds this API server serves: the upstream definitions vendored in
// definitions.json (see generate.ts), the strategic-merge keys the emulator merges by, and one
// path per verb with the query parameters the server honours. kubectl reads them for `explain`,
// for server-side field validation (`--validate=strict` checks the PATCH operation's
// fieldValidation parameter) and for client-side apply's patch computation.
import { metadataMergeKeys, metadataPrimitiveLists } from "../machinery/patch.js";
import { groupVersion, type KindDef } from "../machinery/kinds.js";
import vendored from "./definitions.json" with { type: "json" };

type Schema = { [key: string]: unknown };
type Kinds = readonly KindDef<never>[];

function definitionName(def: KindDef<never>, suffix = ""): string {
  const module = def.group === "" ? "core" : def.group.split(".")[0]!;
  return `io.k8s.api.${module}.${def.version}.${def.kind}${suffix}`;
}

/** Follows `$ref`s and array items from a schema. */
function deref(definitions: Record<string, Schema>, schema: Schema | undefined): Schema | undefined {
  let s = schema;
  while (s) {
    if (typeof s["$ref"] === "string") s = definitions[s["$ref"].replace("#/definitions/", "")];
    else if (s["type"] === "array" && s["items"]) s = s["items"] as Schema;
    else return s;
  }
  return undefined;
}

/** The property schema at a dotted path from a kind's definition, if it exists. */
function propertyAt(definitions: Record<string, Schema>, root: string, path: string): Schema | undefined {
  const parts = path.split(".");
  let owner = definitions[root];
  for (const [i, part] of parts.entries()) {
    const prop = (owner?.["properties"] as Record<string, Schema> | undefined)?.[part];
    if (!prop) return undefined;
    if (i === parts.length - 1) return prop;
    owner = deref(definitions, prop);
  }
  return undefined;
}

const memo = new Map<string, unknown>();
function cached<T>(key: string, make: () => T): T {
  if (!memo.has(key)) memo.set(key, make());
  return memo.get(key) as T;
}

/** The vendored definitions with the patch strategies the emulator applies (strategic merge). */
function definitionsFor(kinds: Kinds): Record<string, Schema> {
  return cached(`definitions/${kinds.map((k) => groupVersion(k) + k.kind).join()}`, () =>
    patchStrategies(kinds),
  );
}

function patchStrategies(kinds: Kinds): Record<string, Schema> {
  const definitions = structuredClone(vendored.definitions) as unknown as Record<string, Schema>;
  for (const def of kinds) {
    const root = definitionName(def);
    const keys = { ...metadataMergeKeys, ...def.mergeKeys };
    for (const [path, key] of Object.entries(keys)) {
      const prop = propertyAt(definitions, root, path);
      if (!prop) continue;
      prop["x-kubernetes-patch-merge-key"] = key;
      prop["x-kubernetes-patch-strategy"] = "merge";
    }
    for (const path of [...metadataPrimitiveLists, ...(def.mergePrimitiveLists ?? [])]) {
      const prop = propertyAt(definitions, root, path);
      if (prop) prop["x-kubernetes-patch-strategy"] = "merge";
    }
  }
  return definitions;
}

/** Definitions reachable from `roots`. */
function closure(definitions: Record<string, Schema>, roots: string[]): Record<string, Schema> {
  const out: Record<string, Schema> = {};
  const visit = (name: string) => {
    if (out[name] || !definitions[name]) return;
    out[name] = definitions[name];
    JSON.stringify(definitions[name], (k, v: unknown) => {
      if (k === "$ref" && typeof v === "string") visit(v.replace("#/definitions/", ""));
      return v;
    });
  };
  for (const r of roots) visit(r);
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

const META = "io.k8s.apimachinery.pkg.apis.meta.v1";

interface Operation {
  method: "get" | "post" | "put" | "patch" | "delete";
  action: string;
  id: string;
  response: string;
  parameters: string[];
}

function operations(def: KindDef<never>, item: boolean): Operation[] {
  const name = definitionName(def);
  const list = definitionName(def, "List");
  const kind = def.kind;
  const scope = def.namespaced ? "Namespaced" : "";
  const write = ["dryRun", "fieldManager", "fieldValidation", "pretty"];
  if (def.review)
    return item
      ? []
      : [{ method: "post", action: "post", id: `create${kind}`, response: name, parameters: write }];
  if (!item)
    return [
      {
        method: "get",
        action: "list",
        id: `list${scope}${kind}`,
        response: list,
        parameters: [
          "labelSelector",
          "fieldSelector",
          "limit",
          "continue",
          "resourceVersion",
          "watch",
          "pretty",
        ],
      },
      { method: "post", action: "post", id: `create${scope}${kind}`, response: name, parameters: write },
      {
        method: "delete",
        action: "deletecollection",
        id: `deleteCollection${scope}${kind}`,
        response: `${META}.Status`,
        parameters: ["labelSelector", "fieldSelector", "dryRun", "gracePeriodSeconds", "pretty"],
      },
    ];
  return [
    { method: "get", action: "get", id: `read${scope}${kind}`, response: name, parameters: ["pretty"] },
    { method: "put", action: "put", id: `replace${scope}${kind}`, response: name, parameters: write },
    {
      method: "patch",
      action: "patch",
      id: `patch${scope}${kind}`,
      response: name,
      parameters: [...write, "force"],
    },
    {
      method: "delete",
      action: "delete",
      id: `delete${scope}${kind}`,
      response: `${META}.Status`,
      parameters: ["dryRun", "gracePeriodSeconds", "propagationPolicy", "pretty"],
    },
  ];
}

function paths(def: KindDef<never>): [string, boolean][] {
  const base = def.group ? `/apis/${def.group}/${def.version}` : "/api/v1";
  const collection = def.namespaced
    ? `${base}/namespaces/{namespace}/${def.plural}`
    : `${base}/${def.plural}`;
  return def.review
    ? [[collection, false]]
    : [
        [collection, false],
        [`${collection}/{name}`, true],
      ];
}

const PARAM_TYPES: Record<string, string> = {
  limit: "integer",
  gracePeriodSeconds: "integer",
  watch: "boolean",
  force: "boolean",
};

type Flavour = "v2" | "v3";

function parameter(name: string, flavour: Flavour): Schema {
  const type = PARAM_TYPES[name] ?? "string";
  return flavour === "v2"
    ? { name, in: "query", type, uniqueItems: true }
    : { name, in: "query", schema: { type, uniqueItems: true } };
}

function pathItems(def: KindDef<never>, flavour: Flavour): Record<string, Schema> {
  // Operations name their kind with one object (schemas list theirs).
  const gvk = { group: def.group, version: def.version, kind: def.kind };
  const ref = (name: string) => (flavour === "v2" ? `#/definitions/${name}` : `#/components/schemas/${name}`);
  const items: Record<string, Schema> = {};
  for (const [path, item] of paths(def)) {
    const pathParams = [...(item ? ["name"] : []), ...(def.namespaced ? ["namespace"] : [])].map((n) =>
      flavour === "v2"
        ? { name: n, in: "path", required: true, type: "string", uniqueItems: true }
        : { name: n, in: "path", required: true, schema: { type: "string", uniqueItems: true } },
    );
    const entry: Schema = { parameters: pathParams };
    for (const op of operations(def, item)) {
      const ok =
        flavour === "v2"
          ? { description: "OK", schema: { $ref: ref(op.response) } }
          : { description: "OK", content: { "application/json": { schema: { $ref: ref(op.response) } } } };
      entry[op.method] = {
        tags: [groupVersion(def).replace(/[./]/g, "_")],
        operationId: op.id,
        ...(flavour === "v2"
          ? { consumes: ["*/*"], produces: ["application/json", "application/yaml"] }
          : {}),
        parameters: op.parameters.map((p) => parameter(p, flavour)),
        ...(op.method === "patch" || op.method === "put" || op.method === "post"
          ? flavour === "v2"
            ? {}
            : { requestBody: { content: { "*/*": { schema: { $ref: ref(op.response) } } }, required: true } }
          : {}),
        responses: { "200": ok, "201": ok, "401": { description: "Unauthorized" } },
        "x-kubernetes-action": op.action,
        "x-kubernetes-group-version-kind": gvk,
      };
    }
    items[path] = entry;
  }
  return items;
}

const roots = (kinds: Kinds) => [
  ...kinds.flatMap((k) => [definitionName(k), ...(k.review ? [] : [definitionName(k, "List")])]),
  `${META}.Status`,
  `${META}.DeleteOptions`,
  `${META}.WatchEvent`,
];

/** The swagger 2.0 document of `kinds` (GET /openapi/v2 with Accept: application/json). */
export function openApiV2(kinds: Kinds, gitVersion: string): Schema {
  return cached(`v2/${gitVersion}`, () => buildV2(kinds, gitVersion));
}

function buildV2(kinds: Kinds, gitVersion: string): Schema {
  const definitions = definitionsFor(kinds);
  return {
    swagger: "2.0",
    info: { title: "Kubernetes", version: gitVersion },
    paths: Object.assign({}, ...kinds.map((k) => pathItems(k, "v2"))) as Schema,
    definitions: closure(definitions, roots(kinds)),
    securityDefinitions: {
      BearerToken: {
        description: "Bearer Token authentication",
        type: "apiKey",
        name: "authorization",
        in: "header",
      },
    },
    security: [{ BearerToken: [] }],
  };
}

/** "api/v1" or "apis/{group}/{version}" for a kind. */
function gvPath(def: KindDef<never>): string {
  return def.group ? `apis/${def.group}/${def.version}` : "api/v1";
}

/** Rewrites a v2 schema for OpenAPI 3: refs into components, a described ref as allOf. */
function toV3(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toV3);
  if (schema === null || typeof schema !== "object") return schema;
  const s = schema as Schema;
  const out: Schema = {};
  for (const [k, v] of Object.entries(s))
    out[k] = k === "$ref" ? String(v).replace("#/definitions/", "#/components/schemas/") : toV3(v);
  if (out["$ref"] && Object.keys(out).length > 1) {
    const { $ref, ...rest } = out;
    return { ...rest, allOf: [{ $ref }] };
  }
  return out;
}

/** GET /openapi/v3: the group-versions and where their documents are (hashed by content). */
export function openApiV3Index(kinds: Kinds, gitVersion: string): Schema {
  return cached(`v3/${gitVersion}`, () => buildV3Index(kinds, gitVersion));
}

function buildV3Index(kinds: Kinds, gitVersion: string): Schema {
  const byPath = new Map<string, string>();
  for (const k of kinds) byPath.set(gvPath(k), "");
  const entries = [...byPath.keys()].sort().map((p) => {
    const doc = JSON.stringify(openApiV3(kinds, p, gitVersion));
    let h = 0n;
    for (const c of doc) h = (h * 131n + BigInt(c.charCodeAt(0))) % (1n << 64n);
    const hash = h.toString(16).toUpperCase().padStart(16, "0");
    return [p, { serverRelativeURL: `/openapi/v3/${p}?hash=${hash}` }];
  });
  return { paths: Object.fromEntries(entries) };
}

/** GET /openapi/v3/{api/v1 | apis/group/version}: the OpenAPI 3.0 document of one group-version. */
export function openApiV3(kinds: Kinds, path: string, gitVersion: string): Schema | undefined {
  return cached(`v3/${gitVersion}/${path}`, () => buildV3(kinds, path, gitVersion));
}

function buildV3(kinds: Kinds, path: string, gitVersion: string): Schema | undefined {
  const served = kinds.filter((k) => gvPath(k) === path);
  if (served.length === 0) return undefined;
  const definitions = definitionsFor(kinds);
  const schemas = closure(definitions, roots(served));
  return {
    openapi: "3.0.0",
    info: { title: "Kubernetes", version: gitVersion },
    paths: toV3(Object.assign({}, ...served.map((k) => pathItems(k, "v3")))),
    components: {
      schemas: toV3(schemas),
      securitySchemes: {
        BearerToken: {
          type: "apiKey",
          description: "Bearer Token authentication",
          name: "authorization",
          in: "header",
        },
      },
    },
  };
}

/** Whether an Accept header takes JSON (kubectl asks /openapi/v2 for protobuf only). */
export function acceptsJson(accept: string | undefined): boolean {
  if (!accept) return true;
  return accept.split(",").some((a) => /^\s*(application\/json|\*\/\*|application\/\*)\s*(;|$)/.test(a));
}
