// Reading a request body with a cap. The cap is checked against Content-Length before anything is
// read, then while the stream is read: a body over the limit is never held whole by the app.
// (The Functions host has its own, larger limit in front: FUNCTIONS_REQUEST_BODY_SIZE_LIMIT.)
import { armError, type ApiRequest, type ApiResponse } from "./responses.js";

export type BodyText = { ok: true; text: string } | { ok: false; response: ApiResponse };

function tooLarge(limit: number): BodyText {
  return {
    ok: false,
    response: armError(413, "RequestBodyTooLarge", `the request body is larger than ${limit} bytes`),
  };
}

/** The body as UTF-8 text, or a 413 once more than `limit` bytes are declared or read. */
export async function readBodyText(request: ApiRequest, limit: number): Promise<BodyText> {
  const declared = Number(request.headers.get("content-length") ?? "");
  if (Number.isFinite(declared) && declared > limit) return tooLarge(limit);
  const stream = request.body;
  if (!stream) return { ok: true, text: "" };
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const chunk = value as Uint8Array;
    size += chunk.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return tooLarge(limit);
    }
    chunks.push(chunk);
  }
  return { ok: true, text: Buffer.concat(chunks).toString("utf8") };
}
