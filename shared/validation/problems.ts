// The one shape every validation in this project reports: a path into the document, a stable
// code and a message a person can act on. Errors reject a document; warnings are reported only.
import type { z } from "zod";
import { checkLabelKey, checkLabelValue, type NameProblem } from "../kube/names.js";

export interface Problem {
  /** Dotted path with [index] for arrays, e.g. "namespaces[0].networkPolicies[1].spec.podSelector". */
  path: string;
  code: string;
  message: string;
}

export interface ArmErrorBody {
  error: { code: string; message: string; details: Problem[] };
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else {
      const key = String(part);
      out += /^[A-Za-z_$][\w$]*$/.test(key) ? (out ? `.${key}` : key) : `[${JSON.stringify(key)}]`;
    }
  }
  return out;
}

/** Adds a custom zod issue carrying our stable code. */
export function addProblem(
  ctx: z.RefinementCtx,
  code: string,
  message: string,
  path: PropertyKey[] = [],
): void {
  ctx.addIssue({ code: "custom", message, path, params: { code } });
}

/** A zod refinement that applies one of the name rules in shared/kube/names.ts. */
export function nameRule(check: (value: string) => NameProblem | undefined) {
  return (value: string, ctx: z.RefinementCtx): void => {
    const problem = check(value);
    if (problem) addProblem(ctx, problem.code, problem.message);
  };
}

/** Label map rule: every key and value valid. The path points at the offending key. */
export function labelsRule(labels: Record<string, string>, ctx: z.RefinementCtx): void {
  for (const [key, value] of Object.entries(labels)) {
    const problem = checkLabelKey(key) ?? checkLabelValue(value);
    if (problem) addProblem(ctx, problem.code, problem.message, [key]);
  }
}

const ZOD_CODES: Record<string, string> = {
  invalid_type: "InvalidType",
  too_big: "ValueTooLarge",
  too_small: "ValueTooSmall",
  invalid_format: "InvalidFormat",
  invalid_value: "InvalidValue",
  invalid_union: "InvalidValue",
  invalid_key: "InvalidKey",
  invalid_element: "InvalidValue",
  not_multiple_of: "InvalidValue",
};

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

function suggest(key: string, known: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = levenshtein(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best ? ` (did you mean "${best}"?)` : "";
}

function describeType(input: unknown): string {
  if (input === null) return "null";
  if (Array.isArray(input)) return "array";
  return typeof input;
}

/**
 * Turns zod issues into Problems: one per unknown key (with a "did you mean" from the known field
 * names), our own code for custom rules, a generic stable code for the built-in checks.
 */
export function problemsFromZod(
  issues: readonly z.core.$ZodIssue[],
  knownKeys: readonly string[] = [],
): Problem[] {
  const out: Problem[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        out.push({
          path: formatPath([...issue.path, key]),
          code: "UnknownField",
          message: `unknown field "${key}"${suggest(key, knownKeys)}`,
        });
      }
      continue;
    }
    if (issue.code === "invalid_union" && issue.errors.length > 0) {
      // Report the branch that got furthest (most specific) rather than "invalid input".
      // Branch issues carry paths relative to the union: prefix them before formatting.
      const branches = issue.errors.map((branch) =>
        problemsFromZod(
          branch.map((i) => ({ ...i, path: [...issue.path, ...i.path] })),
          knownKeys,
        ),
      );
      const nonType = branches.find((b) => b.length > 0 && b.every((p) => p.code !== "InvalidType"));
      if (nonType) {
        out.push(...nonType);
        continue;
      }
    }
    if (issue.code === "custom") {
      const params = (issue as { params?: { code?: string } }).params;
      out.push({
        path: formatPath(issue.path),
        code: params?.code ?? "InvalidValue",
        message: issue.message,
      });
      continue;
    }
    if (issue.code === "invalid_type") {
      // With { reportInput: true } the issue carries the input; without it, zod's message says.
      const input = (issue as { input?: unknown }).input;
      const missing = "input" in issue ? input === undefined : /received undefined/.test(issue.message);
      out.push(
        missing
          ? {
              path: formatPath(issue.path),
              code: "MissingField",
              message: `required field is missing (expected ${issue.expected})`,
            }
          : typeof input === "number" && !Number.isFinite(input)
            ? {
                // JSON.parse reads 1e309 as Infinity: "expected number, got number" would puzzle.
                path: formatPath(issue.path),
                code: "NumberOutOfRange",
                message: `must be a finite number (got ${input})`,
              }
            : {
                path: formatPath(issue.path),
                code: "InvalidType",
                message:
                  "input" in issue ? `expected ${issue.expected}, got ${describeType(input)}` : issue.message,
              },
      );
      continue;
    }
    out.push({
      path: formatPath(issue.path),
      code: ZOD_CODES[issue.code] ?? "InvalidValue",
      message: issue.message,
    });
  }
  return out;
}

/** Every key of every object schema reachable from `schema`: the vocabulary for "did you mean". */
export function collectKeys(
  schema: z.core.$ZodType,
  seen = new Set<unknown>(),
  out = new Set<string>(),
): string[] {
  if (seen.has(schema)) return [...out];
  seen.add(schema);
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
  if (def["type"] === "object" && def["shape"]) {
    for (const [key, child] of Object.entries(def["shape"] as Record<string, z.core.$ZodType>)) {
      out.add(key);
      collectKeys(child, seen, out);
    }
  }
  for (const field of ["innerType", "element", "valueType", "in", "out", "schema"]) {
    const child = def[field];
    if (child && typeof child === "object" && "_zod" in child)
      collectKeys(child as z.core.$ZodType, seen, out);
  }
  const options = def["options"];
  if (Array.isArray(options)) for (const o of options) collectKeys(o as z.core.$ZodType, seen, out);
  return [...out];
}

/** Keys that reach an object's prototype machinery when code copies or merges a parsed document. */
const PROTOTYPE_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/**
 * One problem per prototype key anywhere in a parsed JSON value. JSON.parse makes `"__proto__"` an
 * own key, which schema parsers and object spreads then drop or turn into a prototype silently;
 * refusing it by name is the only answer that neither loses data nor risks pollution.
 */
export function prototypeKeyProblems(value: unknown, path: PropertyKey[] = []): Problem[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => prototypeKeyProblems(v, [...path, i]));
  if (typeof value !== "object" || value === null) return [];
  const out: Problem[] = [];
  for (const key of Object.keys(value)) {
    if (PROTOTYPE_KEYS.has(key))
      out.push({
        path: formatPath([...path, key]),
        code: "ForbiddenKey",
        message: `"${key}" is not allowed as a key`,
      });
    else out.push(...prototypeKeyProblems((value as Record<string, unknown>)[key], [...path, key]));
  }
  return out;
}
