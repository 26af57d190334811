// The aks-vending command tree (cli/main.ts runs it). Each command group lives in its own module
// under cli/commands/.
import { Command, Option } from "commander";
import { APP_VERSION } from "../shared/api/version.js";
import { DEFAULT_API } from "./auth/session.js";
import { registerAuthCommands } from "./commands/auth.js";
import { registerClusterCommands } from "./commands/clusters.js";
import { registerNetpolCommands } from "./commands/netpol.js";
import { registerSpecCommands } from "./commands/spec.js";
import { registerUpdateCommands } from "./commands/updates.js";
import { parseOutputFormat } from "./output.js";

export function buildProgram(): Command {
  const program = new Command("aks-vending")
    .description(
      "Self-service AKS clusters: validate requests, evaluate NetworkPolicies, create, update and watch clusters",
    )
    .version(APP_VERSION, "-V, --version", "print the version (package.json's) and exit")
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
  registerUpdateCommands(program);
  registerSpecCommands(program);
  registerNetpolCommands(program);
  return program;
}
