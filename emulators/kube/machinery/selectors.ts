// Label selectors in their query-string syntax (k8s.io/apimachinery/pkg/labels) and field
// selectors (fields package), with the API server's 400 messages for ones it cannot parse.
import { checkLabelKey, checkLabelValue } from "../../../shared/kube/names.js";
import { errors } from "./status.js";
import type { KubeObject } from "./types.js";

export type Operator = "=" | "==" | "!=" | "in" | "notin" | "exists" | "!";

export interface Requirement {
  key: string;
  op: Operator;
  values: string[];
}

export type Selector = Requirement[];

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const re = /\s*(!=|==|=|\(|\)|,|!|[^\s!=(),]+)/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) tokens.push(m[1]!);
  return tokens;
}

function parseError(detail: string): never {
  throw errors.badRequest(`unable to parse requirement: ${detail}`);
}

/** Parses "a=b,c!=d,e in (f,g),!h,i". Throws a 400 like the real server on syntax errors. */
export function parseLabelSelector(text: string): Selector {
  const tokens = tokenize(text.trim());
  const out: Selector = [];
  let i = 0;
  const next = () => tokens[i++];
  while (i < tokens.length) {
    let tok = next()!;
    if (tok === "!") {
      const key = next();
      if (!key) parseError("found '', expected: identifier");
      out.push({ key, op: "!", values: [] });
    } else {
      const key = tok;
      if ([",", "(", ")", "=", "==", "!="].includes(key))
        parseError(`found '${key}', expected: !, identifier, or 'end of string'`);
      const op = tokens[i];
      if (op === undefined || op === ",") {
        out.push({ key, op: "exists", values: [] });
      } else if (op === "=" || op === "==" || op === "!=") {
        i++;
        const value = tokens[i] === undefined || tokens[i] === "," ? "" : next()!;
        if (value === "(" || value === ")") parseError(`found '${value}', expected: identifier`);
        out.push({ key, op, values: [value] });
      } else if (op === "in" || op === "notin") {
        i++;
        if (next() !== "(") parseError(`found '${tokens[i - 1] ?? ""}', expected: '('`);
        const values: string[] = [];
        for (;;) {
          tok = next() ?? "";
          if (tok === ")") break;
          if (tok === ",") continue;
          if (tok === "" || tok === "(") parseError(`found '${tok}', expected: ',', ')' or identifier`);
          values.push(tok);
        }
        out.push({ key, op, values });
      } else {
        parseError(`found '${op}', expected: in, notin, =, ==, !=, gt, lt`);
      }
    }
    const sep = next();
    if (sep !== undefined && sep !== ",") parseError(`found '${sep}', expected: ',' or 'end of string'`);
  }
  for (const r of out) {
    const keyProblem = checkLabelKey(r.key);
    if (keyProblem) parseError(`invalid label key "${r.key}": ${keyProblem.message}`);
    for (const v of r.values) {
      const valueProblem = checkLabelValue(v);
      if (valueProblem) parseError(`invalid label value: "${v}": ${valueProblem.message}`);
    }
  }
  return out;
}

export function matchesLabels(selector: Selector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return selector.every((r) => {
    const has = Object.hasOwn(l, r.key);
    const value = l[r.key];
    switch (r.op) {
      case "=":
      case "==":
        return has && value === r.values[0];
      case "!=":
        return !has || value !== r.values[0];
      case "in":
        return has && r.values.includes(value!);
      case "notin":
        return !has || !r.values.includes(value!);
      case "exists":
        return has;
      case "!":
        return !has;
    }
  });
}

/** A structured LabelSelector ({matchLabels, matchExpressions}) used by services, deployments, jobs. */
export interface LabelSelectorObject {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export function matchesSelectorObject(
  selector: LabelSelectorObject | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  if (!selector) return false;
  const reqs: Selector = Object.entries(selector.matchLabels ?? {}).map(([key, v]) => ({
    key,
    op: "=" as const,
    values: [v],
  }));
  for (const e of selector.matchExpressions ?? []) {
    const op = ({ In: "in", NotIn: "notin", Exists: "exists", DoesNotExist: "!" } as const)[
      e.operator as "In"
    ];
    if (!op) return false;
    reqs.push({ key: e.key, op, values: e.values ?? [] });
  }
  return matchesLabels(reqs, labels);
}

export interface FieldRequirement {
  field: string;
  negate: boolean;
  value: string;
}

/** Parses "metadata.name=x,status.phase!=Running" against the fields a kind supports. */
export function parseFieldSelector(text: string, supported: readonly string[]): FieldRequirement[] {
  const out: FieldRequirement[] = [];
  for (const part of text
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^([^!=]+)(==|=|!=)(.*)$/.exec(part);
    if (!m) throw errors.badRequest(`invalid selector: '${text}'; can't understand '${part}'`);
    const field = m[1]!.trim();
    if (!supported.includes(field)) throw errors.badRequest(`field label not supported: ${field}`);
    out.push({ field, negate: m[2] === "!=", value: m[3]!.trim() });
  }
  return out;
}

function fieldValue(obj: KubeObject, path: string): string {
  let cur: unknown = obj;
  for (const part of path.split(".")) {
    if (typeof cur !== "object" || cur === null) return "";
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur === undefined || cur === null ? "" : String(cur);
}

export function matchesFields(reqs: FieldRequirement[], obj: KubeObject): boolean {
  return reqs.every((r) => (fieldValue(obj, r.field) === r.value) !== r.negate);
}
