// The local Table service is Azurite's (the Azure SDK team's own storage emulator), run in this
// process through its TableServer class: HTTPS with the local CA's certificate, path-style URLs
// (https://127.0.0.1:<port>/devstoreaccount1) and OAuth "basic", so that the app reaches it as it
// reaches Azure Storage: @azure/data-tables with a bearer token for https://storage.azure.com.
// What Azurite's basic OAuth checks, and what it does not, is listed in emulators/azure/README.md.
//
// Azurite runs in a child process of its own (table-process.ts), as Table storage is a service of its
// own in Azure: in the emulator's process its request handling (Express, OAuth checks, LokiJS) took
// half of that process's CPU during a burst of 500 cluster requests, and the Functions host, ARM and
// Kubernetes emulators that share it waited behind it. The child ends with its parent (IPC
// disconnect), and stop() waits for it to save its database and exit.
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { rm } from "node:fs/promises";
import { ensurePrivateDir, writePrivateFile } from "../../common/state-dir.js";
import { createRequire, Module } from "node:module";
import { join } from "node:path";

/** Azurite's built-in account: the one it serves without AZURITE_ACCOUNTS (a process-wide setting). */
export const LOCAL_STORAGE_ACCOUNT = "devstoreaccount1";

/** The parts of Azurite's TableServer and TableConfiguration (azurite/dist/src/table) used here. */
interface AzuriteTableServer {
  start(): Promise<void>;
  close(): Promise<void>;
  getHttpServerAddress(): string;
  readonly httpServer: { once(event: "close", listener: () => void): unknown };
}
type TableConfigurationClass = new (
  host: string,
  port: number,
  keepAliveTimeout: number,
  metadataDBPath: string,
  enableDebugLog: boolean,
  enableAccessLog: boolean,
  accessLogWriteStream: undefined,
  debugLogFilePath: undefined,
  loose: boolean,
  skipApiVersionCheck: boolean,
  cert: string,
  key: string,
  pwd: string,
  oauth: string,
) => unknown;
type TableServerClass = new (configuration: unknown) => AzuriteTableServer;

const require = createRequire(import.meta.url);

/**
 * Loads Azurite's table server without its telemetry client: Azurite requires applicationinsights
 * (OpenTelemetry, about 75 MiB and 2 s to load) when its modules load, and only uses it once its
 * CLI turns telemetry on, which this never does. An empty module stands in for it.
 */
function loadAzurite(): { TableServer: TableServerClass; TableConfiguration: TableConfigurationClass } {
  const telemetry = require.resolve("azurite/dist/src/common/Telemetry.js");
  const insights = createRequire(telemetry).resolve("applicationinsights");
  if (!require.cache[insights]) {
    const stub = new Module(insights);
    stub.filename = insights;
    stub.loaded = true;
    require.cache[insights] = stub;
  }
  return {
    TableServer: (require("azurite/dist/src/table/TableServer.js") as { default: TableServerClass }).default,
    TableConfiguration: (
      require("azurite/dist/src/table/TableConfiguration.js") as { default: TableConfigurationClass }
    ).default,
  };
}

export interface TableServiceOptions {
  /** Azurite's files: its database (LokiJS, saved every 5 s and on stop) and the TLS pair it loads. */
  dir: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
  reset: boolean;
  tls: { cert: string; key: string };
}

export interface TableService {
  /** The account's Table endpoint, e.g. https://127.0.0.1:7445/devstoreaccount1. */
  url: string;
  stop(): Promise<void>;
}

/** Messages between the emulator and its table process (table-process.ts). */
export type ToTableProcess = { kind: "start"; options: TableServiceOptions } | { kind: "stop" };
export type FromTableProcess = { kind: "started"; url: string } | { kind: "failed"; message: string };

/** Starts Azurite's Table service in a child process (the TLS key goes over IPC, not the command line). */
export async function startTableService(o: TableServiceOptions): Promise<TableService> {
  const child = fork(fileURLToPath(new URL("./table-process.js", import.meta.url)), [], {
    execArgv: [],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code, signal) =>
      reject(new Error(`The Table service process exited (${signal ?? `code ${code}`}) before it started`)),
    );
    child.on("message", (m: FromTableProcess) =>
      m.kind === "started"
        ? resolve(m.url)
        : reject(new Error(`The Table service failed to start: ${m.message}`)),
    );
    child.send({ kind: "start", options: o } satisfies ToTableProcess);
  });
  let stopped: Promise<void> | undefined;
  return {
    url,
    stop: () =>
      (stopped ??= (async () => {
        if (child.connected) child.send({ kind: "stop" } satisfies ToTableProcess);
        else child.kill("SIGTERM");
        await exited;
      })()),
  };
}

/** Azurite's Table service in this process (what the table process runs). */
export async function serveTableService(o: TableServiceOptions): Promise<TableService> {
  const { TableServer, TableConfiguration } = loadAzurite();
  const database = join(o.dir, "azurite-table.json");
  // Private like the rest of the state (Azurite's own database file follows the process umask, which
  // the entry points set to 077; the directory keeps it private either way).
  ensurePrivateDir(o.dir);
  if (o.reset) await rm(database, { force: true });
  // Azurite reads its certificate and key from files.
  const certPath = join(o.dir, "tls-cert.pem");
  const keyPath = join(o.dir, "tls-key.pem");
  writePrivateFile(certPath, o.tls.cert);
  writePrivateFile(keyPath, o.tls.key);
  const server = new TableServer(
    new TableConfiguration(
      o.host,
      o.port,
      5,
      database,
      false,
      false,
      undefined,
      undefined,
      false,
      false,
      certPath,
      keyPath,
      "",
      "basic",
    ),
  );
  await server.start();
  const url = `${server.getHttpServerAddress()}/${LOCAL_STORAGE_ACCOUNT}`;
  let stopped: Promise<void> | undefined;
  return {
    url,
    // Azurite's close() stops the listener without waiting for it; the port is free once it closed.
    stop: () =>
      (stopped ??= (async () => {
        const closed = new Promise<void>((resolve) => server.httpServer.once("close", resolve));
        await server.close();
        await closed;
      })()),
  };
}
