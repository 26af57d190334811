#!/usr/bin/env node
// The aks-vending command. Each command group lives in its own module under cli/commands/.
import { Command, Option } from "commander";
import { DEFAULT_API } from "./auth/session.js";
import { registerAuthCommands } from "./commands/auth.js";
import { registerClusterCommands } from "./commands/clusters.js";
import { registerNetpolCommands } from "./commands/netpol.js";
import { registerSpecCommands } from "./commands/spec.js";
import { CliError } from "./errors.js";
import { failPipelineStep, parseOutputFormat } from "./output.js";

export function buildProgram(): Command {
  const program = new Command("aks-vending")
    .description(
      "Self-service AKS clusters: validate requests, evaluate NetworkPolicies, create and watch clusters",
    )
    .showHelpAfterError()
    .configureOutput({ outputError: (str, write) => write(str) })
    .addOption(
      new Option(
        "--api <url>",
        `base URL of the cluster API (default: the signed-in API, else ${DEFAULT_API})`,
      ).env("AKSV_API_URL"),
    )
    .addOption(
      new Option(
        "--token <token>",
        "bearer token sent with every request, over the signed-in profile (never printed)",
      ).env("AKSV_TOKEN"),
    )
    .addOption(
      new Option("-o, --output <format>", "json (for scripts) or table")
        .argParser(parseOutputFormat)
        .default("table"),
    );
  registerAuthCommands(program);
  registerClusterCommands(program);
  registerSpecCommands(program);
  registerNetpolCommands(program);
  return program;
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (e) {
  // Expected failures (unreadable file, bad arguments) get one readable line, not a stack trace.
  const err = e as NodeJS.ErrnoException;
  const message = err.code === "ENOENT" && err.path ? `cannot read ${err.path}: no such file` : err.message;
  process.stderr.write(`error: ${message}\n`);
  // A failed login or dev-token in a pipeline fails its step as readably as a failed create.
  if (e instanceof CliError) failPipelineStep(message, e.code);
  process.exitCode = e instanceof CliError ? e.exitCode : 1;
}
