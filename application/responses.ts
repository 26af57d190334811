// The application's requests and answers, in the shape the HTTP bindings pass on unchanged (a
// subset of @azure/functions' HttpRequest and HttpResponseInit, without depending on them), and the
// ARM-style error body every refusal uses.
import type { Problem } from "../shared/validation/problems.js";

/** What the application reads of a request: its body (a stream, read with a cap) and its headers. */
export interface ApiRequest {
  readonly body: ReadableStream | null;
  headers: { get(name: string): string | null };
}

/** An answer: a status, headers, and a JSON body (or a text body, for the kubeconfig). */
export interface ApiResponse {
  status: number;
  headers?: Record<string, string>;
  jsonBody?: unknown;
  body?: string;
}

/** `{ "error": { "code", "message", "details": [{ "path", "code", "message" }] } }` */
export function armError(
  status: number,
  code: string,
  message: string,
  details: Problem[] = [],
): ApiResponse {
  return { status, jsonBody: { error: { code, message, details } } };
}
