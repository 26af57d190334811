// What a request body may be, on the whole local stack (the local Functions host in front of the
// app, as in Azure): the host refuses a body over FUNCTIONS_REQUEST_BODY_SIZE_LIMIT while it streams
// in, so a 100 MB upload is neither sent whole nor held by the worker; the app refuses a body over
// its own limit with 413; prototype keys and numbers out of range are 400 naming the path.
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { LOCAL_BODY_LIMIT_BYTES } from "../../../emulators/stack.js";
import { LIMITS } from "../../../shared/spec/defaults.js";
import { tutorialRequest } from "../../helpers/examples.js";
import { callApi, devToken, json, startStack, type Stack } from "../../../harness/stack.js";

const MB = 1024 * 1024;
let stack: Stack;
let stateDir: string;
let token: string;

interface ArmError {
  error: { code: string; message: string; details: { path: string; code: string; message: string }[] };
}

before(async () => {
  stateDir = await mkdtemp(join(tmpdir(), "aksv-requests-"));
  stack = await startStack({ stateDir });
  token = await devToken(stack);
});

after(async () => {
  await stack?.stop();
  await rm(stateDir, { recursive: true, force: true });
});

/**
 * POSTs up to `total` bytes in 64 KiB chunks (chunked, no Content-Length, or with `declared`),
 * following backpressure, and stops writing as soon as the answer arrives.
 */
function upload(total: number, declared?: number): Promise<{ status: number; sent: number; text: string }> {
  const url = new URL(`${stack.api}/clusters`);
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = httpRequest(url, {
      method: "POST",
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
        ...(declared !== undefined ? { "content-length": String(declared) } : {}),
      },
    });
    req.on("response", (res) => {
      answered = true;
      let text = "";
      res.on("data", (d: Buffer) => (text += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, sent, text }));
      res.on("error", reject);
    });
    // Writing into a connection the host has closed after its answer: expected, not a failure.
    req.on("error", (e) => {
      if (!answered) reject(e);
    });
    if (declared !== undefined) return req.flushHeaders();
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const pump = (): void => {
      while (!answered && sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}

/** Peak resident memory (VmHWM, bytes) of this process's child processes: the language worker. */
async function childrenPeakRss(): Promise<number | undefined> {
  let total = 0;
  let found = false;
  for (const entry of await readdir("/proc").catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const status = await readFile(`/proc/${entry}/status`, "utf8").catch(() => "");
    if (Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]) !== process.pid) continue;
    const kb = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? "0");
    total += kb * 1024;
    found = true;
  }
  return found ? total : undefined;
}

describe("request bodies", () => {
  it("refuses a streamed 100 MB body with 413 long before it is sent whole, the worker's memory unmoved", async (t) => {
    // The worker answers something first, so that its peak memory already includes normal work.
    assert.equal((await callApi(stack.api, token, "/clusters")).status, 200);
    const before = await childrenPeakRss();
    const r = await upload(100 * MB);
    assert.equal(r.status, 413, r.text);
    assert.equal((JSON.parse(r.text) as ArmError).error.code, "RequestEntityTooLarge");
    assert.ok(r.sent < 16 * MB, `sent ${r.sent} bytes before the answer`);
    const after = await childrenPeakRss();
    if (before === undefined || after === undefined) return t.skip("no /proc: worker memory not measured");
    t.diagnostic(`sent ${r.sent} bytes before the 413; worker peak memory +${after - before} bytes`);
    assert.ok(after - before < 16 * MB, `worker peak memory grew by ${after - before} bytes`);
  });

  it("refuses a declared Content-Length over the host's limit before any of the body is sent", async () => {
    const r = await upload(0, 100 * MB);
    assert.equal(r.status, 413);
    assert.equal(r.sent, 0);
  });

  it("answers 413 RequestBodyTooLarge from the app for a body within the host's limit but over the app's", async () => {
    const request = tutorialRequest();
    const body = JSON.stringify({ ...request, padding: "x".repeat(LIMITS.documentBytes) });
    assert.ok(body.length > LIMITS.documentBytes && body.length < LOCAL_BODY_LIMIT_BYTES);
    const r = await callApi(stack.api, token, "/clusters", { method: "POST", body });
    assert.equal(r.status, 413);
    const e = await json<ArmError>(r);
    assert.equal(e.error.code, "RequestBodyTooLarge");
    assert.match(e.error.message, new RegExp(`${LIMITS.documentBytes} bytes`));
  });

  it("refuses prototype keys anywhere in the body with 400 naming the path, and says 'must be a finite number' for 1e309", async () => {
    const text = JSON.stringify(tutorialRequest());
    const proto = await callApi(stack.api, token, "/clusters", {
      method: "POST",
      body: text.replace('"tags":{', '"tags":{"__proto__":{"costCenter":"9999"},'),
    });
    assert.equal(proto.status, 400);
    const p = await json<ArmError>(proto);
    assert.deepEqual(
      p.error.details.map((d) => [d.path, d.code]),
      [["tags.__proto__", "ForbiddenKey"]],
    );
    const huge = await callApi(stack.api, token, "/clusters", {
      method: "POST",
      body: text.replace(/"count":\d+/, '"count":1e309'),
    });
    assert.equal(huge.status, 400);
    const h = await json<ArmError>(huge);
    assert.equal(h.error.details[0]?.path, "nodePool.count");
    assert.match(h.error.details[0]!.message, /must be a finite number/);
    const list = await json<{ value: unknown[] }>(await callApi(stack.api, token, "/clusters"));
    assert.deepEqual(list.value, [], "nothing was started");
  });
});
