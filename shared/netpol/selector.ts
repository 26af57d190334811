// Label selectors as apimachinery evaluates them (labels.Requirement.Matches): matchLabels and every
// matchExpression ANDed; NotIn and DoesNotExist match objects that lack the key.
import type { LabelSelector } from "./policy-schema.js";

export type Labels = Readonly<Record<string, string>>;

export interface CompiledSelector {
  /** Canonical text, equal for selectors that mean the same; also the cache key. */
  readonly key: string;
  /** True for `{}`: matches everything. */
  readonly matchesAll: boolean;
  matches(labels: Labels): boolean;
  /** Readable form, e.g. `app=web, tier in (a,b), !legacy`. */
  readonly text: string;
}

type Requirement =
  | { op: "In"; key: string; values: ReadonlySet<string> }
  | { op: "NotIn"; key: string; values: ReadonlySet<string> }
  | { op: "Exists"; key: string }
  | { op: "DoesNotExist"; key: string };

function requirementMatches(r: Requirement, labels: Labels): boolean {
  const has = Object.hasOwn(labels, r.key);
  switch (r.op) {
    case "In":
      return has && r.values.has(labels[r.key]!);
    case "NotIn":
      return !has || !r.values.has(labels[r.key]!);
    case "Exists":
      return has;
    case "DoesNotExist":
      return !has;
  }
}

function requirementText(r: Requirement): string {
  switch (r.op) {
    case "In":
      return r.values.size === 1
        ? `${r.key}=${[...r.values][0]}`
        : `${r.key} in (${[...r.values].join(",")})`;
    case "NotIn":
      return `${r.key} notin (${[...r.values].join(",")})`;
    case "Exists":
      return r.key;
    case "DoesNotExist":
      return `!${r.key}`;
  }
}

/** Compiles a validated selector; `{}` (or undefined) matches everything. */
export function compileSelector(selector: LabelSelector | undefined): CompiledSelector {
  const reqs: Requirement[] = [];
  for (const [key, value] of Object.entries(selector?.matchLabels ?? {}))
    reqs.push({ op: "In", key, values: new Set([value]) });
  for (const e of selector?.matchExpressions ?? []) {
    if (e.operator === "In" || e.operator === "NotIn")
      reqs.push({ op: e.operator, key: e.key, values: new Set([...(e.values ?? [])].sort()) });
    else reqs.push({ op: e.operator, key: e.key });
  }
  const texts = reqs.map(requirementText);
  const key = [...texts].sort().join("\u0000");
  const text = texts.join(", ");
  if (reqs.length === 0) return { key, matchesAll: true, matches: () => true, text: "(all)" };
  return {
    key,
    matchesAll: false,
    matches: (labels) => {
      for (const r of reqs) if (!requirementMatches(r, labels)) return false;
      return true;
    },
    text,
  };
}
