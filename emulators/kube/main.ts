#!/usr/bin/env node
// Standalone Kubernetes emulator: node dist/emulators/kube/main.js --port 7444 --state-dir .local [--reset]
import { Command } from "commander";
import { startKubeEmulator } from "./index.js";
import { timeScaleOption } from "../common/time-scale-option.js";

const program = new Command()
  .name("kube-emulator")
  .description("Kubernetes API servers for the emulated AKS clusters")
  .option("--port <port>", "HTTPS port", (v) => Number(v), Number(process.env["AKSV_KUBE_PORT"] ?? 7444))
  .option(
    "--state-dir <dir>",
    "state directory (the emulator uses <dir>/kube and the CA in <dir>/ca)",
    process.env["AKSV_STATE_DIR"] ?? ".local",
  )
  .addOption(timeScaleOption(1))
  .option("--reset", "start without any cluster", false)
  .parse();

const opts = program.opts<{ port: number; stateDir: string; timeScale: number; reset: boolean }>();
// State files are private (they hold admin tokens); see emulators/common/state-dir.ts.
process.umask(0o077);
const emulator = await startKubeEmulator({
  port: opts.port,
  stateDir: opts.stateDir,
  timeScale: opts.timeScale,
  reset: opts.reset,
}).catch((err: unknown) => {
  // A state directory in use, or damaged state: the message says which and what to do.
  process.stderr.write(`error: the Kubernetes emulator did not start: ${(err as Error).message}\n`);
  process.exit(1);
});
console.log(
  `kube emulator listening on ${emulator.url} (CA ${emulator.caPath}, time scale ${opts.timeScale})`,
);
const shutdown = () => void emulator.stop().then(() => process.exit(0));
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
