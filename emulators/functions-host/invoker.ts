// Invokes a function in the language worker and writes the one log line per invocation the host promises
// (function, invocation id, duration, outcome).
import { randomUUID } from "node:crypto";
import type { HostedFunction } from "./functions.js";
import type { LanguageWorker } from "./language-worker-host.js";
import type { Logger } from "./log.js";
import type { InvocationResult, ParameterBinding, RpcTypedData } from "./worker/protocol.js";

export type Invocation = InvocationResult & { invocationId: string; durationMs: number };

export class Invoker {
  constructor(
    /** The language worker that runs `fn` (HTTP triggers may have one of their own). */
    private readonly worker: (fn: HostedFunction) => LanguageWorker | undefined,
    private readonly logger: Logger,
    /** The durableClient binding payload, given to every function that declares such an input. */
    private readonly durableClientData: () => object,
  ) {}

  async invoke(
    fn: HostedFunction,
    inputData: ParameterBinding[],
    triggerMetadata?: Record<string, RpcTypedData>,
  ): Promise<Invocation> {
    const invocationId = randomUUID();
    if (fn.durableClientBindings.length > 0) {
      const client = JSON.stringify(this.durableClientData());
      inputData = [
        ...inputData,
        ...fn.durableClientBindings.map((name) => ({ name, data: { string: client } })),
      ];
    }
    const started = performance.now();
    const worker = this.worker(fn);
    const result: InvocationResult = worker
      ? await worker.invoke({
          functionId: fn.name,
          inputData,
          invocationId,
          ...(triggerMetadata ? { triggerMetadata } : {}),
        })
      : { ok: false, error: { message: "The language worker is not running." }, workerLost: true };
    const durationMs = Math.round((performance.now() - started) * 10) / 10;
    const outcome = result.ok ? "Succeeded" : "Failed";
    this.logger.log(
      result.ok ? "information" : "warning",
      `Executed 'Functions.${fn.name}' (${outcome}, Id=${invocationId}, Duration=${durationMs}ms)` +
        (result.ok ? "" : `: ${firstLine(result.error.message)}`),
    );
    return { ...result, invocationId, durationMs };
  }
}

function firstLine(message: string): string {
  const line = message.split("\n")[0] ?? "";
  return line.length > 300 ? line.slice(0, 300) + "…" : line;
}

/** The JS value of typed data a function returned (the inverse of toRpcTypedData). */
export function fromTypedData(data: RpcTypedData | null | undefined): unknown {
  if (!data) return null;
  if (data.json !== undefined) return JSON.parse(data.json) as unknown;
  if (data.string !== undefined) return data.string;
  if (data.int !== undefined) return data.int;
  if (data.double !== undefined) return data.double;
  if (data.bytes !== undefined) return Buffer.from(data.bytes).toString("base64");
  return null;
}
