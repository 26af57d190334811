// The host's own request/response shapes, independent of node:http so handlers stay testable.
import type { IncomingHttpHeaders } from "node:http";

export interface HostRequest {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface HostResponse {
  status: number;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
}

export function jsonResponse(
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): HostResponse {
  return {
    status,
    headers: { "Content-Type": "application/json; charset=utf-8", ...headers },
    body: JSON.stringify(value),
  };
}

export function header(req: HostRequest, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}
