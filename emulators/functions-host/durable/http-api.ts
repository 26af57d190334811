// The Durable HTTP API (EXT: HttpApiHandler.cs) under /runtime/webhooks/durabletask and the local RPC base,
// with the extension's status codes: 202 accepted/running, 200 done, 404 unknown, 410 gone, 400 bad input.
import { randomUUID } from "node:crypto";
import type { Clock } from "../../common/clock.js";
import type { FunctionIndex } from "../functions.js";
import { jsonResponse, header, type HostRequest, type HostResponse } from "../http/types.js";
import { checkStatusBody, managementUrls } from "./client-binding.js";
import { EventType, historyEvent } from "./history.js";
import { statusPayload, type StatusOptions } from "./status.js";
import { isTerminal, type InstanceQuery, type MessageKind, type TaskHubStore } from "./store.js";

export interface DurableApiOptions {
  store: TaskHubStore;
  clock: Clock;
  functions: () => FunctionIndex;
  hubName: string;
  systemKey: string;
  /** New work was queued: the dispatcher should look. */
  kick: () => void;
}

const STATUSES = [
  "Running",
  "Pending",
  "Failed",
  "Canceled",
  "Terminated",
  "Completed",
  "ContinuedAsNew",
  "Suspended",
];
const DEFAULT_PAGE_SIZE = 100;

const error = (status: number, message: string): HostResponse => jsonResponse(status, { Message: message });
const empty = (status: number, headers: Record<string, string> = {}): HostResponse => ({ status, headers });

function boolParam(q: URLSearchParams, name: string, fallback: boolean): boolean {
  const v = q.get(name);
  return v === null ? fallback : v.toLowerCase() === "true";
}

function timeParam(q: URLSearchParams, name: string): number | undefined | "invalid" {
  const v = q.get(name);
  if (!v) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? "invalid" : t;
}

export function validInstanceId(id: string): boolean {
  // Azure Storage's rules for instance ids: no / \ # ? or control characters, at most 256 characters.
  return (
    id.length > 0 &&
    id.length <= 256 &&
    ![...id].some((c) => "/\\#?".includes(c) || c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127)
  );
}

export class DurableHttpApi {
  constructor(private readonly o: DurableApiOptions) {}

  /** `path` is what follows the webhook or RPC base, e.g. `instances/abc/raiseEvent/Approval`. */
  async handle(req: HostRequest, path: string, origin: string): Promise<HostResponse> {
    const segments = path.split("/").map((s) => decodeURIComponent(s));
    const [first, ...rest] = segments;
    const method = req.method.toUpperCase();
    if (first === "orchestrators" && rest.length >= 1 && rest.length <= 2) {
      if (method !== "POST") return empty(404);
      return this.#start(req, rest[0]!, rest[1], origin);
    }
    if (first === "instances") {
      const [id, operation, eventName, ...extra] = rest;
      if (extra.length > 0) return empty(404);
      if (!id) {
        if (method === "GET") return this.#list(req);
        if (method === "DELETE") return this.#purgeBy(req);
        return empty(404);
      }
      if (operation === undefined) {
        if (method === "GET") return this.#status(req, id);
        if (method === "DELETE") return this.#purge(id);
        return empty(404);
      }
      if (method !== "POST") return empty(404);
      switch (operation.toLowerCase()) {
        case "raiseevent":
          return eventName ? this.#raise(req, id, eventName) : empty(404);
        case "terminate":
          return this.#control(req, id, "terminate");
        case "suspend":
          return this.#control(req, id, "suspend");
        case "resume":
          return this.#control(req, id, "resume");
        case "restart":
          return this.#restart(req, id, origin);
        case "rewind":
          return this.#rewind(id);
        default:
          return empty(404);
      }
    }
    if (first === "entities")
      return error(501, "Durable entities are not supported by the local Functions host.");
    return empty(404);
  }

  #links(origin: string, id: string): ReturnType<typeof managementUrls> {
    return managementUrls(origin, this.o.hubName, this.o.systemKey, id);
  }

  #checkStatus(origin: string, id: string): HostResponse {
    const links = this.#links(origin, id);
    return jsonResponse(202, checkStatusBody(links), {
      Location: links.statusQueryGetUri,
      "Retry-After": "10",
    });
  }

  async #start(
    req: HostRequest,
    name: string,
    requestedId: string | undefined,
    origin: string,
  ): Promise<HostResponse> {
    const fn = this.o.functions().get(name, "orchestration");
    if (!fn) {
      return error(
        400,
        `One or more of the arguments submitted is incorrect: the function '${name}' doesn't exist, is disabled, or is not an orchestrator function.`,
      );
    }
    if (requestedId !== undefined && !validInstanceId(requestedId))
      return error(400, `Invalid instance id '${requestedId}'.`);
    let input = "null";
    const text = req.body.toString("utf8");
    if (text.trim() !== "") {
      try {
        input = JSON.stringify(JSON.parse(text));
      } catch {
        return error(400, "Invalid JSON content");
      }
    }
    const instanceId = requestedId ?? randomUUID().replace(/-/g, "");
    const version = req.url.searchParams.get("version") ?? undefined;
    const created = this.o.store.createInstance(
      { instanceId, name: fn.name, input, ...(version ? { version } : {}) },
      this.o.clock.now(),
    );
    if (!created) {
      // DTFx throws InvalidOperationException here, which the extension turns into a 500.
      return error(
        500,
        `An orchestration instance with the ID '${instanceId}' already exists and is still running.`,
      );
    }
    this.o.kick();
    const timeout = Number(req.url.searchParams.get("timeout"));
    if (timeout > 0) return this.#waitForCompletion(instanceId, timeout * 1000, origin);
    return this.#checkStatus(origin, instanceId);
  }

  async #waitForCompletion(instanceId: string, timeoutMs: number, origin: string): Promise<HostResponse> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const instance = this.o.store.getInstance(instanceId);
      if (instance && isTerminal(instance.runtimeStatus)) {
        if (instance.runtimeStatus === "Completed")
          return jsonResponse(200, JSON.parse(instance.output ?? "null"));
        return jsonResponse(
          200,
          statusPayload(instance, { showInput: true, showHistory: false, showHistoryOutput: false }),
        );
      }
      if (Date.now() >= deadline) return this.#checkStatus(origin, instanceId);
      await new Promise((r) => setTimeout(r, Math.min(100, Math.max(1, deadline - Date.now()))));
    }
  }

  #status(req: HostRequest, id: string): HostResponse {
    const instance = this.o.store.getInstance(id);
    if (!instance) return empty(404);
    const q = req.url.searchParams;
    const options: StatusOptions = {
      showInput: boolParam(q, "showInput", true),
      showHistory: boolParam(q, "showHistory", false),
      showHistoryOutput: boolParam(q, "showHistoryOutput", false),
    };
    const body = statusPayload(
      instance,
      options,
      options.showHistory ? this.o.store.getHistory(id) : undefined,
    );
    switch (instance.runtimeStatus) {
      case "Running":
      case "Pending":
      case "ContinuedAsNew":
      case "Suspended":
        return jsonResponse(202, body, { Location: req.url.href, "Retry-After": "5" });
      case "Failed":
        return jsonResponse(boolParam(q, "returnInternalServerErrorOnFailure", false) ? 500 : 200, body);
      default:
        return jsonResponse(200, body);
    }
  }

  #query(req: HostRequest): InstanceQuery | HostResponse {
    const q = req.url.searchParams;
    const from = timeParam(q, "createdTimeFrom");
    const to = timeParam(q, "createdTimeTo");
    if (from === "invalid" || to === "invalid")
      return error(400, "createdTimeFrom and createdTimeTo must be ISO 8601 times.");
    const statuses = (q.get("runtimeStatus") ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean)
      .map((s) => STATUSES.find((k) => k.toLowerCase() === s.toLowerCase()) ?? s);
    const unknown = statuses.filter((s) => !STATUSES.includes(s));
    if (unknown.length > 0) return error(400, `Unknown runtimeStatus value(s): ${unknown.join(", ")}`);
    const prefix = q.get("instanceIdPrefix") ?? undefined;
    return {
      ...(from !== undefined ? { createdFrom: from } : {}),
      ...(to !== undefined ? { createdTo: to } : {}),
      ...(statuses.length ? { statuses } : {}),
      ...(prefix ? { instanceIdPrefix: prefix } : {}),
    };
  }

  #list(req: HostRequest): HostResponse {
    const query = this.#query(req);
    if ("status" in query) return query;
    const pageSize = Number(req.url.searchParams.get("top") ?? DEFAULT_PAGE_SIZE) || DEFAULT_PAGE_SIZE;
    const token = header(req, "x-ms-continuation-token");
    let after: InstanceQuery["after"];
    if (token && token !== "null") {
      try {
        after = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as InstanceQuery["after"];
      } catch {
        return error(400, "Invalid continuation token.");
      }
    }
    const page = this.o.store.queryInstances({ ...query, top: pageSize + 1, ...(after ? { after } : {}) });
    const more = page.length > pageSize;
    const items = page.slice(0, pageSize);
    const showInput = boolParam(req.url.searchParams, "showInput", true);
    const headers: Record<string, string> = {};
    const last = items[items.length - 1];
    if (more && last) {
      headers["x-ms-continuation-token"] = Buffer.from(
        JSON.stringify({ createdTime: last.createdTime, instanceId: last.instanceId }),
      ).toString("base64url");
    }
    return jsonResponse(
      200,
      items.map((i) => statusPayload(i, { showInput, showHistory: false, showHistoryOutput: false })),
      headers,
    );
  }

  #purge(id: string): HostResponse {
    const deleted = this.o.store.purge([id]);
    if (deleted === 0) return empty(404);
    return jsonResponse(200, { instancesDeleted: deleted });
  }

  #purgeBy(req: HostRequest): HostResponse {
    const query = this.#query(req);
    if ("status" in query) return query;
    if (query.createdFrom === undefined)
      return jsonResponse(400, "Please provide value for 'createdTimeFrom' parameter.");
    const ids = this.o.store
      .queryInstances({ createdTo: this.o.clock.now(), ...query })
      .map((i) => i.instanceId);
    const deleted = this.o.store.purge(ids);
    if (deleted === 0) return empty(404);
    return jsonResponse(200, { instancesDeleted: deleted });
  }

  #raise(req: HostRequest, id: string, eventName: string): HostResponse {
    const instance = this.o.store.getInstance(id);
    if (!instance) return empty(404);
    if (isTerminal(instance.runtimeStatus)) return empty(410);
    const mediaType = (header(req, "content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    if (mediaType !== "application/json")
      return error(400, "Only application/json request content is supported");
    const text = req.body.toString("utf8");
    let input = "";
    if (text.trim() !== "") {
      try {
        input = JSON.stringify(JSON.parse(text));
      } catch {
        return error(400, "Invalid JSON content");
      }
    }
    const now = this.o.clock.now();
    this.o.store.enqueue(
      id,
      null,
      "event",
      historyEvent(EventType.EventRaised, now, { Name: eventName, Input: input }),
      now,
    );
    this.o.kick();
    return empty(202);
  }

  #control(req: HostRequest, id: string, kind: MessageKind): HostResponse {
    const instance = this.o.store.getInstance(id);
    if (!instance) return empty(404);
    if (isTerminal(instance.runtimeStatus)) return empty(410);
    const now = this.o.clock.now();
    const reason = req.url.searchParams.get("reason") ?? "";
    this.o.store.enqueue(id, null, kind, historyEvent(EventType.GenericEvent, now, { Reason: reason }), now);
    this.o.kick();
    return empty(202);
  }

  #restart(req: HostRequest, id: string, origin: string): HostResponse {
    const instance = this.o.store.getInstance(id);
    if (!instance) return error(400, "InstanceId does not match a valid orchestration instance.");
    const sameId = req.url.searchParams.get("restartWithNewInstanceId")?.toLowerCase() === "false";
    const newId = sameId ? id : randomUUID().replace(/-/g, "");
    const created = this.o.store.createInstance(
      { instanceId: newId, name: instance.name, input: instance.input, version: instance.version },
      this.o.clock.now(),
    );
    if (!created)
      return error(
        500,
        `An orchestration instance with the ID '${newId}' already exists and is still running.`,
      );
    this.o.kick();
    return this.#checkStatus(origin, newId);
  }

  #rewind(id: string): HostResponse {
    const instance = this.o.store.getInstance(id);
    if (!instance) return empty(404);
    if (instance.runtimeStatus !== "Failed" && isTerminal(instance.runtimeStatus)) return empty(410);
    return error(501, "Rewind is not supported by the local Functions host.");
  }
}
