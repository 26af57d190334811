// Regenerates definitions.json, the OpenAPI (swagger 2.0) definitions of the kinds the emulator
// serves and everything they reference, from the `kubernetes-types` package (a devDependency):
// TypeScript declarations generated from the Kubernetes OpenAPI definitions, with the upstream
// field descriptions, required fields and group/version/kind. Run after changing the served kinds:
//   npm run build && node dist/emulators/kube/openapi/generate.js
import { readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import prettier from "prettier";
import ts from "typescript";
import { KINDS } from "../registry.js";

type Schema = Record<string, unknown>;

const require = createRequire(import.meta.url);
const PACKAGE = dirname(require.resolve("kubernetes-types/package.json"));
const VERSION = (JSON.parse(readFileSync(join(PACKAGE, "package.json"), "utf8")) as { version: string })
  .version;

/** kubernetes-types module path → OpenAPI definition prefix. */
function prefixOf(module: string): string {
  if (module === "meta/v1") return "io.k8s.apimachinery.pkg.apis.meta.v1";
  if (module === "api/resource") return "io.k8s.apimachinery.pkg.api.resource";
  if (module === "runtime") return "io.k8s.apimachinery.pkg.runtime";
  if (module === "version") return "io.k8s.apimachinery.pkg.version";
  return `io.k8s.api.${module.replace("/", ".")}`;
}

/** The module folder of an API group ("networking.k8s.io" → "networking"). */
const moduleOfGroup = (group: string) => (group === "" ? "core" : group.split(".")[0]!);

const INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";

interface Declaration {
  name: string;
  node: ts.InterfaceDeclaration | ts.TypeAliasDeclaration;
  module: string;
  imports: Map<string, string>;
}

function dtsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? dtsFiles(p) : p.endsWith(".d.ts") ? [p] : [];
  });
}

const declarations = new Map<string, Declaration>();
for (const file of dtsFiles(PACKAGE)) {
  const module = relative(PACKAGE, file).replace(/\.d\.ts$/, "");
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true);
  const imports = new Map<string, string>();
  for (const stmt of source.statements) {
    if (ts.isImportDeclaration(stmt) && ts.isStringLiteral(stmt.moduleSpecifier)) {
      const from = join(dirname(module), stmt.moduleSpecifier.text).replace(/\\/g, "/");
      const bindings = stmt.importClause?.namedBindings;
      if (bindings && ts.isNamedImports(bindings))
        for (const el of bindings.elements) imports.set(el.name.text, `${prefixOf(from)}.${el.name.text}`);
    }
    if (ts.isInterfaceDeclaration(stmt) || ts.isTypeAliasDeclaration(stmt))
      declarations.set(`${prefixOf(module)}.${stmt.name.text}`, {
        name: stmt.name.text,
        node: stmt,
        module,
        imports,
      });
  }
}

function docOf(node: ts.Node): string | undefined {
  const docs = (node as { jsDoc?: ts.JSDoc[] }).jsDoc;
  const text = docs?.map((d) => (typeof d.comment === "string" ? d.comment : "")).join("\n");
  return text ? text.trim() : undefined;
}

const definitions: Record<string, Schema> = {};
const queue: string[] = [];

function ref(name: string): Schema {
  if (!definitions[name] && !queue.includes(name)) queue.push(name);
  return { $ref: `#/definitions/${name}` };
}

function convert(type: ts.TypeNode, decl: Declaration): Schema {
  switch (type.kind) {
    case ts.SyntaxKind.StringKeyword:
      return { type: "string" };
    case ts.SyntaxKind.NumberKeyword:
      return { type: "integer" };
    case ts.SyntaxKind.BooleanKeyword:
      return { type: "boolean" };
    case ts.SyntaxKind.AnyKeyword:
    case ts.SyntaxKind.UnknownKeyword:
    case ts.SyntaxKind.ObjectKeyword:
      return { type: "object" };
  }
  if (ts.isLiteralTypeNode(type)) return { type: ts.isStringLiteral(type.literal) ? "string" : "boolean" };
  if (ts.isArrayTypeNode(type)) return { type: "array", items: convert(type.elementType, decl) };
  if (ts.isParenthesizedTypeNode(type)) return convert(type.type, decl);
  if (ts.isUnionTypeNode(type)) {
    const kinds = type.types.map((t) => t.kind);
    if (kinds.includes(ts.SyntaxKind.NumberKeyword) && kinds.includes(ts.SyntaxKind.StringKeyword))
      return ref(INT_OR_STRING);
    return convert(type.types[0]!, decl);
  }
  if (ts.isTypeLiteralNode(type)) {
    const index = type.members.find(ts.isIndexSignatureDeclaration);
    if (index) return { type: "object", additionalProperties: convert(index.type, decl) };
    return { type: "object" };
  }
  if (ts.isTypeReferenceNode(type)) {
    const name = type.typeName.getText();
    if (name === "Array" && type.typeArguments?.[0])
      return { type: "array", items: convert(type.typeArguments[0], decl) };
    if (name === "Record" && type.typeArguments?.[1])
      return { type: "object", additionalProperties: convert(type.typeArguments[1], decl) };
    return ref(decl.imports.get(name) ?? `${prefixOf(decl.module)}.${name}`);
  }
  return { type: "object" };
}

function define(fullName: string): void {
  if (fullName === INT_OR_STRING) {
    definitions[fullName] = {
      description:
        "IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to have, for example, a JSON field that can accept a name or number.",
      type: "string",
      format: "int-or-string",
    };
    return;
  }
  const decl = declarations.get(fullName);
  if (!decl) throw new Error(`kubernetes-types has no declaration for ${fullName}`);
  const description = docOf(decl.node);
  if (ts.isTypeAliasDeclaration(decl.node)) {
    const base = convert(decl.node.type, decl);
    const dateTime = decl.name === "Time" || decl.name === "MicroTime";
    definitions[fullName] = {
      ...(description ? { description } : {}),
      ...base,
      ...(dateTime ? { format: "date-time" } : {}),
    };
    return;
  }
  const properties: Record<string, Schema> = {};
  const required: string[] = [];
  let group: { group: string; version: string; kind: string } | undefined;
  let apiVersion: string | undefined;
  let kind: string | undefined;
  for (const member of decl.node.members) {
    if (!ts.isPropertySignature(member) || !member.type) continue;
    const name = member.name.getText().replace(/^"|"$/g, "");
    const doc = docOf(member);
    const schema = convert(member.type, decl);
    properties[name] = doc ? { description: doc, ...schema } : schema;
    if (!member.questionToken) required.push(name);
    if (ts.isLiteralTypeNode(member.type) && ts.isStringLiteral(member.type.literal)) {
      if (name === "apiVersion") apiVersion = member.type.literal.text;
      if (name === "kind") kind = member.type.literal.text;
    }
  }
  if (apiVersion && kind) {
    const [g, v] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
    group = { group: g!, version: v!, kind };
  }
  definitions[fullName] = {
    ...(description ? { description } : {}),
    type: "object",
    ...(required.length ? { required: required.sort() } : {}),
    ...(Object.keys(properties).length ? { properties } : {}),
    ...(group ? { "x-kubernetes-group-version-kind": [group] } : {}),
  };
}

const roots = [
  ...KINDS.flatMap((k) => {
    const prefix = prefixOf(`${moduleOfGroup(k.group)}/${k.version}`);
    return [`${prefix}.${k.kind}`, ...(k.review ? [] : [`${prefix}.${k.kind}List`])];
  }),
  ...[
    "Status",
    "DeleteOptions",
    "WatchEvent",
    "APIResourceList",
    "APIGroupList",
    "APIGroup",
    "APIVersions",
  ].map((n) => `io.k8s.apimachinery.pkg.apis.meta.v1.${n}`),
];
for (const r of roots) ref(r);
while (queue.length > 0) define(queue.shift()!);

const sorted = Object.fromEntries(Object.entries(definitions).sort(([a], [b]) => (a < b ? -1 : 1)));
const out = join(
  dirname(fileURLToPath(import.meta.url)),
  "../../../../emulators/kube/openapi/definitions.json",
);
const document = {
  source: `kubernetes-types ${VERSION} (Apache-2.0), generated from the Kubernetes ${VERSION.replace(/\.\d+$/, "")} OpenAPI definitions`,
  definitions: sorted,
};
const config = (await prettier.resolveConfig(out)) ?? {};
writeFileSync(out, await prettier.format(JSON.stringify(document), { ...config, filepath: out }));
console.log(`${Object.keys(sorted).length} definitions → ${out}`);
