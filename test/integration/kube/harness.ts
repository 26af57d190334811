// Starts a Kubernetes emulator on port 0 in a temporary state dir, registers one cluster and hands
// out a client-node KubeConfig and a kubeconfig file for kubectl.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { request as httpsCall } from "node:https";
import { join } from "node:path";
import type { TestContext } from "node:test";
import type * as k8s from "@kubernetes/client-node";
import { clusterKey } from "../../../emulators/common/cluster-key.js";
import {
  startKubeEmulator,
  type KubeEmulator,
  type KubeEmulatorOptions,
} from "../../../emulators/kube/index.js";
import { kubeConfigFor, registration } from "../../../harness/kube.js";

export const TIME_SCALE = 0.01;

export interface Harness {
  emulator: KubeEmulator;
  stateDir: string;
  server: string;
  caData: string;
  token: string;
  kc: k8s.KubeConfig;
  kubeconfigPath: string;
  /** Raw HTTPS request against the cluster (path relative to the cluster's server URL). */
  request(
    method: string,
    path: string,
    options?: { body?: string; headers?: Record<string, string>; token?: string | null },
  ): Promise<{ status: number; headers: Headers; text: string; json: () => Record<string, unknown> }>;
}

export async function startHarness(
  t: TestContext,
  options: Partial<KubeEmulatorOptions> = {},
  reg = registration(),
): Promise<Harness> {
  const stateDir = options.stateDir ?? (await mkdtemp(join(tmpdir(), "aksv-kube-")));
  const emulator = await startKubeEmulator({ port: 0, stateDir, timeScale: TIME_SCALE, ...options });
  t.after(async () => {
    await emulator.stop();
    if (!options.stateDir) await rm(stateDir, { recursive: true, force: true });
  });
  const creds = emulator.registerCluster(clusterKey(reg.resourceId), reg);
  const kubeconfigPath = join(stateDir, "kubeconfig");
  await writeFile(
    kubeconfigPath,
    `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: ${creds.server}\n    certificate-authority-data: ${creds.certificateAuthorityData}\nusers:\n- name: u\n  user:\n    token: ${creds.adminToken}\ncontexts:\n- name: c\n  context: {cluster: c, user: u}\ncurrent-context: c\n`,
    { mode: 0o600 },
  );
  const ca = Buffer.from(creds.certificateAuthorityData, "base64").toString("utf8");
  return {
    emulator,
    stateDir,
    server: creds.server,
    caData: creds.certificateAuthorityData,
    token: creds.adminToken,
    kc: kubeConfigFor(creds.server, creds.certificateAuthorityData, creds.adminToken),
    kubeconfigPath,
    request: (method, path, opts = {}) =>
      httpsRequest(
        `${creds.server}${path}`,
        method,
        ca,
        opts.token === null ? undefined : (opts.token ?? creds.adminToken),
        opts.body,
        opts.headers,
      ),
  };
}

export function httpsRequest(
  url: string,
  method: string,
  ca: string,
  token?: string,
  body?: string,
  headers: Record<string, string> = {},
) {
  return new Promise<{ status: number; headers: Headers; text: string; json: () => Record<string, unknown> }>(
    (resolve, reject) => {
      const req = httpsCall(
        url,
        { method, ca, headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers } },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (c: string) => (text += c));
          res.on("end", () => {
            const h = new Headers();
            for (const [k, v] of Object.entries(res.headers)) if (typeof v === "string") h.set(k, v);
            resolve({
              status: res.statusCode ?? 0,
              headers: h,
              text,
              json: () => JSON.parse(text) as Record<string, unknown>,
            });
          });
        },
      );
      req.on("error", reject);
      req.end(body);
    },
  );
}

/** Polls `check` until it returns a value (not undefined) or the deadline passes. */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  what: string,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
