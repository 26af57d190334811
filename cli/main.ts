#!/usr/bin/env node
// The aks-vending command. Each command group lives in its own module under cli/commands/.
import { Command } from "commander";
import { registerNetpolCommands } from "./commands/netpol.js";
import { registerSpecCommands } from "./commands/spec.js";

export function buildProgram(): Command {
  const program = new Command("aks-vending")
    .description(
      "Self-service AKS clusters: validate requests, evaluate NetworkPolicies, create and watch clusters",
    )
    .showHelpAfterError()
    .configureOutput({ outputError: (str, write) => write(str) });
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
  process.exitCode = 1;
}
