// The response models of the pinned @azure/arm-* packages as JSON Schema, with their operations, so
// the emulator's answers can be held to the official Azure REST API specifications at exactly the
// api-versions the app sends. Every package is generated from those specifications, in one of two
// forms, and both are read here from the installed package (nothing is copied into the repository):
// - AutoRest "mappers" (@azure/arm-msi, @azure/arm-authorization): models/mappers.js (serializedName
//   with "properties.x" for flattened properties, type Composite/Sequence/Dictionary/Enum/String/…,
//   required, constraints) and operations/*.js (operation specs: path, httpMethod, responses →
//   bodyMapper, the api-version parameter's value);
// - TypeSpec "modular" clients (@azure/arm-containerservice, -network, -resources): models/**/*.js
//   (one deserializer per model, reading each wire key, spreading the flattened "properties") with
//   their .d.ts (each property's type and whether it is optional), and api/*/operations.js (URL
//   template, method, api-version, expected statuses and the response deserializer).
// Both are read with the TypeScript parser (no SDK code runs). Models are closed (no unknown
// property) unless the spec makes them open (additionalProperties, a discriminated base).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import {
  DATE_TIME,
  keyPath,
  objectSchema,
  placeProperty,
  type ModelRef,
  type ModelSource,
  type ObjectSchema,
} from "./spec-conformance.js";

/**
 * Where Azure answers differently from its spec, the one place the spec is relaxed. Role assignments
 * carry their unset optional strings as null (`"condition": null, "description": null`, …, as ARM
 * answers them and the emulator copies), which the 2022-04-01 spec types as plain strings without
 * x-nullable; every SDK reads null there as "not set".
 */
export const NULL_IN_PRACTICE: readonly { model: string; path: readonly string[] }[] = [
  "condition",
  "conditionVersion",
  "description",
  "createdBy",
  "updatedBy",
  "delegatedManagedIdentityResourceId",
].map((p) => ({ model: "arm-authorization:RoleAssignment", path: ["properties", p] }));

const NODE_MODULES = fileURLToPath(new URL("../../../node_modules/", import.meta.url));

/** One operation of a package: where it is, what it answers. */
export interface SdkOperation {
  pkg: string;
  /** e.g. managedClusters.get */
  name: string;
  method: string;
  /** URL template as the SDK has it, e.g. /subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName} */
  template: string;
  path: RegExp;
  apiVersion: string;
  /** Status → model name ("" = no body). */
  responses: Record<string, string>;
}

interface Package {
  operations: SdkOperation[];
  schema(model: string, defs: Record<string, unknown>): void;
}

const files = (dir: string, suffix: string): string[] =>
  readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(suffix))
    .map((f) => join(dir, f));

const parse = (file: string): ts.SourceFile =>
  ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);

function walk(node: ts.Node, visit: (n: ts.Node) => void): void {
  visit(node);
  node.forEachChild((c) => walk(c, visit));
}

function find<T extends ts.Node>(node: ts.Node, test: (n: ts.Node) => n is T): T | undefined {
  let found: T | undefined;
  walk(node, (n) => {
    if (!found && test(n)) found = n;
  });
  return found;
}

const propName = (n: ts.PropertyName): string =>
  ts.isIdentifier(n) || ts.isStringLiteral(n) || ts.isNumericLiteral(n) ? n.text : n.getText();

/** Template → case-insensitive regex over the recorded (un-decoded) path. */
function templateRegex(template: string): RegExp {
  const path = template.replace(/\{[?&][^}]*\}/g, "");
  const source = path
    .split(/(\{[^}]+\})/)
    .map((part) =>
      part.startsWith("{")
        ? /scope|resourceId|^\{\+/i.test(part)
          ? ".+"
          : "[^/]+"
        : part.replace(/[.*+?^$()|[\]\\]/g, "\\$&"),
    )
    .join("");
  return new RegExp(`^${source}/?$`, "i");
}

const key = (pkg: string, model: string) => `${pkg.replace("@azure/", "")}:${model}`;
const ref = (pkg: string, model: string) => ({ $ref: `#/$defs/${key(pkg, model)}` });

// ---------------------------------------------------------------- TypeSpec modular clients

interface Interface {
  bases: string[];
  props: Map<string, ts.PropertySignature>;
  open: boolean;
}

type Entry =
  | { kind: "prop"; client: string; wire: string }
  | { kind: "flatten"; wire: string; fn: string }
  | { kind: "open" };

function modularPackage(pkg: string): Package {
  const dist = join(NODE_MODULES, pkg, "dist/esm");
  const interfaces = new Map<string, Interface>();
  const aliases = new Map<string, ts.TypeNode>();
  const deserializerOf = new Map<string, string>(); // model → deserializer function
  const deserializers = new Map<string, Entry[]>(); // function → entries
  for (const file of files(join(dist, "models"), "models.d.ts")) {
    for (const st of parse(file).statements) {
      if (ts.isInterfaceDeclaration(st)) {
        const props = new Map<string, ts.PropertySignature>();
        let open = false;
        for (const m of st.members) {
          if (ts.isPropertySignature(m)) props.set(propName(m.name), m);
          else if (ts.isIndexSignatureDeclaration(m)) open = true;
        }
        const bases = (st.heritageClauses ?? []).flatMap((h) => h.types.map((t) => t.expression.getText()));
        interfaces.set(st.name.text, { bases, props, open });
      } else if (ts.isTypeAliasDeclaration(st)) aliases.set(st.name.text, st.type);
      else if (
        ts.isFunctionDeclaration(st) &&
        st.name?.text.endsWith("Deserializer") &&
        st.type &&
        ts.isTypeReferenceNode(st.type) &&
        !st.name.text.endsWith("ArrayDeserializer") &&
        !st.name.text.endsWith("RecordDeserializer")
      )
        deserializerOf.set(st.type.typeName.getText(), st.name.text);
    }
  }
  for (const file of files(join(dist, "models"), "models.js")) {
    for (const st of parse(file).statements) {
      if (!ts.isFunctionDeclaration(st) || !st.name?.text.endsWith("Deserializer") || !st.body) continue;
      const ret = st.body.statements.find(ts.isReturnStatement)?.expression;
      if (!ret || !ts.isObjectLiteralExpression(ret)) continue;
      const entries: Entry[] = [];
      for (const p of ret.properties) {
        const wire = find(p, (n): n is ts.ElementAccessExpression => ts.isElementAccessExpression(n));
        const wireKey =
          wire && ts.isIdentifier(wire.expression) && wire.expression.text === "item"
            ? (wire.argumentExpression as ts.StringLiteral).text
            : undefined;
        if (ts.isSpreadAssignment(p)) {
          const call = find(
            p,
            (n): n is ts.CallExpression =>
              ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text.startsWith("_"),
          );
          if (wireKey && call)
            entries.push({ kind: "flatten", wire: wireKey, fn: call.expression.getText() });
          else entries.push({ kind: "open" });
        } else if (ts.isPropertyAssignment(p) && wireKey)
          entries.push({ kind: "prop", client: propName(p.name), wire: wireKey });
        else entries.push({ kind: "open" }); // additionalProperties: serializeRecord(item, …)
      }
      deserializers.set(st.name.text, entries);
    }
  }

  const propOf = (model: string, name: string): ts.PropertySignature | undefined => {
    const i = interfaces.get(model);
    if (!i) return undefined;
    return i.props.get(name) ?? i.bases.map((b) => propOf(b, name)).find((p) => p !== undefined);
  };
  const isOpen = (model: string): boolean => {
    const i = interfaces.get(model);
    return !!i && (i.open || i.bases.some((b) => b.startsWith("Record<") || isOpen(b)));
  };

  const typeSchema = (t: ts.TypeNode, seen: Set<string> = new Set()): Record<string, unknown> => {
    if (ts.isParenthesizedTypeNode(t)) return typeSchema(t.type, seen);
    if (ts.isArrayTypeNode(t)) return { type: "array", items: typeSchema(t.elementType, seen) };
    if (ts.isLiteralTypeNode(t)) {
      if (ts.isStringLiteral(t.literal)) return { const: t.literal.text };
      if (t.literal.kind === ts.SyntaxKind.NullKeyword) return { type: "null" };
      if (t.literal.kind === ts.SyntaxKind.TrueKeyword || t.literal.kind === ts.SyntaxKind.FalseKeyword)
        return { type: "boolean" };
      return { type: "number" };
    }
    if (ts.isUnionTypeNode(t)) {
      const members = t.types.filter((m) => m.kind !== ts.SyntaxKind.UndefinedKeyword);
      if (members.every((m) => ts.isLiteralTypeNode(m) && ts.isStringLiteral(m.literal)))
        return { enum: members.map((m) => ((m as ts.LiteralTypeNode).literal as ts.StringLiteral).text) };
      return { anyOf: members.map((m) => typeSchema(m, seen)) };
    }
    if (ts.isTypeLiteralNode(t)) return {};
    switch (t.kind) {
      case ts.SyntaxKind.StringKeyword:
        return { type: "string" };
      case ts.SyntaxKind.NumberKeyword:
        return { type: "number" };
      case ts.SyntaxKind.BooleanKeyword:
        return { type: "boolean" };
    }
    if (!ts.isTypeReferenceNode(t)) return {};
    const name = t.typeName.getText();
    const args = t.typeArguments ?? [];
    if (name === "Array" && args[0]) return { type: "array", items: typeSchema(args[0], seen) };
    if (name === "Record" && args[1])
      return { type: "object", additionalProperties: typeSchema(args[1], seen) };
    if (name === "Date") return { ...DATE_TIME };
    if (name === "Uint8Array") return { type: "string" };
    const alias = aliases.get(name);
    if (alias && !seen.has(name)) return typeSchema(alias, new Set([...seen, name]));
    if (interfaces.has(name)) return ref(pkg, name);
    return {};
  };

  const schema = (model: string, defs: Record<string, unknown>): void => {
    const k = key(pkg, model);
    if (k in defs) return;
    defs[k] = {}; // against cycles
    const root = objectSchema(!isOpen(model));
    const fill = (node: ObjectSchema, entries: Entry[]) => {
      for (const e of entries) {
        if (e.kind === "open") delete node.additionalProperties;
        else if (e.kind === "flatten") {
          const inner = objectSchema(true);
          fill(inner, deserializers.get(e.fn) ?? [{ kind: "open" }]);
          placeProperty(node, [e.wire], inner, false);
        } else {
          const prop = propOf(model, e.client);
          placeProperty(
            node,
            [e.wire],
            prop?.type ? typeSchema(prop.type) : {},
            !!prop && !prop.questionToken,
          );
        }
      }
    };
    const fn = deserializerOf.get(model);
    const entries = fn ? deserializers.get(fn) : undefined;
    if (entries) fill(root, entries);
    else {
      // No deserializer reads it (an input-only or polymorphic base model): its declared properties.
      delete root.additionalProperties;
      for (const [name, prop] of interfaces.get(model)?.props ?? [])
        placeProperty(root, [name], prop.type ? typeSchema(prop.type) : {}, false);
    }
    defs[k] = root;
    for (const r of JSON.stringify(root).matchAll(/"#\/\$defs\/[^:"]+:([^"]+)"/g)) schema(r[1]!, defs);
  };

  const operations: SdkOperation[] = [];
  for (const file of files(join(dist, "api"), "operations.js")) {
    const group = file.split("/").at(-2)!;
    const sends = new Map<string, { template: string; method: string; apiVersion: string }>();
    const deserializes = new Map<string, Record<string, string>>();
    for (const st of parse(file).statements) {
      if (!ts.isFunctionDeclaration(st) || !st.name || !st.body) continue;
      const fn = st.name.text;
      if (fn.endsWith("Send")) {
        const expand = find(
          st.body,
          (n): n is ts.CallExpression =>
            ts.isCallExpression(n) && n.expression.getText() === "expandUrlTemplate",
        );
        const verb = find(
          st.body,
          (n): n is ts.PropertyAccessExpression =>
            ts.isPropertyAccessExpression(n) &&
            /^(get|put|post|patch|delete|head)$/.test(n.name.text) &&
            ts.isCallExpression(n.expression) &&
            n.expression.expression.getText() === "context.path",
        );
        const version = expand?.arguments[1]?.getText().match(/"api%2Dversion":[^,}]*?"([0-9a-z-]+)"/);
        if (!expand || !verb || !version) continue;
        sends.set(fn.slice(1, -"Send".length), {
          template: (expand.arguments[0] as ts.StringLiteral).text,
          method: verb.name.text.toUpperCase(),
          apiVersion: version[1]!,
        });
      } else if (fn.endsWith("Deserialize")) {
        const statuses = find(
          st.body,
          (n): n is ts.VariableDeclaration =>
            ts.isVariableDeclaration(n) && n.name.getText() === "expectedStatuses",
        );
        const codes = statuses?.initializer?.getText().match(/\d{3}/g) ?? [];
        const last = st.body.statements.at(-1);
        const call =
          last && ts.isReturnStatement(last) && last.expression && ts.isCallExpression(last.expression)
            ? last.expression.expression.getText()
            : "";
        const model = [...deserializerOf].find(([, f]) => f === call)?.[0] ?? "";
        deserializes.set(
          fn.slice(1, -"Deserialize".length),
          Object.fromEntries(codes.map((c) => [c, model])),
        );
      }
    }
    for (const [name, send] of sends) {
      operations.push({
        pkg,
        name: `${group}.${name}`,
        ...send,
        path: templateRegex(send.template),
        responses: deserializes.get(name) ?? {},
      });
    }
  }
  return { operations, schema };
}

// ---------------------------------------------------------------- AutoRest mappers

/** Evaluates the constant object literals of the generated files (mappers, parameters). */
class Constants {
  private readonly decls = new Map<string, ts.Expression>();
  private readonly values = new Map<string, unknown>();

  add(file: ts.SourceFile): void {
    for (const st of file.statements)
      if (ts.isVariableStatement(st))
        for (const d of st.declarationList.declarations)
          if (ts.isIdentifier(d.name) && d.initializer) this.decls.set(d.name.text, d.initializer);
  }

  get(name: string): unknown {
    if (!this.values.has(name)) {
      const init = this.decls.get(name);
      this.values.set(name, init ? this.evaluate(init) : undefined);
    }
    return this.values.get(name);
  }

  names(): string[] {
    return [...this.decls.keys()];
  }

  evaluate(e: ts.Expression): unknown {
    if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return e.text;
    if (ts.isNumericLiteral(e)) return Number(e.text);
    if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.MinusToken)
      return -(this.evaluate(e.operand) as number);
    if (e.kind === ts.SyntaxKind.TrueKeyword) return true;
    if (e.kind === ts.SyntaxKind.FalseKeyword) return false;
    if (ts.isRegularExpressionLiteral(e)) return e.text.slice(1, e.text.lastIndexOf("/"));
    if (ts.isNewExpression(e) && e.expression.getText() === "RegExp" && e.arguments?.[0])
      return this.evaluate(e.arguments[0]);
    if (ts.isArrayLiteralExpression(e)) return e.elements.map((x) => this.evaluate(x));
    if (ts.isIdentifier(e)) return this.get(e.text);
    if (ts.isPropertyAccessExpression(e)) {
      // Mappers.X / Parameters.x name another file's constant; a.b.c reads a value.
      if (ts.isIdentifier(e.expression) && /^(Mappers|Parameters)$/.test(e.expression.text))
        return this.get(e.name.text);
      const obj = this.evaluate(e.expression) as Record<string, unknown> | undefined;
      return obj?.[e.name.text];
    }
    if (ts.isObjectLiteralExpression(e)) {
      const out: Record<string, unknown> = {};
      for (const p of e.properties) {
        if (ts.isPropertyAssignment(p)) out[propName(p.name)] = this.evaluate(p.initializer);
        else if (ts.isSpreadAssignment(p)) Object.assign(out, this.evaluate(p.expression));
        else if (ts.isShorthandPropertyAssignment(p)) out[p.name.text] = this.get(p.name.text);
      }
      return out;
    }
    return undefined;
  }
}

interface Mapper {
  serializedName?: string;
  required?: boolean;
  constraints?: Record<string, unknown>;
  type: {
    name: string;
    className?: string;
    modelProperties?: Record<string, Mapper>;
    additionalProperties?: unknown;
    polymorphicDiscriminator?: unknown;
    element?: Mapper;
    value?: Mapper;
    allowedValues?: unknown[];
  };
}

const CONSTRAINTS: Record<string, string> = {
  Pattern: "pattern",
  MaxLength: "maxLength",
  MinLength: "minLength",
  InclusiveMaximum: "maximum",
  InclusiveMinimum: "minimum",
  ExclusiveMaximum: "exclusiveMaximum",
  ExclusiveMinimum: "exclusiveMinimum",
  MaxItems: "maxItems",
  MinItems: "minItems",
  UniqueItems: "uniqueItems",
};

function mapperPackage(pkg: string, dir: string): Package {
  const root = join(NODE_MODULES, pkg, dir);
  const constants = new Constants();
  for (const f of [...files(join(root, "models"), ".js"), ...files(join(root, "operations"), ".js")])
    constants.add(parse(f));
  const byClass = new Map<string, Mapper>();
  for (const name of constants.names()) {
    const m = constants.get(name) as Mapper | undefined;
    if (m?.type?.name === "Composite" && m.type.className && m.type.modelProperties)
      byClass.set(m.type.className, m);
  }

  const typeSchema = (m: Mapper, defs: Record<string, unknown>): Record<string, unknown> => {
    const s = ((): Record<string, unknown> => {
      switch (m.type.name) {
        case "Composite":
          schema(m.type.className!, defs);
          return ref(pkg, m.type.className!);
        case "Sequence":
          return { type: "array", items: m.type.element ? typeSchema(m.type.element, defs) : {} };
        case "Dictionary":
          return { type: "object", additionalProperties: m.type.value ? typeSchema(m.type.value, defs) : {} };
        case "String":
        case "Uuid":
        case "TimeSpan":
        case "ByteArray":
        case "Base64Url":
        case "DateTimeRfc1123":
          return { type: "string" };
        case "Date":
          return { type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2}$" };
        case "DateTime":
          return { ...DATE_TIME };
        case "Number":
          return { type: "number" };
        case "UnixTime":
          return { type: "integer" };
        case "Boolean":
          return { type: "boolean" };
        case "Enum":
          return { enum: m.type.allowedValues };
        default:
          return {};
      }
    })();
    for (const [rule, keyword] of Object.entries(CONSTRAINTS))
      if (m.constraints?.[rule] !== undefined) s[keyword] = m.constraints[rule];
    return s;
  };

  const schema = (model: string, defs: Record<string, unknown>): void => {
    const k = key(pkg, model);
    if (k in defs) return;
    defs[k] = {};
    const m = byClass.get(model);
    const open =
      !m || m.type.additionalProperties !== undefined || m.type.polymorphicDiscriminator !== undefined;
    const out = objectSchema(!open);
    for (const prop of Object.values(m?.type.modelProperties ?? {})) {
      if (!prop.serializedName) continue;
      placeProperty(out, keyPath(prop.serializedName), typeSchema(prop, defs), !!prop.required);
    }
    defs[k] = out;
  };

  const operations: SdkOperation[] = [];
  for (const f of files(join(root, "operations"), ".js")) {
    const group = f.split("/").at(-1)!.replace(/\.js$/, "");
    for (const st of parse(f).statements) {
      if (!ts.isVariableStatement(st)) continue;
      for (const d of st.declarationList.declarations) {
        if (!ts.isIdentifier(d.name) || !d.name.text.endsWith("OperationSpec") || !d.initializer) continue;
        const spec = constants.evaluate(d.initializer) as {
          path: string;
          httpMethod: string;
          responses: Record<string, { bodyMapper?: Mapper }>;
          queryParameters?: { mapper?: { serializedName?: string; defaultValue?: string } }[];
        };
        const version = spec.queryParameters?.find((q) => q?.mapper?.serializedName === "api-version");
        operations.push({
          pkg,
          name: `${group}.${d.name.text.replace(/OperationSpec$/, "")}`,
          method: spec.httpMethod,
          template: spec.path,
          path: templateRegex(spec.path),
          apiVersion: version?.mapper?.defaultValue ?? "",
          responses: Object.fromEntries(
            Object.entries(spec.responses)
              .filter(([status]) => status !== "default")
              .map(([status, r]) => [status, r.bodyMapper?.type.className ?? ""]),
          ),
        });
      }
    }
  }
  return { operations, schema };
}

// ---------------------------------------------------------------- the catalogue

/** The packages the app uses, and how each was generated. */
export const SDK_PACKAGES: Record<string, () => Package> = {
  "@azure/arm-containerservice": () => modularPackage("@azure/arm-containerservice"),
  "@azure/arm-network": () => modularPackage("@azure/arm-network"),
  "@azure/arm-resources": () => modularPackage("@azure/arm-resources"),
  "@azure/arm-msi": () => mapperPackage("@azure/arm-msi", "dist/esm"),
  "@azure/arm-authorization": () => mapperPackage("@azure/arm-authorization", "dist-esm/src"),
};

export class SdkModels implements ModelSource {
  private readonly packages = new Map<string, Package>();
  readonly operations: SdkOperation[] = [];

  constructor(packages: string[] = Object.keys(SDK_PACKAGES)) {
    for (const p of packages) {
      const loaded = SDK_PACKAGES[p]!();
      this.packages.set(p, loaded);
      this.operations.push(...loaded.operations);
    }
  }

  /** The operation a request was, by method and path (the most specific template first). */
  operationOf(method: string, path: string): SdkOperation | undefined {
    const candidates = this.operations.filter((o) => o.method === method && o.path.test(path));
    // Literal segments beat parameters: …/agentPools/{name} over {scope}/providers/….
    return candidates.sort((a, b) => literalLength(b.template) - literalLength(a.template))[0];
  }

  /** The model of the answer, only when the request's api-version is the one the package models. */
  modelOf(method: string, path: string, apiVersion: string, status: number): ModelRef | undefined {
    const op = this.operationOf(method, path);
    const model = op?.responses[String(status)];
    if (!op || !model || op.apiVersion !== apiVersion) return undefined;
    return { key: key(op.pkg, model), model: `${model} (${op.pkg} ${op.name})` };
  }

  schemas(keys: string[]): Promise<Record<string, unknown>> {
    const defs: Record<string, unknown> = {};
    for (const k of keys) {
      const [pkg, model] = k.split(":") as [string, string];
      this.packages.get(`@azure/${pkg}`)!.schema(model, defs);
    }
    for (const { model, path } of NULL_IN_PRACTICE) {
      let node = defs[model] as ObjectSchema | undefined;
      for (const part of path.slice(0, -1)) node = node?.properties[part] as ObjectSchema | undefined;
      const last = path[path.length - 1]!;
      if (node?.properties[last])
        node.properties[last] = { anyOf: [node.properties[last], { type: "null" }] };
    }
    return Promise.resolve(defs);
  }
}

const literalLength = (template: string) => template.replace(/\{[^}]*\}/g, "").length;
