// What Azure DevOps does with an agentless (server job) HTTP task: the task's own definition, its
// `execution.HttpRequest.Execute` block copied verbatim from its task.json in
// microsoft/azure-pipelines-tasks, resolved the way the service resolves it where it matters here —
// which URL is called and with which Authorization. pipelines/README.md has the sources.
//
// - A task with a service connection (EndpointId) gets the connection's authorization, which
//   replaces an `Authorization` given in its `headers` input (MicrosoftDocs/azure-devops-docs#8597):
//   a Generic connection sends Basic <user>:<password>; an Azure Resource Manager connection sends a
//   bearer token for the task's `ResourceURL` when it names one, else for Azure Resource Manager.
// - Without a connection (AzureFunction@1, AzureFunction@2 without one) the headers go as written.
// - `$(endpoint.url)` of an Azure Resource Manager connection is Azure Resource Manager's endpoint:
//   InvokeRESTAPI@1 with such a connection can only call management APIs.

/** The microsoft/azure-pipelines-tasks commit the definitions below were copied from. */
export const TASKS_COMMIT = "299572e25b6cf14b21c7b60e5228603cbb5ffb42";

/** The tasks' default `headers` input: the server-job callback headers. */
const CALLBACK_HEADERS_DEFAULT =
  '{\n"Content-Type":"application/json", \n"PlanUrl": "$(system.CollectionUri)", \n"ProjectId": "$(system.TeamProjectId)", \n"HubName": "$(system.HostType)", \n"PlanId": "$(system.PlanId)", \n"JobId": "$(system.JobId)", \n"TimelineId": "$(system.TimelineId)", \n"TaskInstanceId": "$(system.TaskInstanceId)", \n"AuthToken": "$(system.AccessToken)"\n}';

interface TaskInput {
  name: string;
  aliases?: string[];
  defaultValue?: string;
}

interface TaskDefinition {
  /** Tasks/<dir>/task.json */
  source: string;
  inputs: TaskInput[];
  execute: {
    AllowEmptyEndpointId?: boolean;
    EndpointId: string;
    EndpointUrl: string;
    ResourceURL?: string;
    Method: string;
    Body: string;
    Headers: string;
    WaitForCompletion: string;
  };
}

const COMMON_INPUTS: TaskInput[] = [
  { name: "method", defaultValue: "POST" },
  { name: "headers", defaultValue: CALLBACK_HEADERS_DEFAULT },
  { name: "body", defaultValue: "" },
  { name: "waitForCompletion", defaultValue: "false" },
  { name: "successCriteria", defaultValue: "" },
];

const FUNCTION_INPUTS: TaskInput[] = [
  { name: "function" },
  { name: "key", defaultValue: "" },
  { name: "queryParameters", defaultValue: "" },
  ...COMMON_INPUTS,
];

export const TASKS: Record<string, TaskDefinition> = {
  "InvokeRESTAPI@1": {
    source: "Tasks/InvokeRestApiV1/task.json",
    inputs: [
      {
        name: "connectedServiceNameSelector",
        aliases: ["connectionType"],
        defaultValue: "connectedServiceName",
      },
      { name: "connectedServiceName", aliases: ["serviceConnection", "genericService"] },
      { name: "connectedServiceNameARM", aliases: ["azureServiceConnection", "azureSubscription"] },
      { name: "connectedServiceNameAzureDevOps", aliases: ["azureDevOpsServiceConnection"] },
      { name: "urlSuffix", defaultValue: "" },
      ...COMMON_INPUTS,
    ],
    execute: {
      EndpointId: "TaskInputs[TaskInputs['connectedServiceNameSelector']]",
      EndpointUrl: "$(endpoint.url)$(urlSuffix)",
      Method: "$(method)",
      Body: "$(body)",
      Headers: "$(headers)",
      WaitForCompletion: "$(waitForCompletion)",
    },
  },
  "AzureFunction@1": {
    source: "Tasks/AzureFunctionV1/task.json",
    inputs: FUNCTION_INPUTS,
    execute: {
      EndpointId: "",
      EndpointUrl: "$(function)?code=$(key)&$(queryParameters)",
      Method: "$(method)",
      Body: "$(body)",
      Headers: "$(headers)",
      WaitForCompletion: "$(waitForCompletion)",
    },
  },
  "AzureFunction@2": {
    source: "Tasks/AzureFunctionV2/task.json",
    inputs: [
      { name: "azureServiceConnection", aliases: ["azureSubscription", "connectedServiceARM"] },
      ...FUNCTION_INPUTS,
    ],
    execute: {
      AllowEmptyEndpointId: true,
      EndpointId: "$(azureServiceConnection)",
      EndpointUrl: "$(function)?code=$(key)&$(queryParameters)",
      ResourceURL: "api://$(endpoint.serviceprincipalid)",
      Method: "$(method)",
      Body: "$(body)",
      Headers: "$(headers)",
      WaitForCompletion: "$(waitForCompletion)",
    },
  },
};

/** A Generic service connection: a server URL and optional user name and password/token key. */
export interface GenericConnection {
  type: "generic";
  url: string;
  username?: string;
  password?: string;
}

/** An Azure Resource Manager service connection (workload identity federation). */
export interface AzureRmConnection {
  type: "azurerm";
  /** The app registration's client id (`serviceprincipalid` in the connection's authorization). */
  servicePrincipalId: string;
  tenantId: string;
  /** The environment's ResourceManagerEndpoint: `$(endpoint.url)`. */
  url: string;
  /** A token for `resource`, as Entra ID gives it for the connection's federated credential. */
  token(resource: string): Promise<string>;
}

export type ServiceConnection = GenericConnection | AzureRmConnection;

export interface TaskStep {
  task?: string;
  inputs?: Record<string, unknown>;
}

/** The request a server task sends. */
export interface ServerRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  waitForCompletion: boolean;
  /** The connection whose authorization was used (undefined: none). */
  connection?: string;
}

/** Where a step's inputs find pipeline variables (names are case-insensitive) and connections. */
export interface TaskContext {
  variables: Record<string, string>;
  connections: Record<string, ServiceConnection>;
}

/** `$(name)` macros replaced from `lookup`; unknown ones are left as written, as Azure DevOps does. */
export function expandMacros(text: string, lookup: (name: string) => string | undefined): string {
  return text.replace(/\$\(([A-Za-z0-9_.\-\s]+)\)/g, (whole, name: string) => lookup(name.trim()) ?? whole);
}

function caseInsensitive(map: Record<string, string>): (name: string) => string | undefined {
  const lower = new Map(Object.entries(map).map(([k, v]) => [k.toLowerCase(), v]));
  return (name) => lower.get(name.toLowerCase());
}

function inputValue(step: TaskStep, input: TaskInput): string | undefined {
  for (const key of [input.name, ...(input.aliases ?? [])]) {
    const v = step.inputs?.[key];
    if (v !== undefined && v !== null) return String(v);
  }
  return input.defaultValue;
}

/** The endpoint's `$(endpoint.*)` values. */
function endpointData(c: ServiceConnection): Record<string, string> {
  return c.type === "generic"
    ? { "endpoint.url": c.url }
    : {
        "endpoint.url": c.url,
        "endpoint.serviceprincipalid": c.servicePrincipalId,
        "endpoint.tenantid": c.tenantId,
      };
}

/** Resolves a server task step into the request Azure DevOps sends for it. */
export async function serverRequest(step: TaskStep, ctx: TaskContext): Promise<ServerRequest> {
  const def = step.task ? TASKS[step.task] : undefined;
  if (!def) throw new Error(`no server-side definition of task ${step.task ?? "(none)"} here`);
  const variable = caseInsensitive(ctx.variables);
  const inputs: Record<string, string> = {};
  for (const input of def.inputs) {
    const v = inputValue(step, input);
    if (v !== undefined) inputs[input.name] = expandMacros(v, variable);
  }
  const e = def.execute;
  const endpointId =
    e.EndpointId === "TaskInputs[TaskInputs['connectedServiceNameSelector']]"
      ? inputs[inputs["connectedServiceNameSelector"] ?? ""]
      : expandMacros(e.EndpointId, (n) => inputs[n] ?? "");
  if (!endpointId && !e.AllowEmptyEndpointId && e.EndpointId !== "")
    throw new Error(`${step.task}: no service connection given`);
  const connection = endpointId ? ctx.connections[endpointId] : undefined;
  if (endpointId && !connection)
    throw new Error(`${step.task}: service connection ${endpointId} does not exist or is not authorized`);
  const data = connection ? endpointData(connection) : {};
  const resolve = (template: string) => expandMacros(template, (n) => data[n] ?? inputs[n] ?? "");

  const headers: Record<string, string> = {};
  const headerText = resolve(e.Headers).trim();
  if (headerText)
    for (const [k, v] of Object.entries(JSON.parse(headerText) as Record<string, unknown>))
      headers[k] = String(v);
  if (connection) {
    // The connection's authorization wins over a header of the same name given in `headers`.
    for (const k of Object.keys(headers)) if (k.toLowerCase() === "authorization") delete headers[k];
    headers["Authorization"] =
      connection.type === "generic"
        ? `Basic ${Buffer.from(`${connection.username ?? ""}:${connection.password ?? ""}`).toString("base64")}`
        : `Bearer ${await connection.token(e.ResourceURL ? resolve(e.ResourceURL) : connection.url)}`;
  }
  const method = resolve(e.Method).toUpperCase();
  const body = resolve(e.Body);
  return {
    url: resolve(e.EndpointUrl),
    method,
    headers,
    ...(method !== "GET" && method !== "HEAD" && body ? { body } : {}),
    waitForCompletion: resolve(e.WaitForCompletion).toLowerCase() === "true",
    ...(endpointId ? { connection: endpointId } : {}),
  };
}
