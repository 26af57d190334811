// The `@azure/functions-core` module as the Node worker provides it (WK: setupCoreModule.ts): registrations,
// the programming model and hooks. `@azure/functions` requires it lazily on its first `app.*` call.
import type { FunctionMetadata } from "./protocol.js";

export type HookName = "appStart" | "appTerminate" | "preInvocation" | "postInvocation" | "log";
const HOOK_NAMES: readonly string[] = ["appStart", "appTerminate", "preInvocation", "postInvocation", "log"];

export type FunctionCallback = (...args: unknown[]) => unknown;
export type HookCallback = (context: object) => unknown;

/** The part of `@azure/functions`' ProgrammingModel the worker drives. */
export interface ProgrammingModel {
  name: string;
  version: string;
  getInvocationModel(coreContext: CoreInvocationContext): InvocationModel | Promise<InvocationModel>;
  getCapabilities(capabilities: Record<string, string>): Promise<Record<string, string>>;
}

export interface InvocationModel {
  getArguments(): Promise<{ context: unknown; inputs: unknown[] }>;
  invokeFunction(context: unknown, inputs: unknown[], callback: FunctionCallback): Promise<unknown>;
  getResponse(context: unknown, result: unknown): Promise<{ returnValue?: unknown; outputData?: unknown[] }>;
}

export interface CoreInvocationContext {
  invocationId: string;
  request: {
    invocationId: string;
    functionId: string;
    inputData: unknown[];
    triggerMetadata: Record<string, unknown>;
  };
  metadata: { name: string; functionId: string; bindings: FunctionMetadata["bindings"] };
  state?: "preInvocationHooks" | "postInvocationHooks" | "invocation";
  log(level: string, category: string, message: string): void;
}

export interface RegisteredFunction {
  metadata: FunctionMetadata;
  callback: FunctionCallback;
}

export class Disposable {
  #dispose: (() => void) | undefined;
  constructor(dispose: () => void) {
    this.#dispose = dispose;
  }
  static from(...items: { dispose(): void }[]): Disposable {
    return new Disposable(() => items.forEach((i) => i.dispose()));
  }
  dispose(): void {
    this.#dispose?.();
    this.#dispose = undefined;
  }
}

/** Registry behind the core module: one per worker, i.e. one per loaded app. */
export class CoreRegistry {
  readonly functions = new Map<string, RegisteredFunction>();
  readonly hooks = new Map<HookName, HookCallback[]>();
  programmingModel: ProgrammingModel | undefined;
  #locked = false;

  constructor(
    private readonly hostVersion: string,
    private readonly systemLog: (level: string, category: string, message: string) => void,
  ) {}

  /** After start-up no function may be registered any more (as in the worker). */
  lock(): void {
    this.#locked = true;
  }

  get locked(): boolean {
    return this.#locked;
  }

  /** The object handed to `require("@azure/functions-core")`. */
  module(): object {
    return coreModule(this, this.hostVersion, this.systemLog);
  }

  /** Runs the hooks of one kind in registration order, awaiting each (WK: hooks/executeHooks.ts). */
  async runHooks(name: HookName, context: object): Promise<void> {
    for (const hook of [...(this.hooks.get(name) ?? [])]) await hook(context);
  }
}

function coreModule(
  registry: CoreRegistry,
  hostVersion: string,
  systemLog: (level: string, category: string, message: string) => void,
): object {
  return {
    version: "3.10.1",
    get hostVersion() {
      return hostVersion;
    },
    Disposable,
    registerFunction(metadata: FunctionMetadata, callback: FunctionCallback): Disposable {
      if (registry.locked) throw new Error("A function can only be registered during app startup.");
      const id = (metadata as { functionId?: string }).functionId || metadata.name;
      if (registry.functions.has(id)) {
        throw new Error(`A function with the name "${id}" has already been registered.`);
      }
      registry.functions.set(id, { metadata, callback });
      return new Disposable(() => {
        if (registry.locked) throw new Error("A function can only be disposed during app startup.");
        registry.functions.delete(id);
      });
    },
    setProgrammingModel(model: ProgrammingModel): void {
      registry.programmingModel = model;
    },
    getProgrammingModel(): ProgrammingModel | undefined {
      return registry.programmingModel;
    },
    registerHook(name: string, callback: HookCallback): Disposable {
      if (!HOOK_NAMES.includes(name)) throw new Error(`"${name}" is not a valid hook name.`);
      const list = registry.hooks.get(name as HookName) ?? [];
      registry.hooks.set(name as HookName, list);
      list.push(callback);
      return new Disposable(() => {
        const i = list.indexOf(callback);
        if (i >= 0) list.splice(i, 1);
      });
    },
    log(level: string, category: string, message: string): void {
      systemLog(level, category, message);
    },
  };
}
