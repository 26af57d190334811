// One local certificate authority for every emulator, kept under the state directory, so that a
// single NODE_EXTRA_CA_CERTS=<state>/ca/ca.pem makes the Azure and Kubernetes emulators trusted by
// Node clients (and `curl --cacert`, `az` via REQUESTS_CA_BUNDLE, kubectl via certificate-authority).
import { chmodSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import selfsigned from "selfsigned";
import { ensurePrivateDir, PRIVATE_FILE_MODE, writePrivateFile } from "./state-dir.js";

export interface LocalCa {
  certPem: string;
  keyPem: string;
  /** Path of the CA certificate (PEM) to trust. */
  certPath: string;
}

export interface ServerCertificate {
  certPem: string;
  keyPem: string;
}

const YEAR_MS = 365 * 24 * 3600 * 1000;

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch {
    return undefined;
  }
}

/** Loads the CA under `<stateDir>/ca/`, creating it on first use. */
export async function ensureLocalCa(stateDir: string): Promise<LocalCa> {
  const dir = join(stateDir, "ca");
  const certPath = join(dir, "ca.pem");
  const keyPath = join(dir, "ca-key.pem");
  const [certPem, keyPem] = await Promise.all([readIfPresent(certPath), readIfPresent(keyPath)]);
  if (certPem && keyPem) {
    // A CA from before state was private (0644 files): tightened like everything the stack keeps.
    ensurePrivateDir(dir);
    for (const f of [certPath, keyPath]) chmodSync(f, PRIVATE_FILE_MODE);
    return { certPem, keyPem, certPath };
  }
  ensurePrivateDir(dir);
  const now = new Date();
  const pems = await selfsigned.generate([{ name: "commonName", value: "aks-vending local CA" }], {
    keyType: "ec",
    algorithm: "sha256",
    notBeforeDate: new Date(now.getTime() - 3600_000),
    notAfterDate: new Date(now.getTime() + 10 * YEAR_MS),
    extensions: [
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  writePrivateFile(keyPath, pems.private);
  writePrivateFile(certPath, pems.cert);
  return { certPem: pems.cert, keyPem: pems.private, certPath };
}

/** A server certificate for 127.0.0.1 and localhost (plus `extraNames`), signed by the local CA. */
export async function issueServerCertificate(
  ca: LocalCa,
  extraNames: string[] = [],
): Promise<ServerCertificate> {
  const now = new Date();
  const pems = await selfsigned.generate([{ name: "commonName", value: "localhost" }], {
    keyType: "ec",
    algorithm: "sha256",
    notBeforeDate: new Date(now.getTime() - 3600_000),
    notAfterDate: new Date(now.getTime() + YEAR_MS),
    ca: { key: ca.keyPem, cert: ca.certPem },
    extensions: [
      { name: "basicConstraints", cA: false, critical: true },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
      { name: "extKeyUsage", serverAuth: true, clientAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 2, value: "localhost" },
          { type: 7, ip: "127.0.0.1" },
          ...extraNames.map((value) => ({ type: 2 as const, value })),
        ],
      },
    ],
  });
  return { certPem: pems.cert, keyPem: pems.private };
}
