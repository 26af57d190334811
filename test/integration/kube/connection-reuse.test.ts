// The app's Kubernetes clients reuse connections: client-node 2.0 builds a new connection pool for
// every request, so each request to a cluster's API server was a new TLS connection and handshake.
// Requests of one API server and credential, from one client set or several (one per activity),
// share a pool (shared/kube/client.ts); another server gets its own.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ensureLocalCa, issueServerCertificate } from "../../../emulators/common/tls.js";
import { kubeClientsFromKubeconfig } from "../../../shared/kube/client.js";
import { kubeConfigFor } from "../../../harness/kube.js";

async function apiServer(cert: { certPem: string; keyPem: string }) {
  let connections = 0;
  const server: Server = createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
    const name = /\/namespaces\/([^/]+)$/.exec(req.url ?? "")?.[1] ?? "x";
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name } }));
  });
  server.on("secureConnection", () => connections++);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return { server, url: `https://127.0.0.1:${port}`, connections: () => connections };
}

test("TLS connections are reused per API server for sequential requests of several client sets", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "aksv-reuse-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ca = await ensureLocalCa(dir);
  const cert = await issueServerCertificate(ca);
  const a = await apiServer(cert);
  const b = await apiServer(cert);
  t.after(() => {
    for (const s of [a, b]) {
      s.server.closeAllConnections();
      s.server.close();
    }
  });
  const caData = Buffer.from(ca.certPem).toString("base64");
  const yaml = (url: string, token: string) => kubeConfigFor(url, caData, token).exportConfig();

  // Three activities' client sets for server a (each with a fresh token), five requests each.
  for (let set = 0; set < 3; set++) {
    const clients = kubeClientsFromKubeconfig(yaml(a.url, `token-${set}`));
    for (let i = 0; i < 5; i++)
      assert.equal((await clients.core.readNamespace({ name: `ns${i}` })).metadata?.name, `ns${i}`);
  }
  // Measured: two (the first request's connection is not the one the rest share); without the
  // shared pool, fifteen.
  assert.ok(a.connections() <= 2, `fifteen requests over ${a.connections()} connections`);
  const before = a.connections();

  const other = kubeClientsFromKubeconfig(yaml(b.url, "token"));
  await other.core.readNamespace({ name: "y" });
  assert.equal(b.connections(), 1, "another API server, its own connection");
  assert.equal(a.connections(), before);
});
