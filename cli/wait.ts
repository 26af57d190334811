// Waiting for a cluster: polls the status document (honouring Retry-After up to a bound) until it
// reaches a final phase or the deadline passes, and shows progress while it waits — a redrawn block
// on a TTY, one plain line per change otherwise, plus `##vso[task.setprogress]` inside Azure DevOps.
import { formatDuration, progressOf } from "../shared/provision/progress.js";
import type { StepStatus } from "../shared/provision/types.js";
import {
  ApiError,
  ApiUnreachableError,
  type ApiClient,
  type StatusDocument,
  type StatusReply,
} from "./api-client.js";
import { formatElapsed, inAzurePipelines, paint, useColor, vso, type Paint } from "./output.js";

export type WaitGoal = "ready" | "deleted";

export interface WaitOptions {
  goal: WaitGoal;
  timeoutMs: number;
  /** Longest pause between two polls; Retry-After is honoured up to this. */
  maxPollMs: number;
  /** `-o json`: standard output is for the JSON (and pipeline commands) only. */
  json?: boolean;
  /** The answer that started the wait (POST/PUT/PATCH/DELETE), shown first. */
  first?: StatusReply;
  /**
   * A ready wait after a change: the generation the cluster must reach (`observedGeneration`), so
   * that the Succeeded of the generation before it does not end the wait.
   */
  generation?: number;
}

export type WaitResult =
  | { kind: "succeeded"; doc: StatusDocument; elapsedMs: number }
  | { kind: "deleted"; doc?: StatusDocument; elapsedMs: number }
  | { kind: "failed"; doc: StatusDocument; elapsedMs: number }
  | { kind: "timeout"; doc?: StatusDocument; elapsedMs: number };

/** Polls before giving up when the API keeps failing (5xx or unreachable) while we wait. */
const MAX_CONSECUTIVE_POLL_ERRORS = 5;

interface Progress {
  update(doc: StatusDocument, elapsedMs: number): void;
  finish(): void;
}

/** Percent done, weighted by each step's expected duration (the AKS create dominates). */
export function percentDone(doc: StatusDocument, now = Date.now()): number {
  return progressOf(doc, now).percent;
}

/** " · about 4 min left", when the time left can be estimated. */
function timeLeft(doc: StatusDocument, now = Date.now()): string {
  const left = progressOf(doc, now).remainingSeconds;
  return left === undefined ? "" : ` · about ${formatDuration(left)} left`;
}

/** " (2 retries)": the step's attempts beyond the first (retries and resubmits; polls are not). */
export function retriesNote(s: StepStatus): string {
  const n = s.attempts - 1;
  return n > 0 ? ` (${n} ${n === 1 ? "retry" : "retries"})` : "";
}

/**
 * Succeeded counts once the cluster has reached the generation waited for and its own latest one (an
 * API from before updates has neither: any Succeeded counts).
 */
export function reachedGeneration(doc: StatusDocument, generation?: number): boolean {
  const observed = doc.observedGeneration ?? doc.generation ?? 0;
  return observed >= Math.max(generation ?? 0, doc.generation ?? 0);
}

/** Failed counts when it is the failure of the change waited for (or of a later one). */
function failureOf(doc: StatusDocument, generation?: number): boolean {
  return generation === undefined || (doc.generation ?? generation) >= generation;
}

/** " (update to generation 2)" while the latest operation is an update. */
export function operationNote(doc: StatusDocument): string {
  return doc.operation === "update" && doc.generation !== undefined
    ? ` (update to generation ${doc.generation})`
    : "";
}

function currentStep(doc: StatusDocument): StepStatus | undefined {
  return doc.steps.find((s) => s.status === "Running") ?? doc.steps.find((s) => s.status === "Failed");
}

/** One line per change of phase or of a step's status: for logs and pipelines. */
class PlainProgress implements Progress {
  private phase?: string;
  private readonly steps = new Map<string, string>();
  private percent = -1;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly pipelines: boolean,
  ) {}

  update(doc: StatusDocument, elapsedMs: number): void {
    const at = `[${formatElapsed(elapsedMs)}]`;
    const phase = `${doc.phase}${operationNote(doc)}`;
    if (phase !== this.phase) {
      this.out.write(`${at} ${doc.name}: ${phase}\n`);
      this.phase = phase;
    }
    for (const s of doc.steps) {
      // A change is a new status or error; further polls of a running step are not.
      const key = `${s.status} ${s.error?.code ?? ""}`;
      if (this.steps.get(s.name) === key) continue;
      const first = !this.steps.has(s.name);
      this.steps.set(s.name, key);
      if (first && s.status === "Pending") continue;
      this.out.write(
        `${at}   step ${s.name}: ${s.status}${s.error ? ` ${s.error.code}` : ""}${retriesNote(s)}\n`,
      );
    }
    const percent = percentDone(doc);
    if (this.pipelines && percent !== this.percent) {
      this.percent = percent;
      const step = currentStep(doc);
      vso(
        "task.setprogress",
        { value: String(percent) },
        `${doc.phase}${step ? ` (${step.name})` : ""}`,
        true,
      );
    }
  }

  finish(): void {}
}

const ICONS: Record<string, string> = {
  Pending: "·",
  Running: "›",
  Succeeded: "✓",
  Failed: "✗",
  Skipped: "-",
};

/** A block redrawn in place on a TTY: a bar, the phase, elapsed time and every step. */
class TtyProgress implements Progress {
  private lines = 0;
  private last?: { doc: StatusDocument; elapsedMs: number; at: number };
  private readonly timer: NodeJS.Timeout;
  private readonly c: Paint;

  constructor(private readonly out: NodeJS.WriteStream) {
    this.c = paint(useColor(out));
    // Keep the clock moving between polls.
    this.timer = setInterval(() => {
      if (this.last) this.draw(this.last.doc, this.last.elapsedMs + Date.now() - this.last.at);
    }, 1000);
    this.timer.unref();
  }

  update(doc: StatusDocument, elapsedMs: number): void {
    this.last = { doc, elapsedMs, at: Date.now() };
    this.draw(doc, elapsedMs);
  }

  private draw(doc: StatusDocument, elapsedMs: number): void {
    const width = 30;
    const percent = percentDone(doc);
    const filled = Math.round((width * percent) / 100);
    const bar = `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${String(percent).padStart(3)}%`;
    const colour = (status: string, s: string) =>
      status === "Succeeded"
        ? this.c.green(s)
        : status === "Failed"
          ? this.c.red(s)
          : status === "Running"
            ? this.c.yellow(s)
            : this.c.dim(s);
    const rows = [
      `${this.c.bold(doc.name)}  ${doc.phase}${operationNote(doc)}  ${bar}  ${formatElapsed(elapsedMs)}${timeLeft(doc)}`,
      ...doc.steps.map(
        (s) =>
          `  ${colour(s.status, ICONS[s.status] ?? "?")} ${s.name.padEnd(24)} ${colour(s.status, s.status)}${this.c.dim(retriesNote(s))}${s.error ? ` ${this.c.red(s.error.code)}` : ""}`,
      ),
    ];
    const up = this.lines > 0 ? `\u001b[${this.lines}A\r\u001b[J` : "";
    this.out.write(`${up}${rows.join("\n")}\n`);
    this.lines = rows.length;
  }

  finish(): void {
    clearInterval(this.timer);
  }
}

/**
 * Progress goes to stderr, except inside Azure DevOps where it goes to stdout with the logging
 * commands (a task with failOnStderr would fail on it), unless stdout is for `-o json`.
 */
function progressFor(options: WaitOptions): Progress {
  if (inAzurePipelines()) return new PlainProgress(options.json ? process.stderr : process.stdout, true);
  const out = process.stderr;
  return out.isTTY ? new TtyProgress(out) : new PlainProgress(out, false);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls GET /clusters/{name} until the goal's final phase, a failure, or the timeout. */
export async function waitForCluster(
  client: ApiClient,
  name: string,
  options: WaitOptions,
): Promise<WaitResult> {
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  const progress = progressFor(options);
  let reply = options.first;
  let last: StatusDocument | undefined;
  let sawDeleting = false;
  let errors = 0;
  try {
    for (;;) {
      const elapsedMs = Date.now() - started;
      if (reply) {
        last = reply.doc;
        progress.update(reply.doc, elapsedMs);
        const phase = reply.doc.phase;
        if (options.goal === "ready") {
          const target = options.generation;
          if (phase === "Succeeded" && reachedGeneration(reply.doc, target))
            return { kind: "succeeded", doc: reply.doc, elapsedMs };
          if ((phase === "Failed" && failureOf(reply.doc, target)) || phase === "Deleted")
            return { kind: "failed", doc: reply.doc, elapsedMs };
        } else {
          if (phase === "Deleted") return { kind: "deleted", doc: reply.doc, elapsedMs };
          // A cluster that had failed before the DELETE still reads Failed until the deletion starts.
          if (phase === "Failed" && sawDeleting) return { kind: "failed", doc: reply.doc, elapsedMs };
        }
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) return { kind: "timeout", ...(last ? { doc: last } : {}), elapsedMs };
      const hint = reply?.retryAfter !== undefined ? reply.retryAfter * 1000 : 1000;
      await sleep(Math.max(0, Math.min(hint, options.maxPollMs, remaining)));
      try {
        reply = await client.get(name);
        if (reply.doc.phase === "Deleting") sawDeleting = true;
        errors = 0;
      } catch (e) {
        if (options.goal === "deleted" && e instanceof ApiError && e.status === 404)
          return { kind: "deleted", ...(last ? { doc: last } : {}), elapsedMs: Date.now() - started };
        const transient = e instanceof ApiUnreachableError || (e instanceof ApiError && e.status >= 500);
        if (!transient || ++errors >= MAX_CONSECUTIVE_POLL_ERRORS) throw e;
        process.stderr.write(`warning: polling ${name}: ${(e as Error).message}; retrying\n`);
        reply = undefined;
      }
    }
  } finally {
    progress.finish();
  }
}
