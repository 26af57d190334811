// `aks-vending apply | diff | upgrade`: desired state. `apply` PUTs a whole ClusterSpec (creates the
// cluster when absent, updates it when present), `diff` asks what that PUT would do (a dry run; exit
// 0 no changes, 2 changes, 1 error: Terraform's `plan -detailed-exitcode`, because 1 is already
// every other command's error), `upgrade` PATCHes the Kubernetes version guarded by the cluster's
// ETag. `--dry-run` prints the API's plan as a diff (`-o json`: the plan document as sent);
// `--wait` follows the change until the cluster has reached its generation.
import { InvalidArgumentError, Option, type Command } from "commander";
import { askPlan, planHasChanges, printPlan } from "../plan.js";
import type { StatusReply } from "../api-client.js";
import { CliError } from "../errors.js";
import { inAzurePipelines, vso, writeJson } from "../output.js";
import {
  client,
  globals,
  guarded,
  requestDocument,
  waitAndReport,
  withWaitOptions,
  type GlobalOptions,
  type WaitFlags,
} from "./clusters.js";
import { EXIT_INVALID } from "./spec.js";

/** `diff`'s exit code when applying the file would change the cluster. */
export const EXIT_CHANGES = 2;

/** `--if-match 3` or `--if-match '"3"'` → the ETag `"3"` the API compares with. */
export function parseIfMatch(value: string): string {
  const m = /^(?:W\/)?"?(\d+)"?$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError('a generation such as 3 (or the ETag "3")');
  return `"${m[1]}"`;
}

/** "1.33" or "1.33.2": the versions a ClusterSpec's kubernetesVersion takes. */
export function parseKubernetesVersion(value: string): string {
  if (!/^\d+\.\d+(?:\.\d+)?$/.test(value))
    throw new CliError(
      `--to "${value}" is not a Kubernetes version; use MAJOR.MINOR or MAJOR.MINOR.PATCH, e.g. 1.33`,
      EXIT_INVALID,
      "InvalidArgument",
    );
  return value;
}

/** The cluster name a document gives (PUT goes to /clusters/{name}). */
function nameIn(value: unknown): string | undefined {
  if (!value || typeof value !== "object" || Array.isArray(value)) return undefined;
  const name = (value as { name?: unknown }).name;
  return typeof name === "string" && name ? name : undefined;
}

/** What the API made of a change: accepted (202), or nothing to do (200). */
function accepted(g: GlobalOptions, reply: StatusReply): void {
  const doc = reply.doc;
  if (g.output === "json") return writeJson(doc);
  const generation = doc.generation !== undefined ? `generation ${doc.generation}, ` : "";
  if (reply.status === 200)
    return void process.stdout.write(
      `cluster ${doc.name} unchanged: the request is its current spec (${generation}phase ${doc.phase})\n`,
    );
  process.stdout.write(
    `cluster ${doc.name} ${doc.operation ?? "change"} accepted (${generation}phase ${doc.phase}); follow it with: aks-vending wait ${doc.name}\n`,
  );
}

export function registerUpdateCommands(program: Command): void {
  withWaitOptions(
    program
      .command("apply")
      .description(
        "Create or update a cluster from its whole request (PUT /clusters/{name}); --dry-run shows the plan",
      )
      .requiredOption("-f, --file <file>", "the ClusterSpec document (JSON or YAML), or - for standard input")
      .option("--dry-run", "only show what applying would change (the API's plan); change nothing")
      .addOption(
        new Option(
          "--if-match <generation>",
          "apply only if the cluster is still at this generation (else 412 PreconditionFailed)",
        ).argParser(parseIfMatch),
      ),
    true,
  ).action(
    async (
      options: WaitFlags & { file: string; wait?: boolean; dryRun?: boolean; ifMatch?: string },
      cmd: Command,
    ) => {
      const g = globals(cmd);
      await guarded(g, async () => {
        const doc = await requestDocument(options.file);
        const name = nameIn(doc.value);
        if (!name)
          throw new CliError(
            `${options.file === "-" ? "standard input" : options.file}: the document has no name (apply puts the cluster under its name)`,
            EXIT_INVALID,
            "InvalidArgument",
          );
        if (options.dryRun)
          return printPlan(g.output, name, await askPlan(client(g), "PUT", name, doc.json, options.ifMatch));
        const reply = await client(g).apply(name, doc.json, options.ifMatch);
        if (options.wait) return waitAndReport(g, name, "ready", options, reply);
        accepted(g, reply);
      });
    },
  );

  program
    .command("diff")
    .description(
      "Show what applying a request would change (a dry-run PUT); exit 0 no changes, 2 changes, 1 error",
    )
    .argument("<name>", "the cluster's name")
    .requiredOption("-f, --file <file>", "the ClusterSpec document (JSON or YAML), or - for standard input")
    .action(async (name: string, options: { file: string }, cmd: Command) => {
      const g = globals(cmd);
      // Every failure exits 1 here, an invalid request too: 2 means "changes".
      await guarded(
        g,
        async () => {
          const doc = await requestDocument(options.file);
          const named = nameIn(doc.value);
          if (named && named !== name)
            throw new CliError(
              `the document names cluster ${named}, not ${name}`,
              EXIT_INVALID,
              "InvalidArgument",
            );
          // A document without a name is the named cluster's.
          const body =
            named || !doc.value || typeof doc.value !== "object"
              ? doc.json
              : JSON.stringify({ ...doc.value, name });
          const result = await askPlan(client(g), "PUT", name, body);
          printPlan(g.output, name, result);
          const changes = planHasChanges(result.plan);
          if (inAzurePipelines())
            vso("task.setvariable", { variable: "hasChanges", isOutput: "true" }, String(changes));
          if (changes) process.exitCode = EXIT_CHANGES;
        },
        1,
      );
    });

  withWaitOptions(
    program
      .command("upgrade")
      .description(
        "Upgrade a cluster's Kubernetes version (PATCH kubernetesVersion, guarded by the cluster's ETag)",
      )
      .argument("<name>", "the cluster's name")
      .addOption(
        new Option("--to <version>", "the Kubernetes version, e.g. 1.33 or 1.33.2")
          .argParser(parseKubernetesVersion)
          .makeOptionMandatory(),
      )
      .option("--dry-run", "only show what the upgrade would change (the API's plan); change nothing"),
    true,
  ).action(
    async (
      name: string,
      options: WaitFlags & { to: string; wait?: boolean; dryRun?: boolean },
      cmd: Command,
    ) => {
      const g = globals(cmd);
      await guarded(g, async () => {
        const api = client(g);
        // The ETag of the cluster as read now: a change made by someone else in between is refused
        // (412) rather than overwritten.
        const current = await api.get(name);
        const etag =
          current.etag ?? (current.doc.generation !== undefined ? `"${current.doc.generation}"` : undefined);
        const patch = JSON.stringify({ kubernetesVersion: options.to });
        if (options.dryRun) return printPlan(g.output, name, await askPlan(api, "PATCH", name, patch, etag));
        const reply = await api.patch(name, patch, etag);
        if (options.wait) return waitAndReport(g, name, "ready", options, reply);
        accepted(g, reply);
      });
    },
  );
}
