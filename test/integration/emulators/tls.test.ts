import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer, request } from "node:https";
import type { AddressInfo } from "node:net";
import { ensureLocalCa, issueServerCertificate } from "../../../emulators/common/tls.js";

test("a server certificate from the local CA is trusted for 127.0.0.1 and localhost, and the CA is reused", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "aksv-tls-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const ca = await ensureLocalCa(dir);
  const again = await ensureLocalCa(dir);
  assert.equal(again.certPem, ca.certPem, "the CA is created once and then loaded");
  const cert = await issueServerCertificate(ca);
  const server = createServer({ cert: cert.certPem, key: cert.keyPem }, (_req, res) => res.end("ok"));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => server.close());
  const port = (server.address() as AddressInfo).port;
  for (const host of ["127.0.0.1", "localhost"]) {
    const body = await new Promise<string>((resolve, reject) => {
      request({ host, port, path: "/", ca: ca.certPem }, (res) => {
        let data = "";
        res.on("data", (c) => (data += c));
        res.on("end", () => resolve(data));
      })
        .on("error", reject)
        .end();
    });
    assert.equal(body, "ok", `TLS to ${host} verified against the local CA`);
  }
  await assert.rejects(
    new Promise((resolve, reject) =>
      request({ host: "127.0.0.1", port, path: "/" }, resolve).on("error", reject).end(),
    ),
    /self.signed|unable to verify|self-signed/i,
    "without the CA the certificate is not trusted",
  );
});
