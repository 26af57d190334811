// The language worker: a child process that plays the role of the Node.js Functions worker process. It
// provides `@azure/functions-core`, loads the unmodified app, reports the registrations and invokes functions
// through the captured programming model (WK: eventHandlers/InvocationHandler.ts), so every data conversion is
// the one `@azure/functions` itself does. Being its own process, the app gets its own environment (including
// variables read at start-up such as NODE_EXTRA_CA_CERTS), module cache and crash domain, as in Azure.
import { createRequire } from "node:module";
import { loadEntryFiles } from "./app-entry.js";
import { CoreRegistry, type CoreInvocationContext } from "./core-api.js";
import type {
  HostToWorker,
  InvocationResult,
  ParameterBinding,
  RpcTypedData,
  WorkerInit,
  WorkerToHost,
} from "./protocol.js";

const init = JSON.parse(process.argv[2] ?? "{}") as WorkerInit;
const post = (message: WorkerToHost, then?: () => void): void => {
  if (process.connected) process.send!(message, undefined, {}, () => then?.());
};
// The host went away (stopped, or killed with -9): nothing can report results any more.
process.on("disconnect", () => process.exit(0));

const registry = new CoreRegistry(init.hostVersion, (level, category, message) =>
  emitLog(level, category, message),
);
const appHookData: Record<string, unknown> = {};

/** Runs the app's `log` hooks (which may change level and message), then sends the line to the host. */
function emitLog(
  level: string,
  category: string,
  message: string,
  invocation?: { invocationId: string; functionName: string; context: unknown },
): void {
  const hookContext = {
    hookData: {},
    appHookData,
    level,
    category,
    message,
    invocationContext: invocation?.context,
  };
  for (const hook of registry.hooks.get("log") ?? []) {
    try {
      void hook(hookContext);
    } catch (err) {
      post({ kind: "log", level: "error", category: "system", message: `log hook failed: ${String(err)}` });
    }
  }
  post({
    kind: "log",
    level: hookContext.level,
    category,
    message: hookContext.message,
    ...(invocation ? { invocationId: invocation.invocationId, functionName: invocation.functionName } : {}),
  });
}

interface ModuleLoader {
  _load(request: string, parent: unknown, isMain: boolean): unknown;
}
const Module = createRequire(import.meta.url)("node:module") as ModuleLoader;
const coreModule = registry.module();
const originalLoad = Module._load;
Module._load = function (request: string, parent: unknown, isMain: boolean): unknown {
  if (request === "@azure/functions-core") return coreModule;
  return originalLoad.call(this, request, parent, isMain);
};

function readOnly<T extends object>(target: T, props: Record<string, () => unknown>): T {
  for (const [key, get] of Object.entries(props)) {
    Object.defineProperty(target, key, {
      get,
      set: () => {
        throw new Error(`Cannot assign to read only property '${key}'`);
      },
      enumerable: true,
    });
  }
  return target;
}

async function startUp(): Promise<void> {
  await loadEntryFiles(init.appDir);
  registry.lock();
  const model = registry.programmingModel;
  if (!model) {
    if (registry.functions.size === 0) throw new Error("The app registered no functions.");
    throw new Error("The app registered functions but no programming model (is @azure/functions v4 used?).");
  }
  const capabilities = await model.getCapabilities({});
  if (capabilities["HttpUri"]) {
    throw new Error(
      "HTTP streaming (app.setup({ enableHttpStream: true })) is not supported by the local host.",
    );
  }
  await registry.runHooks(
    "appStart",
    readOnly({ functionAppDirectory: init.appDir } as object, {
      hookData: () => ({}),
      appHookData: () => appHookData,
    }),
  );
  post({ kind: "indexed", functions: [...registry.functions.values()].map((f) => f.metadata) });
}

async function invoke(message: Extract<HostToWorker, { kind: "invoke" }>): Promise<InvocationResult> {
  const registered = registry.functions.get(message.functionId);
  if (!registered)
    throw new Error(`Function code for '${message.functionId}' is not loaded and cannot be invoked.`);
  const { metadata } = registered;
  let callback = registered.callback;
  const coreContext: CoreInvocationContext = {
    invocationId: message.invocationId,
    request: {
      invocationId: message.invocationId,
      functionId: message.functionId,
      inputData: message.inputData,
      triggerMetadata: message.triggerMetadata ?? {},
    },
    metadata: { name: metadata.name, functionId: message.functionId, bindings: metadata.bindings },
    log: (level, category, text) =>
      emitLog(level, category, text, {
        invocationId: message.invocationId,
        functionName: metadata.name,
        context: current.context,
      }),
  };
  const current: { context?: unknown } = {};
  const model = await registry.programmingModel!.getInvocationModel(coreContext);
  const hookData: Record<string, unknown> = {};
  const args = await model.getArguments();
  const context = args.context;
  current.context = context;
  let inputs = args.inputs;
  const pre = readOnly(
    { functionCallback: callback, inputs } as { functionCallback: typeof callback; inputs: unknown[] },
    {
      hookData: () => hookData,
      appHookData: () => appHookData,
      invocationContext: () => context,
    },
  );
  coreContext.state = "preInvocationHooks";
  try {
    await registry.runHooks("preInvocation", pre);
  } finally {
    coreContext.state = undefined;
  }
  inputs = pre.inputs;
  callback = pre.functionCallback;
  const post_ = readOnly(
    { inputs, result: null as unknown, error: null as unknown },
    {
      hookData: () => hookData,
      appHookData: () => appHookData,
      invocationContext: () => context,
    },
  );
  coreContext.state = "invocation";
  try {
    post_.result = await model.invokeFunction(context, inputs, callback);
  } catch (err) {
    post_.error = err;
  } finally {
    coreContext.state = undefined;
  }
  coreContext.state = "postInvocationHooks";
  try {
    await registry.runHooks("postInvocation", post_);
  } finally {
    coreContext.state = undefined;
  }
  if (post_.error) throw post_.error;
  const response = await model.getResponse(context, post_.result);
  return {
    ok: true,
    returnValue: response.returnValue as RpcTypedData | null | undefined,
    outputData: (response.outputData ?? []) as ParameterBinding[],
  };
}

function toError(err: unknown): { message: string; stack?: string } {
  if (err instanceof Error) return { message: err.message, ...(err.stack ? { stack: err.stack } : {}) };
  return { message: String(err) };
}

process.on("message", (message: HostToWorker) => {
  if (message.kind === "invoke") {
    invoke(message).then(
      (result) => post({ kind: "result", invocationId: message.invocationId, ...result }),
      (err: unknown) =>
        post({ kind: "result", invocationId: message.invocationId, ok: false, error: toError(err) }),
    );
  } else if (message.kind === "terminate") {
    registry
      .runHooks("appTerminate", readOnly({}, { hookData: () => ({}), appHookData: () => appHookData }))
      .catch((err: unknown) =>
        post({
          kind: "log",
          level: "error",
          category: "system",
          message: `appTerminate hook failed: ${toError(err).message}`,
        }),
      )
      .finally(() => post({ kind: "terminated" }, () => process.exit(0)));
  }
});

startUp().catch((err: unknown) => post({ kind: "startupFailed", message: toError(err).message }));
