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
const emulator = await startKubeEmulator({
  port: opts.port,
  stateDir: opts.stateDir,
  timeScale: opts.timeScale,
  reset: opts.reset,
});
console.log(
  `kube emulator listening on ${emulator.url} (CA ${emulator.caPath}, time scale ${opts.timeScale})`,
);
const shutdown = () => void emulator.stop().then(() => process.exit(0));
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
