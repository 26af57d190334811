// ASP.NET Core route templates as the Functions host uses them for HTTP triggers: literal segments
// (case-insensitive), {param}, {param?}, {param:constraint[:constraint]}, {*catchAll}, {param=default}.

export interface RouteMatch {
  params: Record<string, string>;
}

type Constraint = (value: string) => boolean;

interface Param {
  name: string;
  optional: boolean;
  catchAll: boolean;
  defaultValue?: string;
  constraints: Constraint[];
}

/** How a segment ranks (its first part, as the host looks at it). */
export interface SegmentRank {
  /** The literal text, or undefined for a parameter. */
  literal?: string;
  /** Inline constraints of the parameter (more sorts first). */
  constraints: number;
  /** Where Azure's order is undefined: plain parameter 0, optional or defaulted 1, catch-all 2. */
  tieBreak: number;
}

export interface CompiledRoute {
  template: string;
  match(path: string): RouteMatch | undefined;
  /** One rank per segment, compared by comparePrecedence. */
  precedence: SegmentRank[];
}

const num = (s: string): number => Number(s);
const CONSTRAINTS: Record<string, (args: string[]) => Constraint> = {
  int: () => (v) => /^-?\d+$/.test(v) && Math.abs(num(v)) <= 2147483648,
  long: () => (v) => /^-?\d+$/.test(v),
  bool: () => (v) => /^(true|false)$/i.test(v),
  alpha: () => (v) => /^[a-z]+$/i.test(v),
  guid: () => (v) => /^\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?$/i.test(v),
  double: () => (v) => v.trim() !== "" && Number.isFinite(num(v)),
  float: () => (v) => v.trim() !== "" && Number.isFinite(num(v)),
  decimal: () => (v) => /^-?\d+(\.\d+)?$/.test(v),
  datetime: () => (v) => !Number.isNaN(Date.parse(v)),
  required: () => (v) => v.length > 0,
  min:
    ([a]) =>
    (v) =>
      /^-?\d+$/.test(v) && num(v) >= num(a!),
  max:
    ([a]) =>
    (v) =>
      /^-?\d+$/.test(v) && num(v) <= num(a!),
  range:
    ([a, b]) =>
    (v) =>
      /^-?\d+$/.test(v) && num(v) >= num(a!) && num(v) <= num(b!),
  minlength:
    ([a]) =>
    (v) =>
      v.length >= num(a!),
  maxlength:
    ([a]) =>
    (v) =>
      v.length <= num(a!),
  length:
    ([a, b]) =>
    (v) =>
      b === undefined ? v.length === num(a!) : v.length >= num(a!) && v.length <= num(b),
  regex: ([re]) => {
    const r = new RegExp(re!, "i");
    return (v) => r.test(v);
  },
};

/** Splits on `sep` outside parentheses (regex constraints may contain ':' and ','). */
function splitTop(s: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of s) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === sep && depth === 0) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

function parseParam(body: string, template: string): Param {
  let catchAll = false;
  if (body.startsWith("**")) {
    catchAll = true;
    body = body.slice(2);
  } else if (body.startsWith("*")) {
    catchAll = true;
    body = body.slice(1);
  }
  const [head, ...constraintTexts] = splitTop(body, ":");
  let name = head!;
  let optional = false;
  let defaultValue: string | undefined;
  const last = constraintTexts.length ? constraintTexts[constraintTexts.length - 1]! : undefined;
  const optionalAt = (s: string): boolean => s.endsWith("?");
  if (last !== undefined && optionalAt(last)) {
    optional = true;
    constraintTexts[constraintTexts.length - 1] = last.slice(0, -1);
  } else if (optionalAt(name)) {
    optional = true;
    name = name.slice(0, -1);
  }
  const eq = name.indexOf("=");
  if (eq >= 0) {
    defaultValue = name.slice(eq + 1);
    name = name.slice(0, eq);
  }
  if (!/^[A-Za-z_][\w-]*$/.test(name))
    throw new Error(`Invalid parameter name '${name}' in route template '${template}'.`);
  const constraints = constraintTexts.map((text) => {
    const m = /^([a-z]+)(?:\((.*)\))?$/i.exec(text);
    const factory = m && CONSTRAINTS[m[1]!.toLowerCase()];
    if (!m || !factory)
      throw new Error(`Unknown route constraint '${text}' in route template '${template}'.`);
    const args =
      m[2] === undefined
        ? []
        : m[1]!.toLowerCase() === "regex"
          ? [m[2]]
          : m[2].split(",").map((a) => a.trim());
    return factory(args);
  });
  return { name, optional, catchAll, ...(defaultValue !== undefined ? { defaultValue } : {}), constraints };
}

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export function compileRoute(template: string): CompiledRoute {
  const trimmed = template.replace(/^\/+|\/+$/g, "");
  const params: Param[] = [];
  const precedence: SegmentRank[] = [];
  let pattern = "^";
  const segments = trimmed === "" ? [] : trimmed.split("/");
  segments.forEach((segment, index) => {
    const parts = segment.split(/(\{[^{}]*(?:\([^)]*\)[^{}]*)*\})/).filter((p) => p !== "");
    const onlyParam = parts.length === 1 && parts[0]!.startsWith("{");
    if (onlyParam) {
      const p = parseParam(parts[0]!.slice(1, -1), template);
      params.push(p);
      if (p.catchAll) {
        if (index !== segments.length - 1)
          throw new Error(`A catch-all parameter must be the last segment of '${template}'.`);
        pattern += "(?:/(.*))?";
        precedence.push({ constraints: p.constraints.length, tieBreak: 2 });
      } else if (p.optional || p.defaultValue !== undefined) {
        pattern += "(?:/([^/]+))?";
        precedence.push({ constraints: p.constraints.length, tieBreak: 1 });
      } else {
        pattern += "/([^/]+)";
        precedence.push({ constraints: p.constraints.length, tieBreak: 0 });
      }
      return;
    }
    pattern += "/";
    let first: SegmentRank | undefined;
    for (const part of parts) {
      if (part.startsWith("{")) {
        const p = parseParam(part.slice(1, -1), template);
        if (p.catchAll) throw new Error(`A catch-all parameter must be a whole segment in '${template}'.`);
        params.push(p);
        pattern += p.optional ? "([^/]*?)" : "([^/]+?)";
        first ??= { constraints: p.constraints.length, tieBreak: 0 };
      } else {
        pattern += escapeRegex(part);
        first ??= { literal: part, constraints: 0, tieBreak: 0 };
      }
    }
    precedence.push(first!);
  });
  pattern += "/?$";
  const regex = new RegExp(pattern, "i");
  return {
    template,
    precedence,
    match(path) {
      const normalized = "/" + path.replace(/^\/+/, "");
      const m = regex.exec(normalized === "/" ? "" : normalized) ?? regex.exec(normalized);
      if (!m) return undefined;
      const values: Record<string, string> = {};
      for (let i = 0; i < params.length; i++) {
        const p = params[i]!;
        const raw = m[i + 1];
        let value: string | undefined;
        try {
          value = raw === undefined || raw === "" ? p.defaultValue : decodeURIComponent(raw);
        } catch {
          return undefined;
        }
        if (value === undefined) {
          if (!p.optional && !p.catchAll) return undefined;
          continue;
        }
        if (!p.constraints.every((c) => c(value))) return undefined;
        values[p.name] = value;
      }
      return { params: values };
    },
  };
}

/**
 * The order the Functions host tries routes in (WebJobsRouteBuilder.RouteComparison in
 * Microsoft.Azure.WebJobs.Extensions.Http), segment by segment on each segment's first part: a
 * literal before a parameter (literals by text, case-insensitively), a parameter with more inline
 * constraints before one with fewer, and when one template is the other plus more segments, the
 * longer first. Where Azure leaves two routes equal (its sort is not stable), a plain parameter goes
 * before an optional one and a catch-all last, so the emulator's order is one Azure may also take.
 */
export function comparePrecedence(a: CompiledRoute, b: CompiledRoute): number {
  for (let i = 0; i < a.precedence.length; i++) {
    const x = a.precedence[i]!;
    const y = b.precedence[i];
    if (!y) return -1;
    if (x.literal !== undefined && y.literal === undefined) return -1;
    if (x.literal === undefined && y.literal !== undefined) return 1;
    if (x.literal !== undefined && y.literal !== undefined) {
      // OrdinalIgnoreCase: code units of the upper-cased text.
      const [p, q] = [x.literal.toUpperCase(), y.literal.toUpperCase()];
      if (p !== q) return p < q ? -1 : 1;
      continue;
    }
    if (x.constraints !== y.constraints) return y.constraints - x.constraints;
  }
  if (b.precedence.length > a.precedence.length) return 1;
  for (let i = 0; i < a.precedence.length; i++) {
    const d = a.precedence[i]!.tieBreak - b.precedence[i]!.tieBreak;
    if (d !== 0) return d;
  }
  return 0;
}
