// The Table service's data plane over HTTPS, path-style as Azurite serves it
// (https://127.0.0.1:<port>/<account>/…): what @azure/data-tables sends with a TokenCredential —
// create/list/delete tables, insert, upsert (PUT/PATCH without If-Match), update and delete with
// If-Match, point reads, and $filter queries (comparisons joined by `and`, enough for key lookups).
// Tokens come from the emulator's issuer with the storage audience, as Entra ID issues them for a
// managed identity. Errors carry the service's codes in the odata.error body the SDK parses and in
// x-ms-error-code. Not served: batches ($batch), SAS/shared-key auth, continuation paging (a query
// answers every match at once) and role checks (any valid storage token may read and write).
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { JWTPayload } from "jose";
import type { TableStore } from "./tables.js";
import { TableServiceError, type StoredEntity } from "./tables.js";

export const STORAGE_AUDIENCE = "https://storage.azure.com";
const SERVICE_VERSION = "2019-02-02";

export interface TableServerOptions {
  store: TableStore;
  account: string;
  tenantId: string;
  /** Verifies a bearer token's signature, issuer and lifetime (throws when bad). */
  verify(token: string): Promise<JWTPayload>;
  tls: { cert: string; key: string };
}

const KEYS = /^PartitionKey='((?:[^']|'')*)',RowKey='((?:[^']|'')*)'$/;

function unquote(raw: string): string {
  return decodeURIComponent(raw).replace(/''/g, "'");
}

function authFailure(code: string, detail: string): TableServiceError {
  return new TableServiceError(
    401,
    code,
    `Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.\nAuthenticationErrorDetail:${detail}`,
  );
}

/** The `$filter` subset: `Prop op 'string'` comparisons joined by `and`. */
export function compileFilter(filter: string | null): (e: StoredEntity) => boolean {
  if (!filter) return () => true;
  const parts = filter.split(/\s+and\s+/i);
  const tests = parts.map((p) => {
    const m = /^\(?\s*(\w+)\s+(eq|ne|gt|ge|lt|le)\s+'((?:[^']|'')*)'\s*\)?$/i.exec(p.trim());
    if (!m) throw new TableServiceError(400, "InvalidInput", "One of the request inputs is not valid.");
    const [, name, op, literal] = m as unknown as [string, string, string, string];
    const value = literal.replace(/''/g, "'");
    return (e: StoredEntity) => {
      const v = name === "PartitionKey" ? e.partitionKey : name === "RowKey" ? e.rowKey : e.properties[name];
      if (typeof v !== "string") return false;
      switch (op.toLowerCase()) {
        case "eq":
          return v === value;
        case "ne":
          return v !== value;
        case "gt":
          return v > value;
        case "ge":
          return v >= value;
        case "lt":
          return v < value;
        default:
          return v <= value;
      }
    };
  });
  return (e) => tests.every((t) => t(e));
}

function wire(e: StoredEntity): Record<string, unknown> {
  return {
    "odata.etag": e.etag,
    PartitionKey: e.partitionKey,
    RowKey: e.rowKey,
    Timestamp: e.timestamp,
    "Timestamp@odata.type": "Edm.DateTime",
    ...e.properties,
  };
}

interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export class TableServer {
  constructor(private readonly o: TableServerOptions) {}

  listen(port: number, host: string): Promise<Server> {
    const server = createServer(this.o.tls, (req, res) => void this.handle(req, res));
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => resolve(server));
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const common: Record<string, string> = {
      "x-ms-request-id": requestId,
      "x-ms-version": SERVICE_VERSION,
      DataServiceVersion: "3.0;",
      Date: new Date().toUTCString(),
      ...(req.headers["x-ms-client-request-id"]
        ? { "x-ms-client-request-id": String(req.headers["x-ms-client-request-id"]) }
        : {}),
    };
    let answer: Answer;
    try {
      const text = await new Promise<string>((resolve, reject) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
        req.on("error", reject);
      });
      await this.authenticate(req.headers.authorization);
      answer = this.route(req, text);
    } catch (e) {
      const err =
        e instanceof TableServiceError
          ? e
          : new TableServiceError(500, "InternalError", (e as Error).message);
      answer = {
        status: err.status,
        headers: {
          "x-ms-error-code": err.code,
          ...(err.status === 401
            ? {
                "WWW-Authenticate": `Bearer authorization_uri=https://login.microsoftonline.com/${this.o.tenantId}/oauth2/authorize resource_id=${STORAGE_AUDIENCE}`,
              }
            : {}),
        },
        body: {
          "odata.error": {
            code: err.code,
            message: {
              lang: "en-US",
              value: `${err.message}\nRequestId:${requestId}\nTime:${new Date().toISOString()}`,
            },
          },
        },
      };
    }
    const headers = { ...common, ...answer.headers };
    const payload = answer.body === undefined ? "" : JSON.stringify(answer.body);
    if (payload)
      headers["Content-Type"] = "application/json;odata=minimalmetadata;streaming=true;charset=utf-8";
    headers["Content-Length"] = String(Buffer.byteLength(payload));
    res.writeHead(answer.status, headers);
    res.end(payload);
  }

  private async authenticate(authorization: string | undefined): Promise<void> {
    const m = authorization ? /^Bearer\s+(\S+)$/i.exec(authorization) : null;
    if (!m)
      throw new TableServiceError(
        401,
        "NoAuthenticationInformation",
        "Server failed to authenticate the request. Please refer to the information in the www-authenticate header.",
      );
    let payload: JWTPayload;
    try {
      payload = await this.o.verify(m[1]!);
    } catch (e) {
      throw authFailure("InvalidAuthenticationInfo", (e as Error).message);
    }
    const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud ?? ""];
    if (!aud.some((a) => a === STORAGE_AUDIENCE || a === `${STORAGE_AUDIENCE}/`))
      throw authFailure("InvalidAuthenticationInfo", `Audience validation failed. Audience did not match.`);
  }

  private route(req: IncomingMessage, text: string): Answer {
    const method = (req.method ?? "GET").toUpperCase();
    const url = new URL(req.url ?? "/", "https://table.invalid");
    // The raw path: keys are matched before decoding so that an encoded "'" cannot end a literal.
    const rawPath = (req.url ?? "/").split("?")[0]!;
    const segments = rawPath.split("/").filter(Boolean);
    if (segments[0] !== this.o.account || segments.length !== 2)
      throw new TableServiceError(
        400,
        "InvalidUri",
        "The requested URI does not represent any resource on the server.",
      );
    const resource = segments[1]!;
    const noContent = /return-no-content/i.test(String(req.headers["prefer"] ?? ""));
    const store = this.o.store;
    const body = (): Record<string, unknown> => {
      try {
        const parsed = JSON.parse(text) as unknown;
        if (parsed && typeof parsed === "object" && !Array.isArray(parsed))
          return parsed as Record<string, unknown>;
      } catch {
        // fall through
      }
      throw new TableServiceError(400, "InvalidInput", "One of the request inputs is not valid.");
    };
    const base = `https://${req.headers.host ?? "table.invalid"}/${this.o.account}`;

    if (resource === "Tables") {
      if (method === "GET")
        return {
          status: 200,
          body: {
            "odata.metadata": `${base}/$metadata#Tables`,
            value: store.listTables().map((TableName) => ({ TableName })),
          },
        };
      if (method === "POST") {
        const name = body()["TableName"];
        if (typeof name !== "string")
          throw new TableServiceError(400, "InvalidInput", "TableName is required.");
        store.createTable(name);
        return noContent
          ? { status: 204, headers: { "Preference-Applied": "return-no-content" } }
          : { status: 201, body: { "odata.metadata": `${base}/$metadata#Tables/@Element`, TableName: name } };
      }
    }
    const tableDelete = /^Tables\('([^']+)'\)$/.exec(resource);
    if (tableDelete && method === "DELETE") {
      store.deleteTable(decodeURIComponent(tableDelete[1]!));
      return { status: 204 };
    }

    const m = /^([A-Za-z][A-Za-z0-9]*)(?:\((.*)\))?$/.exec(resource);
    if (!m)
      throw new TableServiceError(
        400,
        "InvalidUri",
        "The requested URI does not represent any resource on the server.",
      );
    const table = m[1]!;
    const keys = m[2] !== undefined && m[2] !== "" ? KEYS.exec(m[2]) : null;
    if (m[2] !== undefined && m[2] !== "" && !keys)
      throw new TableServiceError(400, "InvalidInput", "One of the request inputs is not valid.");
    const ifMatch = req.headers["if-match"] === undefined ? undefined : String(req.headers["if-match"]);

    if (!keys) {
      if (method === "GET") {
        const found = store.query(table, compileFilter(url.searchParams.get("$filter")));
        return {
          status: 200,
          body: { "odata.metadata": `${base}/$metadata#${table}`, value: found.map(wire) },
        };
      }
      if (method === "POST" && m[2] === undefined) {
        const props = body();
        const pk = props["PartitionKey"];
        const rk = props["RowKey"];
        if (typeof pk !== "string" || typeof rk !== "string")
          throw new TableServiceError(
            400,
            "PropertiesNeedValue",
            "The values are not specified for all properties in the entity.",
          );
        const e = store.write(table, pk, rk, stripKeys(props), { mode: "insert" });
        return noContent
          ? { status: 204, headers: { ETag: e.etag, "Preference-Applied": "return-no-content" } }
          : { status: 201, headers: { ETag: e.etag }, body: wire(e) };
      }
    } else {
      const pk = unquote(keys[1]!);
      const rk = unquote(keys[2]!);
      if (method === "GET") {
        const e = store.get(table, pk, rk);
        return {
          status: 200,
          headers: { ETag: e.etag },
          body: { "odata.metadata": `${base}/$metadata#${table}/@Element`, ...wire(e) },
        };
      }
      if (method === "PUT" || method === "PATCH" || method === "MERGE") {
        const e = store.write(table, pk, rk, stripKeys(body()), {
          mode: method === "PUT" ? "replace" : "merge",
          ...(ifMatch !== undefined ? { ifMatch } : {}),
        });
        return { status: 204, headers: { ETag: e.etag } };
      }
      if (method === "DELETE") {
        if (ifMatch === undefined)
          throw new TableServiceError(
            400,
            "MissingRequiredHeader",
            "An HTTP header that's mandatory for this request is not specified.",
          );
        store.delete(table, pk, rk, ifMatch);
        return { status: 204 };
      }
    }
    throw new TableServiceError(
      405,
      "UnsupportedHttpVerb",
      "The resource doesn't support the specified HTTP verb.",
    );
  }
}

function stripKeys(props: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(props))
    if (
      ![
        "PartitionKey",
        "RowKey",
        "Timestamp",
        "Timestamp@odata.type",
        "odata.etag",
        "odata.metadata",
      ].includes(k)
    )
      out[k] = v;
  return out;
}
