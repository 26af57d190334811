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

await buildProgram().parseAsync(process.argv);
