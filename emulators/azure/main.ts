#!/usr/bin/env node
// Standalone Azure emulator: node dist/emulators/azure/main.js --port 7443 --state-dir .local
// [--time-scale 0.01] [--kube-url https://127.0.0.1:7444] [--reset] [--seed 1] [--faults file.json]
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { timeScaleOption } from "../common/time-scale-option.js";
import { startAzureEmulator, DEFAULT_PORT } from "./index.js";
import { throttlingFromEnv, type FaultConfig } from "./core/faults.js";

const program = new Command()
  .name("azure-emulator")
  .description("Local ARM (resource groups, VNets, identities, role assignments, AKS) and token issuer")
  .option(
    "--port <n>",
    "HTTPS port (0 = any free port)",
    process.env["AKSV_AZURE_PORT"] ?? String(DEFAULT_PORT),
  )
  .option(
    "--state-dir <dir>",
    "state directory (the emulator uses <dir>/azure, the CA <dir>/ca)",
    process.env["AKSV_STATE_DIR"] ?? ".local",
  )
  .addOption(timeScaleOption(1))
  .option(
    "--kube-url <url>",
    "Kubernetes emulator URL for cluster registration",
    process.env["AKSV_KUBE_EMULATOR_URL"],
  )
  .option("--seed <n>", "seed for probabilistic faults", "1")
  .option("--faults <file>", "JSON fault configuration ({ rules, throttling })")
  .option(
    "--throttling <mode>",
    "ARM's token buckets: on, aks (and the AKS RP's) or off",
    process.env["AKSV_ARM_THROTTLING"],
  )
  .option("--reset", "start with empty state", false)
  .parse();

const o = program.opts<{
  port: string;
  stateDir: string;
  timeScale: number;
  kubeUrl?: string;
  seed: string;
  faults?: string;
  throttling?: string;
  reset: boolean;
}>();

// State files are private (the signing key, identity header); see emulators/common/state-dir.ts.
process.umask(0o077);
const throttling = throttlingFromEnv({ AKSV_ARM_THROTTLING: o.throttling ?? "" });
const emulator = await startAzureEmulator({
  port: Number(o.port),
  stateDir: o.stateDir,
  timeScale: o.timeScale,
  seed: Number(o.seed),
  reset: o.reset,
  ...(o.kubeUrl ? { kubeUrl: o.kubeUrl } : {}),
  faults: {
    ...(o.faults ? (JSON.parse(readFileSync(o.faults, "utf8")) as FaultConfig) : {}),
    ...(throttling ? { throttling } : {}),
  },
}).catch((err: unknown) => {
  // A state directory in use, or damaged state: the message says which and what to do.
  process.stderr.write(`error: the Azure emulator did not start: ${(err as Error).message}
`);
  process.exit(1);
});
console.log(`azure emulator listening on ${emulator.url} (time scale ${o.timeScale})`);
console.log(`CA certificate: ${emulator.caPath}  (export NODE_EXTRA_CA_CERTS=${emulator.caPath})`);
console.log(`issuer: ${emulator.issuer}`);
console.log(`subscription: ${emulator.subscriptionId}  tenant: ${emulator.tenantId}`);
console.log(
  `IDENTITY_ENDPOINT=${emulator.identityEndpoint}  (IDENTITY_HEADER: see ${o.stateDir}/azure/state.json)`,
);
console.log(
  o.kubeUrl
    ? `registering clusters with ${o.kubeUrl}`
    : "no --kube-url: kubeconfigs point at placeholder servers",
);

const shutdown = () => {
  void emulator.stop().then(() => process.exit(0));
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
