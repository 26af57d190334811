// `aks-vending create | get | list | delete | wait | kubeconfig`: the cluster API for people and
// pipelines (the desired-state commands apply, diff and upgrade are in updates.ts). Global options
// (cli/main.ts): --api, --token, -o/--output. Exit codes: 0 success, 1 usage or API error, 2 request
// refused as invalid (400), 3 cluster Failed, 4 wait timed out.
import { Option, type Command } from "commander";
import { PHASES, type Phase, type ProvisioningOutcome } from "../../shared/provision/types.js";
import {
  ApiClient,
  ApiError,
  ApiUnreachableError,
  type StatusDocument as ClusterStatusDocument,
  type StatusReply,
} from "../api-client.js";
import { resolveSession, type Session } from "../auth/session.js";
import { CliError } from "../errors.js";
import { readDocument } from "../io.js";
import { askPlan, formatValue, printPlan } from "../plan.js";
import {
  failPipelineStep,
  formatApiError,
  formatElapsed,
  inAzurePipelines,
  paint,
  parseDuration,
  renderTable,
  useColor,
  vso,
  writeJson,
  type OutputFormat,
} from "../output.js";
import { waitForCluster, type WaitGoal, type WaitResult } from "../wait.js";
import { EXIT_INVALID } from "./spec.js";

export const EXIT_FAILED = 3;
export const EXIT_TIMEOUT = 4;

export interface GlobalOptions {
  /** --api / AKSV_API_URL; else the signed-in profile's API, else the local default. */
  api?: string;
  /** --token / AKSV_TOKEN; else the signed-in profile's. */
  token?: string;
  output: OutputFormat;
}

export interface WaitFlags {
  timeout: number;
  pollInterval: number;
}

const sessions = new WeakMap<GlobalOptions, Session>();

function session(g: GlobalOptions): Session {
  let s = sessions.get(g);
  if (!s) sessions.set(g, (s = resolveSession(g)));
  return s;
}

export function client(g: GlobalOptions): ApiClient {
  const s = session(g);
  return new ApiClient({ api: s.api, ...(s.token ? { token: s.token } : {}) });
}

/** What to do after a 401: sign in (the reason is logged by the API, not returned). */
function signInHint(g: GlobalOptions): string {
  const note = session(g).note;
  return `hint: ${note ? `${note}; ` : ""}sign in with aks-vending login${g.api ? ` --api ${g.api}` : ""}, or pass a token with --token or AKSV_TOKEN`;
}

/** What to do after a refused change: the codes of the update contract that have a next step. */
const CHANGE_HINTS: Record<string, string> = {
  PreconditionFailed:
    "hint: the cluster changed since it was read (its ETag is no longer the one sent); read it again and retry",
  OperationInProgress:
    "hint: one operation at a time per cluster; follow the running one with aks-vending wait, then retry",
  FieldImmutable:
    "hint: these fields cannot change on an existing cluster; keep their current values (or create a new cluster)",
};

/**
 * Runs a command body: API errors print readably (or as the body with -o json) and exit non-zero —
 * 2 for a request refused as invalid (400) unless `invalidExit` says otherwise (`diff`, whose 2 means
 * "changes").
 */
export async function guarded(
  g: GlobalOptions,
  body: () => Promise<void>,
  invalidExit = EXIT_INVALID,
): Promise<void> {
  try {
    await body();
  } catch (e) {
    if (e instanceof ApiError) {
      if (g.output === "json" && e.body !== undefined) writeJson(e.body);
      else process.stderr.write(`${formatApiError(e)}\n`);
      if (e.status === 401) process.stderr.write(`${signInHint(g)}\n`);
      const hint = CHANGE_HINTS[e.code];
      if (hint && (e.status === 409 || e.status === 412)) process.stderr.write(`${hint}\n`);
      failPipelineStep(e.message, e.code);
      process.exitCode = e.status === 400 ? invalidExit : 1;
    } else if (e instanceof ApiUnreachableError) {
      process.stderr.write(`error: ${e.message}\n`);
      failPipelineStep(e.message, "ApiUnreachable");
      process.exitCode = 1;
    } else if (e instanceof CliError) {
      process.stderr.write(`error: ${e.message}\n`);
      failPipelineStep(e.message, e.code);
      process.exitCode = e.exitCode === EXIT_INVALID ? invalidExit : e.exitCode;
    } else throw e;
  }
}

function stepsTable(doc: ClusterStatusDocument): string {
  return renderTable(
    ["STEP", "STATUS", "RETRIES", "POLLS", "ERROR"],
    doc.steps.map((s) => [
      s.name,
      s.status,
      String(Math.max(0, s.attempts - 1)),
      String(s.polls ?? 0),
      s.error ? s.error.code : "",
    ]),
  );
}

export function verificationText(doc: ClusterStatusDocument): string[] {
  const v = doc.verification;
  if (!v) return ["verification: not run"];
  const ok = v.results.filter((r) => r.observed === r.expected).length;
  const access = v.access ?? [];
  const accessOk = access.filter((a) => a.observed === a.expected).length;
  const lines = [
    `verification: ${v.passed ? "passed" : "FAILED"} (${ok}/${v.results.length} probes as expected${access.length ? `, ${accessOk}/${access.length} access reviews` : ""})`,
  ];
  for (const r of v.results)
    if (r.observed !== r.expected)
      lines.push(`  ${r.from} → ${r.to}: expected ${r.expected}, observed ${r.observed}`);
  for (const a of access)
    if (a.observed !== a.expected)
      lines.push(
        `  ${a.subject}: ${a.action} in ${a.namespace}: expected ${a.expected}, observed ${a.observed}`,
      );
  return lines;
}

function provisioningText(p: ProvisioningOutcome): string {
  const error = p.error ? `: ${p.error.code} at step ${p.error.step}` : "";
  return `before the deletion: provisioning ${p.phase}${error}`;
}

/** Generation lines: which change the cluster is at, and which operation ran last. */
function generationText(doc: ClusterStatusDocument): string[] {
  if (doc.generation === undefined) return [];
  const observed = doc.observedGeneration ?? doc.generation;
  const pending = observed < doc.generation ? ` (generation ${doc.generation} not reached yet)` : "";
  return [
    `  generation:    ${doc.generation}, observed ${observed}${pending}`,
    ...(doc.operation ? [`  operation:     ${doc.operation}`] : []),
  ];
}

/** The drift check's findings: "drift: none", or one row per difference. */
export function driftText(doc: ClusterStatusDocument): string[] {
  if (!doc.drift) return [];
  if (doc.drift.length === 0) return ["drift: none"];
  return [
    `drift: ${doc.drift.length} ${doc.drift.length === 1 ? "difference" : "differences"} between the cluster and its spec`,
    ...renderTable(
      ["PATH", "EXPECTED", "ACTUAL", "DETECTED"],
      doc.drift.map((d) => [d.path, formatValue(d.expected), formatValue(d.actual), d.detectedAt]),
    )
      .split("\n")
      .map((l) => `  ${l}`),
  ];
}

function outputsText(doc: ClusterStatusDocument): string[] {
  return [
    `  clusterId:     ${doc.outputs.clusterId ?? "-"}`,
    `  fqdn:          ${doc.outputs.fqdn ?? "-"}`,
    `  resourceGroup: ${doc.resourceGroup}`,
  ];
}

/** The human-readable status document. */
function describe(doc: ClusterStatusDocument): string {
  const c = paint(useColor(process.stdout));
  const phase =
    doc.phase === "Succeeded" ? c.green(doc.phase) : doc.phase === "Failed" ? c.red(doc.phase) : doc.phase;
  const lines = [
    `${c.bold(doc.name)}  ${phase}`,
    `  team:          ${doc.team}`,
    `  subscription:  ${doc.subscriptionId}`,
    ...outputsText(doc),
    ...generationText(doc),
    ...(doc.createdAt ? [`  created:       ${doc.createdAt}`] : []),
    ...(doc.lastUpdatedAt ? [`  updated:       ${doc.lastUpdatedAt}`] : []),
    "",
    stepsTable(doc),
    "",
    // After a DELETE the document is the deletion's; the provisioning's outcome is one line.
    ...(doc.provisioning ? [provisioningText(doc.provisioning)] : verificationText(doc)),
    ...driftText(doc),
    ...doc.warnings.map((w) => `warning: ${w}`),
    ...(doc.error ? [`error: ${doc.error.code} at step ${doc.error.step}: ${doc.error.message}`] : []),
  ];
  return `${lines.join("\n")}\n`;
}

function show(g: GlobalOptions, doc: ClusterStatusDocument): void {
  if (g.output === "json") writeJson(doc);
  else process.stdout.write(describe(doc));
}

/** Prints how a wait ended, sets pipeline variables, and sets the exit code. */
function report(g: GlobalOptions, name: string, result: WaitResult, timeoutMs: number): void {
  const took = formatElapsed(result.elapsedMs);
  switch (result.kind) {
    case "succeeded": {
      const doc = result.doc;
      if (inAzurePipelines()) {
        vso("task.setvariable", { variable: "clusterId", isOutput: "true" }, doc.outputs.clusterId ?? "");
        vso("task.setvariable", { variable: "fqdn", isOutput: "true" }, doc.outputs.fqdn ?? "");
        vso("task.setvariable", { variable: "resourceGroup", isOutput: "true" }, doc.resourceGroup);
      }
      // After an update the head line names the generation reached.
      const generation =
        doc.operation === "update" ? ` (generation ${doc.observedGeneration ?? doc.generation})` : "";
      if (g.output === "json") writeJson(doc);
      else
        process.stdout.write(
          `${[`cluster ${doc.name} Succeeded in ${took}${generation}`, ...outputsText(doc), ...verificationText(doc)].join("\n")}\n`,
        );
      return;
    }
    case "deleted":
      if (g.output === "json")
        writeJson(result.doc ? { ...result.doc, phase: "Deleted" } : { name, phase: "Deleted" });
      else process.stdout.write(`cluster ${name} deleted in ${took}\n`);
      return;
    case "failed": {
      const doc = result.doc;
      const code = doc.error?.code ?? (doc.phase === "Deleted" ? "ClusterDeleted" : "ProvisioningFailed");
      const message = `cluster ${doc.name} ${doc.phase === "Deleted" ? "was deleted" : "Failed"}${doc.error ? ` at step ${doc.error.step}` : ""}: ${code}${doc.error ? `: ${doc.error.message}` : ""}`;
      if (g.output === "json") writeJson(doc);
      else if (doc.verification) process.stdout.write(`${verificationText(doc).join("\n")}\n`);
      process.stderr.write(`error: ${message}\n`);
      failPipelineStep(message, code);
      process.exitCode = EXIT_FAILED;
      return;
    }
    case "timeout": {
      const doc = result.doc;
      const running = doc?.steps.find((s) => s.status === "Running");
      const message = `WaitTimeout: gave up on cluster ${name} after ${formatElapsed(timeoutMs)}; it is still ${doc?.phase ?? "unknown"}${running ? ` (step ${running.name} running)` : ""} and continues on the server`;
      if (g.output === "json") writeJson({ error: { code: "WaitTimeout", message }, status: doc ?? null });
      process.stderr.write(`error: ${message}\n`);
      failPipelineStep(message, "WaitTimeout");
      process.exitCode = EXIT_TIMEOUT;
      return;
    }
  }
}

/**
 * Follows a cluster until the goal, then reports. A ready wait after a change (`first` carries the
 * generation it was accepted as) ends only once the cluster has reached that generation.
 */
export async function waitAndReport(
  g: GlobalOptions,
  name: string,
  goal: WaitGoal,
  flags: WaitFlags,
  first?: StatusReply,
): Promise<void> {
  const generation = first?.doc.generation;
  const result = await waitForCluster(client(g), name, {
    goal,
    timeoutMs: flags.timeout,
    maxPollMs: flags.pollInterval,
    json: g.output === "json",
    ...(first ? { first } : {}),
    ...(goal === "ready" && generation !== undefined ? { generation } : {}),
  });
  report(g, name, result, flags.timeout);
}

export function withWaitOptions(cmd: Command, waitFlag: boolean): Command {
  if (waitFlag) cmd.option("--wait", "wait until the cluster is done, showing progress");
  return cmd
    .addOption(
      new Option("--timeout <duration>", "give up waiting after this long (e.g. 45m, 90s, 1h30m)")
        .argParser(parseDuration)
        .default(parseDuration("45m"), "45m"),
    )
    .addOption(
      new Option(
        "--poll-interval <duration>",
        "longest pause between polls; the server's Retry-After is honoured up to it",
      )
        .argParser(parseDuration)
        .default(parseDuration("10s"), "10s"),
    );
}

/** A phase, whatever its case (the API compares without it); anything else exits 2 naming the phases. */
export function parsePhase(value: string): Phase {
  const phase = PHASES.find((p) => p.toLowerCase() === value.toLowerCase());
  if (!phase)
    throw new CliError(
      `--phase "${value}" is not a phase; use one of ${PHASES.join(", ")}`,
      EXIT_INVALID,
      "InvalidArgument",
    );
  return phase;
}

/**
 * The request document: the JSON the API takes (YAML converted) and its value; unreadable text
 * exits 2.
 */
export async function requestDocument(file: string): Promise<{ json: string; value: unknown }> {
  const doc = await readDocument(file);
  if (!doc.ok)
    throw new CliError(
      `${file === "-" ? "standard input" : file}: ${doc.problem.message}`,
      EXIT_INVALID,
      doc.problem.code,
    );
  return { json: doc.json, value: doc.value };
}

export const globals = (cmd: Command) => cmd.optsWithGlobals<GlobalOptions>();

export function registerClusterCommands(program: Command): void {
  withWaitOptions(
    program
      .command("create")
      .description("Request a cluster (POST /clusters); with --wait, follow it until it is ready")
      .requiredOption(
        "-f, --file <file>",
        "the ClusterSpec document (JSON or YAML), or - for standard input",
      ),
    true,
  )
    .option("--dry-run", "only show what the request would create (the API's plan); create nothing")
    .action(async (options: WaitFlags & { file: string; wait?: boolean; dryRun?: boolean }, cmd: Command) => {
      const g = globals(cmd);
      await guarded(g, async () => {
        const doc = await requestDocument(options.file);
        if (options.dryRun) {
          const named = (doc.value as { name?: unknown } | null)?.name;
          return printPlan(
            g.output,
            typeof named === "string" ? named : "(unnamed)",
            await askPlan(client(g), "POST", "", doc.json),
          );
        }
        const reply = await client(g).create(doc.json);
        if (options.wait) return waitAndReport(g, reply.doc.name, "ready", options, reply);
        if (g.output === "json") writeJson(reply.doc);
        else
          process.stdout.write(
            `cluster ${reply.doc.name} ${reply.status === 202 ? "accepted" : reply.doc.phase} (phase ${reply.doc.phase}); follow it with: aks-vending wait ${reply.doc.name}\n`,
          );
      });
    });

  program
    .command("get")
    .description("Show a cluster's status: phase, steps, outputs, verification, error")
    .argument("<name>", "the cluster's name")
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const g = globals(cmd);
      await guarded(g, async () => show(g, (await client(g).get(name)).doc));
    });

  program
    .command("list")
    .description("List clusters (Deleted ones only with --all)")
    .addOption(
      new Option("--phase <phase>", `only clusters in this phase: ${PHASES.join(", ")}`).argParser(
        parsePhase,
      ),
    )
    .option("--team <team>", "only this team's clusters")
    .option("--all", "include Deleted clusters")
    .action(async (options: { phase?: Phase; team?: string; all?: boolean }, cmd: Command) => {
      const g = globals(cmd);
      await guarded(g, async () => {
        const clusters = await client(g).list(options);
        if (g.output === "json") return writeJson(clusters);
        if (clusters.length === 0) return void process.stdout.write("no clusters\n");
        process.stdout.write(
          `${renderTable(
            ["NAME", "TEAM", "PHASE", "RESOURCE GROUP", "CREATED"],
            clusters.map((c) => [c.name, c.team, c.phase, c.resourceGroup, c.createdAt ?? ""]),
          )}\n`,
        );
      });
    });

  withWaitOptions(
    program
      .command("delete")
      .description("Delete a cluster and what was created for it; with --wait, follow it until it is gone")
      .argument("<name>", "the cluster's name"),
    true,
  )
    .option("--dry-run", "only show what the deletion would remove (the API's plan); delete nothing")
    .action(async (name: string, options: WaitFlags & { wait?: boolean; dryRun?: boolean }, cmd: Command) => {
      const g = globals(cmd);
      await guarded(g, async () => {
        if (options.dryRun) return printPlan(g.output, name, await askPlan(client(g), "DELETE", name));
        const reply = await client(g).delete(name);
        if (!reply) {
          if (g.output === "json") writeJson({ name, phase: "Deleted" });
          else process.stdout.write(`cluster ${name} does not exist (nothing to delete)\n`);
          return;
        }
        if (options.wait) return waitAndReport(g, name, "deleted", options, reply);
        if (g.output === "json") writeJson(reply.doc);
        else
          process.stdout.write(
            `cluster ${name} is ${reply.doc.phase}; follow it with: aks-vending delete ${name} --wait\n`,
          );
      });
    });

  withWaitOptions(
    program
      .command("wait")
      .description(
        "Wait until a cluster is Succeeded at its latest generation (exit 0) or Failed (exit 3), showing progress; exit 4 on timeout",
      )
      .argument("<name>", "the cluster's name"),
    false,
  ).action(async (name: string, options: WaitFlags, cmd: Command) => {
    const g = globals(cmd);
    await guarded(g, () => waitAndReport(g, name, "ready", options));
  });

  program
    .command("kubeconfig")
    .description("Print the cluster's user kubeconfig to standard output (e.g. > kubeconfig.yaml)")
    .argument("<name>", "the cluster's name")
    .addOption(
      new Option(
        "--plugin <plugin>",
        "Entra ID clusters: the credential plugin the kubeconfig runs (default: the API's, kubelogin)",
      ).choices(["kubelogin", "aks-vending"]),
    )
    .action(async (name: string, o: { plugin?: string }, cmd: Command) => {
      const g = globals(cmd);
      await guarded(g, async () => void process.stdout.write(await client(g).kubeconfig(name, o.plugin)));
    });
}
