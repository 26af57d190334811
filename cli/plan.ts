// The what-if plan (`?dryRun=true` on PUT/PATCH/POST/DELETE) as the CLI reads and shows it: the
// API's plan document checked for shape, and rendered as a diff people can read — spec changes
// grouped by their top-level field (`+` create, `~` update, `-` delete, `!` replace, disruptive
// ones marked), then the Azure Resource Manager requests, the Kubernetes objects and the probes
// whose verdict would change.
import { z } from "zod";
import type { ApiClient, PlanMethod } from "./api-client.js";
import { CliError } from "./errors.js";
import { paint, useColor, writeJson, type OutputFormat, type Paint } from "./output.js";

const PLAN_ACTIONS = ["create", "update", "replace", "delete", "none"] as const;
export type PlanAction = (typeof PLAN_ACTIONS)[number];

// Lenient where the contract allows absence (a plan with nothing for ARM may omit it), strict on the
// fields the rendering relies on: a body that is not a plan is an API error, not an empty diff.
const PlanChangeSchema = z.object({
  path: z.string(),
  from: z.unknown().optional(),
  to: z.unknown().optional(),
  action: z.enum(PLAN_ACTIONS),
  disruptive: z.boolean().default(false),
});

const PlanSchema = z.object({
  changes: z.array(PlanChangeSchema).default([]),
  arm: z
    .array(z.object({ method: z.string(), resourceId: z.string(), reason: z.string().default("") }))
    .default([]),
  kubernetes: z
    .array(
      z.object({
        action: z.string(),
        kind: z.string(),
        namespace: z.string().optional(),
        name: z.string(),
      }),
    )
    .default([]),
  reachability: z
    .object({
      changed: z
        .array(
          z.object({
            from: z.string(),
            to: z.string(),
            port: z.union([z.number(), z.string()]).optional(),
            before: z.string(),
            after: z.string(),
          }),
        )
        .default([]),
    })
    .default({ changed: [] }),
});

export type Plan = z.output<typeof PlanSchema>;
export type PlanChange = Plan["changes"][number];

/** The plan inside a dry-run answer (`{ "plan": … }`), or undefined when the body holds none. */
export function planOf(body: unknown): Plan | undefined {
  const parsed = z.object({ plan: PlanSchema }).safeParse(body);
  return parsed.success ? parsed.data.plan : undefined;
}

const SYMBOLS: Record<PlanAction, string> = {
  create: "+",
  update: "~",
  delete: "-",
  replace: "!",
  none: " ",
};

/** Kubernetes object actions: the plan's own words, mapped onto the same symbols where they match. */
const KUBE_SYMBOLS: Record<string, string> = {
  create: "+",
  apply: "~",
  update: "~",
  patch: "~",
  replace: "!",
  delete: "-",
  prune: "-",
};

/** True when applying the plan would change anything (an unchanged field is not a change). */
export function planHasChanges(plan: Plan): boolean {
  return plan.changes.some((c) => c.action !== "none") || plan.arm.length > 0 || plan.kubernetes.length > 0;
}

export interface PlanCounts {
  create: number;
  update: number;
  replace: number;
  delete: number;
  disruptive: number;
}

export function planCounts(plan: Plan): PlanCounts {
  const counts: PlanCounts = { create: 0, update: 0, replace: 0, delete: 0, disruptive: 0 };
  for (const c of plan.changes) {
    if (c.action === "none") continue;
    counts[c.action]++;
    if (c.disruptive) counts.disruptive++;
  }
  return counts;
}

const MAX_VALUE = 72;

/** A value as compact JSON, shortened past MAX_VALUE characters; absent reads "(none)". */
export function formatValue(value: unknown): string {
  if (value === undefined) return "(none)";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}

/** The top-level field of a spec path: "nodePool.count" → "nodePool", "namespaces[web].x" → "namespaces". */
export function groupOf(path: string): string {
  return /^[^.[]*/.exec(path)?.[0] || path;
}

function changeLine(c: PlanChange, shown: string, p: Paint): string {
  const colour = c.action === "create" ? p.green : c.action === "update" ? p.yellow : p.red;
  const what =
    c.action === "create"
      ? formatValue(c.to)
      : c.action === "delete"
        ? formatValue(c.from)
        : `${formatValue(c.from)} → ${formatValue(c.to)}`;
  const notes = [...(c.action === "replace" ? ["replaced"] : []), ...(c.disruptive ? ["disruptive"] : [])];
  const tail = notes.length ? `  ${p.red(`(${notes.join(", ")})`)}` : "";
  return `${colour(`${SYMBOLS[c.action]} ${shown}`)}: ${what}${tail}`;
}

function summary(counts: PlanCounts): string {
  const parts = [
    `${counts.create} to add`,
    `${counts.update} to change`,
    `${counts.replace} to replace`,
    `${counts.delete} to delete`,
  ];
  return `Plan: ${parts.join(", ")}${counts.disruptive ? ` (${counts.disruptive} disruptive)` : ""}.`;
}

function reachabilityTarget(to: string, port: number | string | undefined): string {
  if (port === undefined || to.endsWith(`:${port}`)) return to;
  return `${to}:${port}`;
}

/**
 * The plan as text: a head line, the spec changes grouped by top-level field (paths within a group
 * relative to it), then ARM requests, Kubernetes objects and reachability changes, each section
 * only when it has entries, and the totals. Unchanged fields (`none`) are not listed.
 */
export function renderPlan(name: string, plan: Plan, p: Paint): string {
  if (!planHasChanges(plan))
    return `No changes: cluster ${name} already matches the request.\n${
      plan.reachability.changed.length ? renderReachability(plan, p).join("\n") + "\n" : ""
    }`;
  const lines = [`Cluster ${p.bold(name)}: what applying the request would do`, ""];
  const groups = new Map<string, PlanChange[]>();
  for (const c of plan.changes.filter((c) => c.action !== "none")) {
    const g = groupOf(c.path);
    groups.set(g, [...(groups.get(g) ?? []), c]);
  }
  if (groups.size) {
    lines.push("Spec:");
    for (const [group, changes] of groups) {
      if (changes.length === 1 && changes[0]!.path === group) {
        lines.push(`  ${changeLine(changes[0]!, group, p)}`);
        continue;
      }
      lines.push(`  ${group}`);
      for (const c of changes)
        lines.push(`    ${changeLine(c, c.path.slice(group.length).replace(/^\./, "") || group, p)}`);
    }
    lines.push("");
  }
  if (plan.arm.length) {
    lines.push(
      `Azure Resource Manager (${plan.arm.length} ${plan.arm.length === 1 ? "request" : "requests"}):`,
    );
    for (const a of plan.arm)
      lines.push(
        `  ${a.method.toUpperCase().padEnd(6)} ${a.resourceId}${a.reason ? `  ${p.dim(`# ${a.reason}`)}` : ""}`,
      );
    lines.push("");
  }
  if (plan.kubernetes.length) {
    lines.push(
      `Kubernetes (${plan.kubernetes.length} ${plan.kubernetes.length === 1 ? "object" : "objects"}):`,
    );
    for (const k of plan.kubernetes) {
      const symbol = KUBE_SYMBOLS[k.action.toLowerCase()] ?? "*";
      const colour = symbol === "+" ? p.green : symbol === "~" ? p.yellow : p.red;
      lines.push(
        `  ${colour(`${symbol} ${k.kind} ${k.namespace ? `${k.namespace}/` : ""}${k.name}`)}  (${k.action})`,
      );
    }
    lines.push("");
  }
  if (plan.reachability.changed.length) lines.push(...renderReachability(plan, p), "");
  lines.push(summary(planCounts(plan)));
  return `${lines.join("\n")}\n`;
}

function renderReachability(plan: Plan, p: Paint): string[] {
  const changed = plan.reachability.changed;
  return [
    `Reachability (${changed.length} ${changed.length === 1 ? "probe changes" : "probes change"} verdict):`,
    ...changed.map((r) => {
      const after = r.after === "denied" ? p.red(r.after) : p.green(r.after);
      return `  ${r.from} → ${reachabilityTarget(r.to, r.port)}: ${r.before} → ${after}`;
    }),
  ];
}

/** Asks the API what a request would do; a 200 without a plan is an error (exit 1, NoPlan). */
export async function askPlan(
  api: ApiClient,
  method: PlanMethod,
  name: string,
  body?: string,
  ifMatch?: string,
): Promise<{ body: unknown; plan: Plan }> {
  const answer = await api.plan(method, name, body, ifMatch);
  const plan = planOf(answer);
  if (!plan)
    throw new CliError(`the API answered the dry run of ${method} for ${name} without a plan`, 1, "NoPlan");
  return { body: answer, plan };
}

/** The plan as a diff on stdout, or with `-o json` the plan document as the API sent it. */
export function printPlan(output: OutputFormat, name: string, result: { body: unknown; plan: Plan }): void {
  if (output === "json") writeJson(result.body);
  else process.stdout.write(renderPlan(name, result.plan, paint(useColor(process.stdout))));
}
