// The local Functions host: runs the unmodified compiled app (package.json main) with the real
// `@azure/functions` and `durable-functions` packages, serves its HTTP triggers and the Durable HTTP API, and
// runs its orchestrations through the real replay engine on a SQLite task hub under <stateDir>/functions-host.
import { rm } from "node:fs/promises";
import type { Server } from "node:http";
import { join, resolve } from "node:path";
import { emulatedClock, type Clock } from "../common/clock.js";
import { timeScaleFromEnv } from "../../shared/config/time-scale.js";
import { validateCors, type CorsSettings } from "./http/cors.js";
import { appEnvironment, readHostJson, readLocalSettings, type HostJsonSettings } from "./config.js";
import { durableClientBindingData } from "./durable/client-binding.js";
import { Dispatcher } from "./durable/dispatcher.js";
import { DurableHttpApi } from "./durable/http-api.js";
import { openTaskHub, type TaskHubStore } from "./durable/store.js";
import { ensurePrivateDir, withStateLock, type StateLock } from "../common/state-dir.js";
import { crashPoints } from "./fault.js";
import { FunctionIndex } from "./functions.js";
import { invokeHttpFunction } from "./http/http-trigger.js";
import { HttpRouter } from "./http/router.js";
import { listen } from "./http/server.js";
import { Invoker } from "./invoker.js";
import { DURABLE_SYSTEM_KEY, loadOrCreateKeys, type HostKeys } from "./keys.js";
import { HOST_VERSION, LanguageWorker } from "./language-worker-host.js";
import { createLogger, parseLogLevel, type LogLevel } from "./log.js";

export type { CorsSettings } from "./http/cors.js";
export { ManualClock, type Clock } from "../common/clock.js";
export { durableClientBindingData } from "./durable/client-binding.js";

export interface FunctionsHostOptions {
  /** The app's directory (its package.json `main` is loaded). */
  appDir: string;
  /** 0 picks a free port. Default 7071. */
  port?: number;
  /** Root state directory (default `.local`); the host keeps its files in `<stateDir>/functions-host`. */
  stateDir?: string;
  /** Extra environment variables for the app (over local.settings.json and the host's environment). */
  env?: Record<string, string>;
  /** Injected clock (tests); otherwise real time scaled by `timeScale`. */
  clock?: Clock;
  /** Emulated time runs 1/timeScale times faster than real time (default 1, env AKSV_TIME_SCALE). */
  timeScale?: number;
  logLevel?: LogLevel | string;
  /** Write log lines somewhere else than stdout. */
  logSink?: (line: string) => void;
  /** Delete the task hub and keys before starting. */
  reset?: boolean;
  /** Overrides host.json settings. */
  hostJson?: Partial<HostJsonSettings>;
  /** Request body limit in bytes; default the app setting FUNCTIONS_REQUEST_BODY_SIZE_LIMIT, else 100 MB. */
  maxRequestBodyBytes?: number;
  /** CORS in front of the HTTP triggers; default local.settings.json `Host.CORS` / `Host.CORSCredentials`. */
  cors?: CorsSettings;
  /** How long stop() waits for in-flight invocations before abandoning them (default 5000 ms). */
  shutdownGraceMs?: number;
  /** Pause before a language worker that exited is started again (default 200 ms). */
  workerRestartDelayMs?: number;
  /**
   * HTTP triggers in a language worker of their own, apart from the orchestrations and activities
   * (default: env AKSV_FUNCTIONS_HTTP_WORKER=separate, else one worker for all). Flex Consumption
   * scales HTTP triggers on instances of their own ("per-function scaling": the HTTP group, the
   * Durable group), so in Azure a burst of orchestration work never queues an API request behind it;
   * locally, one worker process runs everything in one event loop and it does.
   */
  separateHttpWorker?: boolean;
}

/** Which language worker runs a function: its own for HTTP triggers when they are kept apart. */
type WorkerGroup = "http" | "durable";

export interface FunctionsHost {
  /** e.g. http://127.0.0.1:7071 */
  url: string;
  port: number;
  keys: HostKeys;
  settings: HostJsonSettings;
  clock: Clock;
  /** Registered functions by name with their kind. */
  functions: { name: string; kind: string }[];
  /** The durableClient binding payload for this host (what df.getClient expects in extraInputs). */
  durableClientData(): object;
  /** Stops taking work, lets in-flight invocations finish (bounded), runs appTerminate hooks, closes. */
  stop(): Promise<void>;
}

/** The Functions host's default request body limit (100 MB), as in Azure. */
const DEFAULT_BODY_LIMIT = 100 * 1024 * 1024;
/** The app setting Azure's host reads its request body limit from, in bytes. */
export const BODY_LIMIT_SETTING = "FUNCTIONS_REQUEST_BODY_SIZE_LIMIT";

/** The limit from the app's settings; a malformed value stops the host rather than lifting the limit. */
function bodyLimitFrom(settings: Record<string, string>): number | undefined {
  const text = settings[BODY_LIMIT_SETTING];
  if (text === undefined || text.trim() === "") return undefined;
  const bytes = Number(text);
  if (!Number.isSafeInteger(bytes) || bytes < 1)
    throw new Error(`${BODY_LIMIT_SETTING} must be a positive number of bytes, got "${text}"`);
  return bytes;
}

export async function startFunctionsHost(options: FunctionsHostOptions): Promise<FunctionsHost> {
  const stateRoot = resolve(options.stateDir ?? process.env["AKSV_STATE_DIR"] ?? ".local");
  // The lock comes first: --reset must not delete the task hub of a host that is still running.
  return withStateLock(stateRoot, "functions-host", "the Functions host", (lock) =>
    serve(options, stateRoot, lock),
  );
}

async function serve(
  options: FunctionsHostOptions,
  stateRoot: string,
  lock: StateLock,
): Promise<FunctionsHost> {
  const appDir = resolve(options.appDir);
  const dir = join(stateRoot, "functions-host");
  if (options.reset) await rm(dir, { recursive: true, force: true });
  ensurePrivateDir(dir);

  const logger = createLogger(
    parseLogLevel(options.logLevel ?? process.env["AKSV_LOG_LEVEL"]),
    options.logSink,
  );
  const settings: HostJsonSettings = { ...(await readHostJson(appDir)), ...options.hostJson };
  const { values: localSettings, cors } = await readLocalSettings(appDir);
  if (options.cors) validateCors(options.cors);
  const keys = await loadOrCreateKeys(join(dir, "host.keys.json"));
  const store = openTaskHub(join(dir, `${settings.hubName}.sqlite`));
  const clock = options.clock ?? persistentClock(store, options.timeScale ?? timeScaleFromEnv());

  let functions: FunctionIndex | undefined;
  const separateHttp = options.separateHttpWorker ?? process.env["AKSV_FUNCTIONS_HTTP_WORKER"] === "separate";
  const groups: WorkerGroup[] = separateHttp ? ["durable", "http"] : ["durable"];
  const workers = new Map<WorkerGroup, LanguageWorker>();
  const groupOf = (kind: string): WorkerGroup => (separateHttp && kind === "http" ? "http" : "durable");
  // Filled in once the app is loaded; the front door answers 503 until then.
  const live: { router?: HttpRouter; dispatcher?: Dispatcher; durableApi?: DurableHttpApi } = {};
  let origin = "";
  let stopping = false;
  let workerStarts = 0;
  const started = Date.now();
  const clientData = (): object =>
    durableClientBindingData(origin, settings.hubName, keys.systemKeys[DURABLE_SYSTEM_KEY]!);
  const invoker = new Invoker((fn) => workers.get(groupOf(fn.kind)), logger, clientData);

  const front = await listen(
    {
      routePrefix: settings.routePrefix,
      keys,
      logger,
      maxRequestBodyBytes:
        options.maxRequestBodyBytes ??
        bodyLimitFrom(appEnvironment(process.env, localSettings, options.env ?? {})) ??
        DEFAULT_BODY_LIMIT,
      cors: options.cors ?? cors,
      router: () => live.router,
      durableApi: () => live.durableApi,
      invokeHttp: (route, req, params) => invokeHttpFunction(route.fn, req, params, invoker, logger),
      hostStatus: () => ({
        id: settings.hubName,
        state: stopping ? "Stopping" : groups.every((g) => workers.get(g)?.alive) ? "Running" : "Error",
        version: HOST_VERSION,
        processUptime: Date.now() - started,
        workerStarts,
        functions: [...(functions?.all.values() ?? [])].map((f) => ({ name: f.name, kind: f.kind })),
        durableTask: {
          hubName: settings.hubName,
          ...store.counts(),
          activeEpisodes: live.dispatcher?.activeEpisodes ?? 0,
          activeActivities: live.dispatcher?.activeActivities ?? 0,
          completedEpisodes: live.dispatcher?.stats.episodes ?? 0,
          completedActivities: live.dispatcher?.stats.activities ?? 0,
        },
      }),
    },
    options.port ?? 7071,
  );
  const server: Server = front.server;
  origin = `http://127.0.0.1:${front.port}`;

  const env = appEnvironment(process.env, localSettings, {
    ...(options.env ?? {}),
    WEBSITE_HOSTNAME: `127.0.0.1:${front.port}`,
    FUNCTIONS_WORKER_RUNTIME: "node",
    AzureWebJobsScriptRoot: appDir,
  });

  const startWorker = async (group: WorkerGroup): Promise<void> => {
    const started = await LanguageWorker.start({ appDir, env, logger });
    workerStarts++;
    const worker = started.worker;
    workers.set(group, worker);
    functions = new FunctionIndex(started.functions);
    worker.onUnexpectedExit = (reason) => {
      if (stopping) return;
      logger.log("error", `${reason} Restarting it; interrupted invocations run again.`);
      // Orchestration work waits for its worker; HTTP triggers answer 503 meanwhile (http-trigger.ts).
      const durable = group === "durable";
      if (durable) live.dispatcher?.pause();
      setTimeout(() => {
        if (stopping) return;
        startWorker(group).then(
          () => (durable ? live.dispatcher?.resume() : undefined),
          (err: unknown) =>
            logger.log("error", `The language worker could not be restarted: ${(err as Error).message}`),
        );
      }, options.workerRestartDelayMs ?? 200).unref();
    };
  };

  try {
    for (const group of groups) await startWorker(group);
  } catch (err) {
    stopping = true;
    await Promise.all([...workers.values()].map((w) => w.terminate(0)));
    await new Promise((r) => server.close(r));
    store.close();
    throw err;
  }
  const router = new HttpRouter(functions!.ofKind("http"));
  const dispatcher = new Dispatcher({
    store,
    clock,
    functions: functions!,
    invoker,
    logger,
    maxConcurrentActivities: settings.maxConcurrentActivityFunctions,
    maxConcurrentOrchestrations: settings.maxConcurrentOrchestratorFunctions,
    crash: crashPoints(process.env["AKSV_FUNCTIONS_HOST_CRASH_AT"]),
  });
  const durableApi = new DurableHttpApi({
    store,
    clock,
    functions: () => functions!,
    hubName: settings.hubName,
    systemKey: keys.systemKeys[DURABLE_SYSTEM_KEY]!,
    kick: () => dispatcher.kick(),
  });
  Object.assign(live, { router, dispatcher, durableApi });
  dispatcher.start();
  logger.log(
    "information",
    `Functions host listening on ${origin} (${functions!.all.size} functions, task hub ${settings.hubName}, state ${dir})`,
  );
  for (const r of router.routes) {
    logger.log(
      "information",
      `  ${r.fn.name}: [${r.methods ? [...r.methods].join(",") : "ALL"}] ${origin}/${settings.routePrefix ? settings.routePrefix + "/" : ""}${r.route.template}`,
    );
  }

  let stopped: Promise<void> | undefined;
  return {
    url: origin,
    port: front.port,
    keys,
    settings,
    clock,
    functions: [...functions!.all.values()].map((f) => ({ name: f.name, kind: f.kind })),
    durableClientData: clientData,
    stop() {
      stopped ??= (async () => {
        stopping = true;
        const closed = new Promise((r) => server.close(r));
        server.closeIdleConnections();
        await dispatcher.stop(options.shutdownGraceMs ?? 5000);
        await Promise.all([...workers.values()].map((w) => w.terminate()));
        server.closeAllConnections();
        await closed;
        store.close();
        lock.release();
        logger.log("information", "Functions host stopped.");
      })();
      return stopped;
    },
  };
}

/**
 * Real time scaled by `timeScale`, anchored in the task hub so that emulated time keeps running across
 * restarts (a timer due while the host was down fires when it comes back).
 */
function persistentClock(store: TaskHubStore, timeScale: number): Clock {
  const saved = store.getMeta("clock");
  const realNow = Date.now();
  let emulatedNow = realNow;
  if (saved) {
    const a = JSON.parse(saved) as { anchorReal: number; anchorEmulated: number; timeScale: number };
    const before = emulatedClock(a.timeScale, a);
    if (a.timeScale === timeScale) return before;
    emulatedNow = before.now();
  }
  const clock = emulatedClock(timeScale, { anchorReal: realNow, anchorEmulated: emulatedNow });
  store.setMeta(
    "clock",
    JSON.stringify({ anchorReal: clock.anchorReal, anchorEmulated: clock.anchorEmulated, timeScale }),
  );
  return clock;
}
