// `npm start`: the whole local stack in one process tree, with a ready-to-paste example; Ctrl-C stops it.
// emulators/start.ts, the entry, checks the Node version first, then imports this.
import { Command } from "commander";
import { banner } from "./banner.js";
import { timeScaleOption } from "./common/time-scale-option.js";
import { parseCorsOrigins } from "./functions-host/http/cors.js";
import { REPO_ROOT, startLocalStack } from "./stack.js";

const env = process.env;
const opts = new Command("npm start")
  .description("Run the Functions app with the Azure and Kubernetes emulators on 127.0.0.1")
  .option("--state-dir <dir>", "state directory", env["AKSV_STATE_DIR"] ?? ".local")
  // 0.02 makes the tutorial's 6-minute AKS create take about 7 s.
  .addOption(timeScaleOption(0.02))
  .option("--host-port <n>", "Functions host port", env["AKSV_HOST_PORT"] ?? "7071")
  .option("--azure-port <n>", "Azure emulator port", env["AKSV_AZURE_PORT"] ?? "7443")
  .option("--kube-port <n>", "Kubernetes emulator port", env["AKSV_KUBE_PORT"] ?? "7444")
  .option(
    "--table-port <n>",
    "Table service port (default 7445; 0 when --azure-port is 0)",
    env["AKSV_TABLE_PORT"],
  )
  .option("--log-level <level>", "host log level", env["AKSV_LOG_LEVEL"] ?? "information")
  .option(
    "--cors <origins>",
    "origins a portal may call the API from (comma-separated, or *)",
    env["AKSV_CORS"],
  )
  .option("--reset", "start with empty state", false)
  .parse()
  .opts<{
    stateDir: string;
    timeScale: number;
    hostPort: string;
    azurePort: string;
    kubePort: string;
    tablePort?: string;
    logLevel: string;
    reset: boolean;
    cors?: string;
  }>();

const { timeScale } = opts;
// Every file the stack writes is private, those of libraries too (Azurite's database): the state holds
// admin tokens and the signing key. The emulators also set 0600/0700 themselves for in-process use.
process.umask(0o077);

const stack = await startLocalStack({
  stateDir: opts.stateDir,
  timeScale,
  reset: opts.reset,
  logLevel: opts.logLevel,
  ...(opts.cors ? { corsOrigins: parseCorsOrigins(opts.cors) } : {}),
  ports: {
    host: Number(opts.hostPort),
    azure: Number(opts.azurePort),
    kube: Number(opts.kubePort),
    ...(opts.tablePort !== undefined ? { table: Number(opts.tablePort) } : {}),
  },
}).catch((err: unknown) => {
  const e = err as NodeJS.ErrnoException;
  process.stderr.write(
    `error: the local stack did not start: ${e.code === "EADDRINUSE" ? `a port is already in use (${e.message}); stop the other instance or pass --host-port/--azure-port/--kube-port/--table-port` : e.message}\n`,
  );
  process.exit(1);
});

process.stdout.write(
  banner(stack, {
    stateDir: opts.stateDir,
    timeScale,
    repoPrefix: REPO_ROOT === process.cwd() ? "" : `${REPO_ROOT}/`,
  }),
);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stdout.write("stopping…\n");
    stack.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`error while stopping: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  });
}
