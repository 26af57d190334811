// Starts an Azure emulator for a test (temporary state, removed afterwards) with the REAL SDK
// clients of harness/azure.ts, and a stand-in for the Kubernetes emulator's admin API.
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { ensureLocalCa, issueServerCertificate } from "../../../emulators/common/tls.js";
import { startAzureEmulator, type AzureEmulatorOptions } from "../../../emulators/azure/index.js";
import { clientsFor, type Clients } from "../../../harness/azure.js";

/** A temporary state directory; startForTest removes it after stopping the emulator. */
export async function tempStateDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), "aksv-azure-"));
}

/** Starts an emulator (port 0, small time scale); after the test it is stopped and its state removed. */
export async function startForTest(
  t: TestContext,
  options: Partial<AzureEmulatorOptions> = {},
): Promise<Clients> {
  const stateDir = options.stateDir ?? (await tempStateDir());
  const emulator = await startAzureEmulator({ port: 0, timeScale: 0.002, seed: 7, ...options, stateDir });
  t.after(async () => {
    await emulator.stop();
    await rm(stateDir, { recursive: true, force: true });
  });
  return clientsFor(emulator);
}

/** Polls `check` until it returns true or the deadline passes. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export interface KubeStandIn {
  url: string;
  calls: { method: string; path: string; body: unknown }[];
  stop(): Promise<void>;
}

/**
 * A tiny stand-in for the Kubernetes emulator's admin API (the real one is built separately): it
 * records registrations and answers as the contract says.
 */
export async function startKubeStandIn(stateDir: string): Promise<KubeStandIn> {
  const ca = await ensureLocalCa(stateDir);
  const cert = await issueServerCertificate(ca);
  const calls: KubeStandIn["calls"] = [];
  const server = createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
    let text = "";
    req.on("data", (c: Buffer) => (text += c.toString()));
    req.on("end", () => {
      const path = req.url ?? "/";
      calls.push({ method: req.method ?? "", path, body: text ? (JSON.parse(text) as unknown) : undefined });
      const key = path.split("/").pop()!;
      if (req.method === "PUT") {
        res.writeHead(201, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            server: `https://127.0.0.1:${(server.address() as AddressInfo).port}/clusters/${key}`,
            certificateAuthorityData: Buffer.from(ca.certPem).toString("base64"),
            adminToken: `admin-${key}`,
          }),
        );
      } else {
        res.writeHead(204);
        res.end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}
