#!/usr/bin/env node
// Standalone entry: node dist/emulators/functions-host/main.js --app-dir . --port 7071 --state-dir .local [--reset]
import { Command } from "commander";
import { timeScaleOption } from "../common/time-scale-option.js";
import { parseCorsOrigins } from "./http/cors.js";
import { startFunctionsHost } from "./index.js";

const program = new Command()
  .name("functions-host")
  .description("Local Azure Functions host with the Durable extension for the unmodified Node.js v4 app")
  .option("--app-dir <dir>", "the app directory (package.json main is loaded)", ".")
  .option("--port <port>", "port on 127.0.0.1 (0 = any free port)", "7071")
  .option("--state-dir <dir>", "state directory", process.env["AKSV_STATE_DIR"] ?? ".local")
  .addOption(timeScaleOption(1))
  .option(
    "--log-level <level>",
    "trace|debug|information|warning|error|none",
    process.env["AKSV_LOG_LEVEL"] ?? "information",
  )
  .option("--cors <origins>", "allowed CORS origins, comma-separated or * (as func start --cors)")
  .option("--cors-credentials", "allow credentials on CORS requests", false)
  .option("--reset", "delete the task hub and keys before starting", false)
  .option(
    "--exit-with-stdin",
    "stop when standard input ends (a launcher that dies, even by kill -9, takes the host with it)",
    false,
  );

const opts = program.parse().opts<{
  appDir: string;
  port: string;
  stateDir: string;
  timeScale: number;
  logLevel: string;
  reset: boolean;
  cors?: string;
  corsCredentials: boolean;
  exitWithStdin: boolean;
}>();

// State files are private (the host's keys); see emulators/common/state-dir.ts.
process.umask(0o077);
const host = await startFunctionsHost({
  appDir: opts.appDir,
  port: Number(opts.port),
  stateDir: opts.stateDir,
  timeScale: opts.timeScale,
  logLevel: opts.logLevel,
  reset: opts.reset,
  ...(opts.cors !== undefined
    ? { cors: { allowedOrigins: parseCorsOrigins(opts.cors), supportCredentials: opts.corsCredentials } }
    : {}),
}).catch((err: unknown) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});

// Machine-readable first line for launchers and tests: where the host listens.
process.stdout.write(JSON.stringify({ listening: host.url }) + "\n");

let stops = 0;
const stop = () => {
  if (++stops > 1) process.exit(130);
  host.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, stop);
if (opts.exitWithStdin) process.stdin.once("end", stop).once("error", stop).resume();
