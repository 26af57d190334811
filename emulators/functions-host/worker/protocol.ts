// Messages between the host and the language worker (a child process that loads the app), over IPC.
// They mirror the Functions host ⇄ Node worker gRPC contract: the host only ever sees binding metadata and
// typed data, never the app's objects, exactly as with the real host.

/** RpcTypedData of the worker protocol (only the forms this host sends or receives). */
export interface RpcTypedData {
  string?: string;
  json?: string;
  bytes?: Uint8Array;
  int?: number;
  double?: number;
  http?: RpcHttpData;
}

export interface RpcNullable<T> {
  value?: T;
}

export interface RpcHttpCookie {
  name: string;
  value: string;
  domain?: RpcNullable<string>;
  path?: RpcNullable<string>;
  expires?: RpcNullable<{ seconds?: number; nanos?: number }>;
  secure?: RpcNullable<boolean>;
  httpOnly?: RpcNullable<boolean>;
  sameSite?: "none" | "lax" | "strict" | "explicitNone";
  maxAge?: RpcNullable<number>;
}

export interface RpcHttpData {
  method?: string;
  url?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  params?: Record<string, string>;
  body?: RpcTypedData | null;
  statusCode?: string;
  cookies?: RpcHttpCookie[];
  enableContentNegotiation?: boolean;
}

/** One binding of a registered function, as `@azure/functions` passes it to `registerFunction`. */
export interface BindingInfo {
  type: string;
  direction?: "in" | "out" | "inout";
  [property: string]: unknown;
}

export interface FunctionMetadata {
  name: string;
  bindings: Record<string, BindingInfo>;
  retryOptions?: unknown;
}

export interface ParameterBinding {
  name: string;
  data: RpcTypedData;
}

export interface WorkerInit {
  appDir: string;
  hostVersion: string;
}

export type HostToWorker =
  | {
      kind: "invoke";
      invocationId: string;
      functionId: string;
      inputData: ParameterBinding[];
      triggerMetadata?: Record<string, RpcTypedData>;
    }
  | { kind: "terminate" };

export type InvocationResult =
  | { ok: true; returnValue: RpcTypedData | null | undefined; outputData: ParameterBinding[] }
  | {
      ok: false;
      error: { message: string; stack?: string };
      /** Set by the host: the worker died mid-call. */ workerLost?: boolean;
    };

export type WorkerToHost =
  | { kind: "indexed"; functions: FunctionMetadata[] }
  | { kind: "startupFailed"; message: string }
  | ({ kind: "result"; invocationId: string } & InvocationResult)
  | {
      kind: "log";
      invocationId?: string;
      functionName?: string;
      level: string;
      category: string;
      message: string;
    }
  | { kind: "terminated" };
