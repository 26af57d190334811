// Terminal output shared by the cluster commands: colours (off with NO_COLOR or when not a TTY),
// durations, tables, readable API errors and Azure DevOps logging commands.
import { InvalidArgumentError } from "commander";
import type { ApiError } from "./api-client.js";

export type OutputFormat = "table" | "json";

export function parseOutputFormat(value: string): OutputFormat {
  if (value !== "json" && value !== "table") throw new InvalidArgumentError("json or table");
  return value;
}

/** Colour only on a TTY and when NO_COLOR is unset or empty (https://no-color.org). */
export function useColor(stream: NodeJS.WriteStream): boolean {
  return !!stream.isTTY && !process.env["NO_COLOR"];
}

export interface Paint {
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

export function paint(enabled: boolean): Paint {
  const wrap = (open: number, close: number) => (s: string) =>
    enabled ? `\u001b[${open}m${s}\u001b[${close}m` : s;
  return {
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    dim: wrap(2, 22),
    bold: wrap(1, 22),
  };
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "45m", "90s", "1h30m", "500ms", or a bare number of seconds → milliseconds. */
export function parseDuration(value: string): number {
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text)
    throw new InvalidArgumentError('a duration such as "45m", "90s", "1h30m" or "500ms"');
  return parts.reduce((ms, p) => ms + Number(p[1]) * UNITS[p[2]!]!, 0);
}

/** Elapsed time as m:ss (h:mm:ss past an hour). */
export function formatElapsed(ms: number): string {
  const total = Math.floor(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/** Left-aligned columns separated by two spaces. */
export function renderTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map(line)].join("\n");
}

export function writeJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** An API error as lines: "error: Code: message" and one "  path: message" per detail. */
export function formatApiError(e: ApiError): string {
  const arm = e.arm;
  if (!arm) return `error: ${e.message}`;
  const lines = [`error: ${arm.code}: ${arm.message}`];
  for (const d of arm.details ?? [])
    lines.push(`  ${d.path ? `${d.path}: ` : ""}${d.message ?? ""}${d.code ? ` [${d.code}]` : ""}`);
  return lines.join("\n");
}

/** True inside an Azure DevOps pipeline job. */
export function inAzurePipelines(): boolean {
  return (process.env["TF_BUILD"] ?? "").toLowerCase() === "true";
}

// Escaping as the agent's task library does it (azure-pipelines-task-lib taskcommand.ts).
function escapeData(s: string): string {
  return s.replace(/%/g, "%AZP25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}
function escapeProperty(s: string): string {
  return escapeData(s).replace(/]/g, "%5D").replace(/;/g, "%3B");
}

/**
 * One `##vso[area.action k=v;…]message` line on stdout, written as the Azure Pipelines docs write
 * each command: `task.setvariable variable=x;isOutput=true`, `task.logissue type=error`, but
 * `task.complete result=Failed;` and `task.setprogress value=N;` with a closing ";".
 */
export function vso(
  command: string,
  properties: Record<string, string>,
  message = "",
  closingSemicolon = false,
): void {
  const props = Object.entries(properties)
    .map(([k, v]) => `${k}=${escapeProperty(v)}`)
    .join(";");
  const tail = props && closingSemicolon ? ";" : "";
  process.stdout.write(`##vso[${command}${props ? ` ${props}${tail}` : ""}]${escapeData(message)}\n`);
}

/** Fails the Azure DevOps step with a readable issue (no-op outside a pipeline). */
export function failPipelineStep(message: string, code: string): void {
  if (!inAzurePipelines()) return;
  vso("task.logissue", { type: "error" }, message);
  vso("task.complete", { result: "Failed" }, code, true);
}
