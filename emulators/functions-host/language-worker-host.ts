// Host side of the language worker: starts the worker process that loads the app, sends invocations and
// collects results over IPC, like the Functions host talking to the Node worker over gRPC.
import { fork, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import type { Logger, LogLevel } from "./log.js";
import type {
  FunctionMetadata,
  HostToWorker,
  InvocationResult,
  ParameterBinding,
  RpcTypedData,
  WorkerInit,
  WorkerToHost,
} from "./worker/protocol.js";

export const HOST_VERSION = "4.1040.0-aksv";

export interface InvocationRequest {
  functionId: string;
  inputData: ParameterBinding[];
  triggerMetadata?: Record<string, RpcTypedData>;
  invocationId?: string;
}

const WORKER_LEVELS: Record<string, LogLevel> = {
  trace: "trace",
  debug: "debug",
  information: "information",
  warning: "warning",
  error: "error",
  critical: "critical",
};

export class LanguageWorker {
  #worker: ChildProcess;
  #pending = new Map<string, (result: InvocationResult) => void>();
  #exited = false;
  #terminated: (() => void) | undefined;
  #onExit: (() => void) | undefined;
  /** Called when the worker dies on its own (uncaught exception in app code, process.exit in the app). */
  onUnexpectedExit: ((reason: string) => void) | undefined;

  private constructor(
    worker: ChildProcess,
    private readonly logger: Logger,
  ) {
    this.#worker = worker;
  }

  static async start(options: {
    appDir: string;
    env: Record<string, string | undefined>;
    logger: Logger;
  }): Promise<{ worker: LanguageWorker; functions: FunctionMetadata[] }> {
    const init: WorkerInit = { appDir: options.appDir, hostVersion: HOST_VERSION };
    const child = fork(
      fileURLToPath(new URL("./worker/language-worker.js", import.meta.url)),
      [JSON.stringify(init)],
      {
        env: options.env,
        // Structured clone over IPC keeps binary bodies (Uint8Array) intact.
        serialization: "advanced",
        // Not the host's flags (e.g. --test, --cpu-prof): the worker is a plain Node process.
        execArgv: [],
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      },
    );
    const worker = new LanguageWorker(child, options.logger);
    const functions = await new Promise<FunctionMetadata[]>((resolve, reject) => {
      worker.#listen(resolve, reject);
    });
    return { worker, functions };
  }

  #listen(indexed: (f: FunctionMetadata[]) => void, failed: (e: Error) => void): void {
    let started = false;
    this.#worker.on("message", (message: WorkerToHost) => {
      switch (message.kind) {
        case "indexed":
          started = true;
          indexed(message.functions);
          break;
        case "startupFailed":
          failed(new Error(`The app failed to start: ${message.message}`));
          this.#worker.kill("SIGKILL");
          break;
        case "result": {
          const settle = this.#pending.get(message.invocationId);
          this.#pending.delete(message.invocationId);
          const { kind: _kind, invocationId: _id, ...result } = message;
          settle?.(result as InvocationResult);
          break;
        }
        case "log": {
          const level = WORKER_LEVELS[message.level.toLowerCase()] ?? "information";
          const source = message.functionName ? `Functions.${message.functionName}` : "Worker";
          this.logger.log(level, `[${source}] ${message.message}`);
          break;
        }
        case "terminated":
          this.#terminated?.();
          break;
      }
    });
    this.#worker.on("error", (err) => {
      if (!started) failed(err);
      else this.logger.log("error", `Language worker error: ${err.stack ?? err.message}`);
    });
    this.#worker.on("exit", (code, signal) => {
      this.#exited = true;
      const reason = `The language worker exited (${signal ?? `code ${code}`}).`;
      this.#onExit?.();
      for (const settle of this.#pending.values())
        settle({ ok: false, error: { message: reason }, workerLost: true });
      this.#pending.clear();
      if (!started) failed(new Error(reason));
      else if (!this.#terminated) this.onUnexpectedExit?.(reason);
    });
  }

  get alive(): boolean {
    return !this.#exited;
  }

  invoke(request: InvocationRequest): Promise<InvocationResult> {
    if (this.#exited)
      return Promise.resolve({
        ok: false,
        error: { message: "The language worker is not running." },
        workerLost: true,
      });
    const invocationId = request.invocationId ?? randomUUID();
    return new Promise((resolve) => {
      this.#pending.set(invocationId, resolve);
      const message: HostToWorker = {
        kind: "invoke",
        invocationId,
        functionId: request.functionId,
        inputData: request.inputData,
        ...(request.triggerMetadata ? { triggerMetadata: request.triggerMetadata } : {}),
      };
      this.#worker.send(message);
    });
  }

  /** Runs the app's appTerminate hooks (bounded by `graceMs`), then ends the process. */
  async terminate(graceMs = 2000): Promise<void> {
    if (this.#exited) return;
    const exited = new Promise<void>((resolve) => (this.#onExit = resolve));
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, graceMs);
      this.#terminated = () => {
        clearTimeout(timer);
        resolve();
      };
      if (this.#worker.connected) this.#worker.send({ kind: "terminate" } satisfies HostToWorker);
      else resolve();
    });
    if (!this.#exited) {
      setTimeout(() => this.#worker.kill("SIGKILL"), graceMs).unref();
      if (this.#worker.connected) this.#worker.disconnect();
    }
    await exited;
  }
}
