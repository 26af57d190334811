// Shared test plumbing for the functions-host suites: start a host on a fixture app with a temporary state
// directory, get a real DurableClient for it, poll conditions with a deadline.
import azureFunctions from "@azure/functions";
import * as df from "durable-functions";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestContext } from "node:test";
import {
  startFunctionsHost,
  type FunctionsHost,
  type FunctionsHostOptions,
} from "../../../emulators/functions-host/index.js";

/** The repository root (tests run from dist/test/integration/functions-host). */
export const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url));
export const fixture = (name: string): string => join(repoRoot, "harness", "functions-apps", name);

export interface TestHost extends FunctionsHost {
  stateDir: string;
  client: df.DurableClient;
}

export async function startTestHost(
  t: TestContext,
  app: string,
  options: Partial<FunctionsHostOptions> = {},
): Promise<TestHost> {
  const stateDir = options.stateDir ?? (await mkdtemp(join(tmpdir(), "aksv-fh-")));
  const host = await startFunctionsHost({
    appDir: app.includes("/") ? app : fixture(app),
    port: 0,
    stateDir,
    logLevel: process.env["AKSV_TEST_LOG_LEVEL"] ?? "none",
    timeScale: 0.0001,
    ...options,
    env: { FIXTURE_STATE_DIR: stateDir, ...options.env },
  });
  t.after(async () => {
    await host.stop();
    if (!options.stateDir) await rm(stateDir, { recursive: true, force: true });
  });
  return { ...host, stateDir, client: durableClient(host.durableClientData()) };
}

/** The real DurableClient, bound the way df.getClient reads a durableClient input binding. */
export function durableClient(bindingData: object): df.DurableClient {
  const binding = df.input.durableClient();
  const context = new azureFunctions.InvocationContext({
    options: { trigger: { type: "httpTrigger", name: "req" }, extraInputs: [binding] },
  });
  context.extraInputs.set(binding, bindingData);
  return df.getClient(context);
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const FINAL = new Set(["Completed", "Failed", "Terminated", "Canceled"]);

export async function waitForFinal(
  client: df.DurableClient,
  instanceId: string,
  timeoutMs = 15000,
): Promise<df.DurableOrchestrationStatus> {
  return waitFor(
    `instance ${instanceId} to finish`,
    async () => {
      const status = await client.getStatus(instanceId);
      return FINAL.has(status.runtimeStatus) ? status : undefined;
    },
    timeoutMs,
  );
}

export interface HistoryItem {
  EventType: string;
  FunctionName?: string;
  Result?: unknown;
  [k: string]: unknown;
}

/** History through the webhook API (the JS client drops `historyEvents`, durable-js#620). */
export async function history(host: FunctionsHost, instanceId: string): Promise<HistoryItem[]> {
  const url = `${host.url}/runtime/webhooks/durabletask/instances/${encodeURIComponent(instanceId)}?showHistory=true&showHistoryOutput=true&code=${host.keys.systemKeys["durabletask_extension"]}`;
  const body = (await (await fetch(url)).json()) as { historyEvents: HistoryItem[] };
  return body.historyEvents;
}
