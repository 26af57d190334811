// Host side of the language worker: starts the worker thread that loads the app, sends invocations and
// collects results, like the Functions host talking to the Node worker over gRPC.
import { randomUUID } from "node:crypto";
import { Worker } from "node:worker_threads";
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
  #worker: Worker;
  #pending = new Map<string, (result: InvocationResult) => void>();
  #exited = false;
  #terminated: (() => void) | undefined;
  /** Called when the worker dies on its own (uncaught exception in app code, process.exit in the app). */
  onUnexpectedExit: ((reason: string) => void) | undefined;

  private constructor(
    worker: Worker,
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
    const thread = new Worker(new URL("./worker/language-worker.js", import.meta.url), {
      workerData: init,
      env: options.env,
    });
    const worker = new LanguageWorker(thread, options.logger);
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
          void this.#worker.terminate();
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
    this.#worker.on("exit", (code) => {
      this.#exited = true;
      const reason = `The language worker exited (code ${code}).`;
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
      this.#worker.postMessage(message);
    });
  }

  /** Runs the app's appTerminate hooks (bounded by `graceMs`), then stops the thread. */
  async terminate(graceMs = 2000): Promise<void> {
    if (this.#exited) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, graceMs);
      this.#terminated = () => {
        clearTimeout(timer);
        resolve();
      };
      this.#worker.postMessage({ kind: "terminate" } satisfies HostToWorker);
    });
    this.#terminated ??= () => undefined;
    await this.#worker.terminate();
  }
}
