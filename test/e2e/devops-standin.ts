// A local stand-in for Azure DevOps' side of a server job, over HTTPS with the stack's CA: it runs a
// server task's HTTP call as the service does (devops-tasks.ts: the task's definition, the service
// connection's authorization replacing the Authorization header), and serves the two endpoints the
// callback uses: the plan events API (records TaskCompleted and the Authorization it came with, and
// completes the task's timeline record) and the timeline records API. Faults: fail the next N event
// POSTs with 500, or hold a task's event — applied, as Azure DevOps would, but never answered — so a
// test can kill the Functions host while its POST is in flight.
import type { ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createServer, type Server } from "node:https";
import { ensureLocalCa, issueServerCertificate } from "../../emulators/common/tls.js";
import { serverRequest, type ServerRequest, type TaskContext, type TaskStep } from "./devops-tasks.js";

export interface ReceivedEvent {
  path: string;
  authorization: string | undefined;
  body: { name?: string; taskId?: string; jobId?: string; result?: string };
  /** Answered 2xx and applied (500s are recorded but not applied). */
  applied: boolean;
}

interface TimelineRecord {
  id: string;
  state: "pending" | "inProgress" | "completed";
  result?: string;
}

type SystemVariable =
  | "System.CollectionUri"
  | "System.TeamProjectId"
  | "System.HostType"
  | "System.PlanId"
  | "System.JobId"
  | "System.TimelineId"
  | "System.TaskInstanceId"
  | "System.AccessToken";

/** A server task the stand-in ran: what it sent and what the API answered. */
export interface TaskRun {
  taskInstanceId: string;
  request: ServerRequest;
  status: number;
  headers: Headers;
  body: string;
}

const EVENTS = /^\/[^/]+\/_apis\/distributedtask\/hubs\/[^/]+\/plans\/([^/]+)\/events$/;
const RECORDS = /^\/[^/]+\/_apis\/distributedtask\/hubs\/[^/]+\/plans\/([^/]+)\/timelines\/([^/]+)\/records$/;

export class DevOpsStandIn {
  readonly events: ReceivedEvent[] = [];
  private readonly records = new Map<string, TimelineRecord>();
  private readonly failures = new Map<string, number>();
  private readonly held = new Set<string>();
  private readonly heldArrived = new Map<string, () => void>();
  private server!: Server;
  /** PlanUrl as the pipeline sends it ($(System.CollectionUri)), ending with "/". */
  planUrl = "";
  /** The AuthToken the stand-in accepts (System.AccessToken). */
  readonly tokens = new Set<string>();

  static async start(stateDir: string): Promise<DevOpsStandIn> {
    const s = new DevOpsStandIn();
    const cert = await issueServerCertificate(await ensureLocalCa(stateDir));
    s.server = createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
      let text = "";
      req.on("data", (c: Buffer) => (text += c.toString()));
      req.on("end", () =>
        s.handle(req.method ?? "GET", req.url ?? "/", req.headers.authorization, text, res),
      );
    });
    await new Promise<void>((resolve) => s.server.listen(0, "127.0.0.1", resolve));
    s.planUrl = `https://127.0.0.1:${(s.server.address() as AddressInfo).port}/org/`;
    return s;
  }

  /** Headers an AzureFunction@1 task in callback mode sends for a new task of the pipeline. */
  taskHeaders(taskInstanceId: string, token = `ado-token-${taskInstanceId}-secret`): Record<string, string> {
    const v = this.systemVariables(taskInstanceId, token);
    return {
      PlanUrl: v["System.CollectionUri"],
      ProjectId: v["System.TeamProjectId"],
      HubName: v["System.HostType"],
      PlanId: v["System.PlanId"],
      JobId: v["System.JobId"],
      TimelineId: v["System.TimelineId"],
      TaskInstanceId: v["System.TaskInstanceId"],
      AuthToken: v["System.AccessToken"],
    };
  }

  /** A new task of the pipeline: its system variables, its timeline record, its accepted AuthToken. */
  private systemVariables(taskInstanceId: string, token: string): Record<SystemVariable, string> {
    this.tokens.add(token);
    this.records.set(taskInstanceId, { id: taskInstanceId, state: "inProgress" });
    return {
      "System.CollectionUri": this.planUrl,
      "System.TeamProjectId": "6a5b8c1e-0000-4000-8000-00000000beef",
      "System.HostType": "build",
      "System.PlanId": "plan-0001",
      "System.JobId": "job-0001",
      "System.TimelineId": "timeline-0001",
      "System.TaskInstanceId": taskInstanceId,
      "System.AccessToken": token,
    };
  }

  /**
   * Runs a server job's task as Azure DevOps does: resolves its inputs with the pipeline's and the
   * system's variables, calls with the service connection's authorization, and keeps the task's
   * timeline record: failed at once on a non-2xx answer; with waitForCompletion, in progress until
   * a TaskCompleted arrives; otherwise succeeded on 200 (the default success criterion).
   */
  async run(step: TaskStep, ctx: TaskContext, taskInstanceId: string): Promise<TaskRun> {
    const variables = {
      ...ctx.variables,
      ...this.systemVariables(taskInstanceId, `ado-token-${taskInstanceId}-secret`),
    };
    const request = await serverRequest(step, { ...ctx, variables });
    const r = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      ...(request.body !== undefined ? { body: request.body } : {}),
    });
    const rec = this.records.get(taskInstanceId)!;
    if (!r.ok) Object.assign(rec, { state: "completed", result: "failed" });
    else if (!request.waitForCompletion)
      Object.assign(rec, { state: "completed", result: r.status === 200 ? "succeeded" : "failed" });
    return { taskInstanceId, request, status: r.status, headers: r.headers, body: await r.text() };
  }

  /** The task's next `n` TaskCompleted POSTs answer 500 (and are not applied). */
  failNext(taskInstanceId: string, n: number): void {
    this.failures.set(taskInstanceId, n);
  }

  /** The task's TaskCompleted will be applied but not answered; resolves when it arrives. */
  hold(taskInstanceId: string): Promise<void> {
    this.held.add(taskInstanceId);
    return new Promise((resolve) => this.heldArrived.set(taskInstanceId, resolve));
  }

  applied(taskInstanceId: string): ReceivedEvent[] {
    return this.events.filter((e) => e.applied && e.body.taskId === taskInstanceId);
  }

  record(taskInstanceId: string): TimelineRecord | undefined {
    return this.records.get(taskInstanceId);
  }

  private handle(
    method: string,
    rawUrl: string,
    authorization: string | undefined,
    text: string,
    res: ServerResponse,
  ): void {
    const url = new URL(rawUrl, "https://standin.invalid");
    const reply = (status: number, body?: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(body === undefined ? "" : JSON.stringify(body));
    };
    const token = /^Basic (.+)$/.exec(authorization ?? "")?.[1];
    const decoded = token ? Buffer.from(token, "base64").toString("utf8") : "";
    if (!decoded.startsWith(":") || !this.tokens.has(decoded.slice(1)))
      return reply(401, { message: "TF400813: The user is not authorized to access this resource." });

    const path = url.pathname.replace(/^\/org/, "");
    if (method === "GET" && RECORDS.test(path)) {
      const value = [...this.records.values()];
      return reply(200, { count: value.length, value });
    }
    if (method === "POST" && EVENTS.test(path)) {
      const body = JSON.parse(text || "{}") as ReceivedEvent["body"];
      if (url.searchParams.get("api-version") !== "2.0-preview.1")
        return reply(400, { message: "api-version 2.0-preview.1 expected" });
      const failures = this.failures.get(body.taskId ?? "") ?? 0;
      if (failures > 0) {
        this.failures.set(body.taskId ?? "", failures - 1);
        this.events.push({ path, authorization, body, applied: false });
        return reply(500, { message: "VS402... transient failure (stand-in)" });
      }
      this.events.push({ path, authorization, body, applied: true });
      const rec = body.taskId ? this.records.get(body.taskId) : undefined;
      if (rec && body.name === "TaskCompleted") {
        rec.state = "completed";
        if (body.result) rec.result = body.result;
      }
      if (body.taskId && this.held.delete(body.taskId)) {
        this.heldArrived.get(body.taskId)?.();
        return; // never answered: the caller's connection dies with it
      }
      return reply(200);
    }
    return reply(404, { message: `no route ${method} ${path}` });
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
