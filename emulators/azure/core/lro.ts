// The one long-running-operation engine. A provider starts an operation with a duration; the engine
// answers ARM's polling endpoints (Azure-AsyncOperation status and Location results) and, when the
// operation is due, calls the provider's completer, which moves the resource to its final state.
// Operations are stored, so after a restart pending ones are rescheduled and old poll URLs still work.
import { randomUUID } from "node:crypto";
import type { CancelTimer, Clock } from "../../common/clock.js";
import { ArmErrors, operationFailed } from "./errors.js";
import type { ArmRequest, ArmResponse, Route } from "./router.js";
import type { Operation, Store } from "./store.js";

export interface Outcome {
  status: "Succeeded" | "Failed";
  error?: { code: string; message: string };
}

/** Finishes an operation; returns its outcome. Must be idempotent (it may rerun after a crash). */
export type Completer = (op: Operation) => Promise<Outcome>;
/** The resource body for a finished create/update (final Location poll answers 200 with it). */
export type ResultReader = (op: Operation) => unknown;

/**
 * The poll interval ARM suggests while an operation runs, in emulated seconds (Microsoft.Network and
 * ARM's resource-group deletes send 10-15 s). On the wire it is scaled by the time scale, capped by
 * the time left, and rounded up to whole seconds, at least 1: Retry-After is delta-seconds (RFC 9110),
 * the JS SDK reads it with parseInt, and az's poller (azure-core Python) falls back to its 30 s default
 * when it reads 0.
 */
export const RETRY_AFTER_SECONDS = 15;

export interface StartOptions {
  subscriptionId: string;
  providerNamespace: string;
  location: string;
  resourceId: string;
  handler: string;
  kind: Operation["kind"];
  /** Emulated seconds. */
  durationSeconds: number;
  failWith?: { code: string; message: string };
}

export class LroEngine {
  private readonly completers = new Map<string, Completer>();
  private readonly timers = new Map<string, CancelTimer>();
  private readonly running = new Map<string, Promise<void>>();
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly readResult: ResultReader,
  ) {}

  register(handler: string, completer: Completer): void {
    this.completers.set(handler, completer);
  }

  start(options: StartOptions): Operation {
    const now = this.clock.now();
    const op: Operation = {
      id: randomUUID(),
      subscriptionId: options.subscriptionId,
      providerNamespace: options.providerNamespace,
      location: options.location.replace(/\s/g, "").toLowerCase(),
      resourceId: options.resourceId,
      handler: options.handler,
      kind: options.kind,
      status: "InProgress",
      startTime: new Date(now).toISOString(),
      dueAt: now + this.clock.toWallMs(options.durationSeconds),
      ...(options.failWith ? { failWith: options.failWith } : {}),
    };
    this.store.state.operations[op.id] = op;
    this.store.save();
    this.schedule(op);
    return op;
  }

  /** Reschedules operations left in progress by a previous run. */
  resume(): void {
    for (const op of Object.values(this.store.state.operations))
      if (op.status === "InProgress") this.schedule(op);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const cancel of this.timers.values()) cancel();
    this.timers.clear();
    await Promise.allSettled([...this.running.values()]);
  }

  /** The resource id an operation status or result URL path is about (fault rules' `operationOf`). */
  operationOf(path: string): string | undefined {
    const id = /\/operation(?:s|results)\/([^/]+)$/i.exec(path)?.[1];
    if (!id) return undefined;
    return (this.store.state.operations[id.toLowerCase()] ?? this.store.state.operations[id])?.resourceId;
  }

  /** Operations still running for a resource (e.g. to refuse a PUT while one is in flight). */
  active(resourceId: string): Operation[] {
    const id = resourceId.toLowerCase();
    return Object.values(this.store.state.operations).filter(
      (o) => o.status === "InProgress" && o.resourceId.toLowerCase() === id,
    );
  }

  /** Waits until every running operation has finished (tests, shutdown). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.running.values()]);
  }

  private schedule(op: Operation): void {
    const cancel = this.clock.schedule(op.dueAt, () => {
      this.timers.delete(op.id);
      const run = this.complete(op.id).finally(() => this.running.delete(op.id));
      this.running.set(op.id, run);
    });
    this.timers.set(op.id, cancel);
  }

  private async complete(id: string): Promise<void> {
    const op = this.store.state.operations[id];
    if (!op || op.status !== "InProgress" || this.stopped) return;
    const completer = this.completers.get(op.handler);
    let outcome: Outcome;
    try {
      if (!completer) throw new Error(`no completer for ${op.handler}`);
      outcome = await completer(op);
    } catch (e) {
      outcome = {
        status: "Failed",
        error: { code: "InternalOperationError", message: (e as Error).message },
      };
    }
    if (this.stopped) return;
    op.status = outcome.status;
    op.endTime = new Date(this.clock.now()).toISOString();
    if (outcome.error) op.error = outcome.error;
    this.store.save();
  }

  /** Azure-AsyncOperation URL for an operation. */
  asyncOperationUrl(req: ArmRequest, op: Operation): string {
    return `${req.baseUrl}/subscriptions/${op.subscriptionId}/providers/${op.providerNamespace}/locations/${op.location}/operations/${op.id}?api-version=${encodeURIComponent(req.apiVersion)}`;
  }

  /** Location URL for an operation. */
  locationUrl(req: ArmRequest, op: Operation): string {
    return `${req.baseUrl}/subscriptions/${op.subscriptionId}/providers/${op.providerNamespace}/locations/${op.location}/operationresults/${op.id}?api-version=${encodeURIComponent(req.apiVersion)}`;
  }

  /** Retry-After (whole wall seconds, at least 1) while `op` runs; nothing once it has finished. */
  retryAfter(op: Operation): Record<string, string> {
    if (op.status !== "InProgress") return {};
    const leftMs = Math.max(0, op.dueAt - this.clock.now());
    const wallSeconds = Math.min(this.clock.toWallMs(RETRY_AFTER_SECONDS), leftMs) / 1000;
    return { "Retry-After": String(Math.max(1, Math.ceil(wallSeconds))) };
  }

  /** Headers for a response that started `op`: both Azure-AsyncOperation and Location, as ARM RPs do. */
  headers(req: ArmRequest, op: Operation): Record<string, string> {
    return {
      "Azure-AsyncOperation": this.asyncOperationUrl(req, op),
      Location: this.locationUrl(req, op),
      ...this.retryAfter(op),
    };
  }

  /** Headers for a PUT or PATCH that started `op`: Azure-AsyncOperation (the body is the resource). */
  asyncHeaders(req: ArmRequest, op: Operation): Record<string, string> {
    return { "Azure-AsyncOperation": this.asyncOperationUrl(req, op), ...this.retryAfter(op) };
  }

  /** Headers for a resource-group delete: ARM's subscription-level operation results. */
  subscriptionResultHeaders(req: ArmRequest, op: Operation): Record<string, string> {
    return {
      Location: `${req.baseUrl}/subscriptions/${op.subscriptionId}/operationresults/${op.id}?api-version=${encodeURIComponent(req.apiVersion)}`,
      ...this.retryAfter(op),
    };
  }

  private find(id: string, subscriptionId: string): Operation {
    const op = this.store.state.operations[id.toLowerCase()] ?? this.store.state.operations[id];
    if (!op || op.subscriptionId.toLowerCase() !== subscriptionId.toLowerCase())
      throw ArmErrors.OperationNotFound(id);
    return op;
  }

  private statusBody(op: Operation) {
    return {
      id: `/subscriptions/${op.subscriptionId}/providers/${op.providerNamespace}/locations/${op.location}/operations/${op.id}`,
      name: op.id,
      status: op.status,
      startTime: op.startTime,
      ...(op.endTime ? { endTime: op.endTime } : {}),
      ...(op.error ? { error: op.error } : {}),
    };
  }

  /** ARM's resource-group operation results end 200; resource providers end deletes 204. */
  private result(req: ArmRequest, op: Operation, deletedStatus = 204): ArmResponse {
    if (op.status === "InProgress")
      return {
        status: 202,
        headers: {
          Location: `${req.baseUrl}${req.path}?api-version=${encodeURIComponent(req.apiVersion)}`,
          ...this.retryAfter(op),
        },
      };
    if (op.status !== "Succeeded") throw operationFailed(op.error);
    if (op.kind === "delete") return { status: deletedStatus };
    return { status: 200, body: this.readResult(op) };
  }

  routes(): Route[] {
    const status = (req: ArmRequest, p: Record<string, string>): ArmResponse => {
      const op = this.find(p["id"]!, p["sub"]!);
      return { status: 200, body: this.statusBody(op), headers: this.retryAfter(op) };
    };
    const result = (req: ArmRequest, p: Record<string, string>) =>
      this.result(req, this.find(p["id"]!, p["sub"]!));
    const groupResult = (req: ArmRequest, p: Record<string, string>) =>
      this.result(req, this.find(p["id"]!, p["sub"]!), 200);
    return [
      {
        method: "GET",
        kind: "read",
        pattern: "/subscriptions/{sub}/providers/{ns}/locations/{loc}/operations/{id}",
        handler: status,
      },
      {
        method: "GET",
        kind: "read",
        pattern: "/subscriptions/{sub}/providers/{ns}/locations/{loc}/operationresults/{id}",
        handler: result,
      },
      // Resource-group deletes use ARM's subscription-level operation results.
      {
        method: "GET",
        kind: "read",
        pattern: "/subscriptions/{sub}/operationresults/{id}",
        handler: groupResult,
      },
    ];
  }
}
