// Starts an Azure emulator for a test and builds the REAL SDK clients against it, authenticated by
// @azure/identity against the emulator's token endpoint.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { ClientSecretCredential } from "@azure/identity";
import type { TokenCredential } from "@azure/core-auth";
import { ResourceManagementClient } from "@azure/arm-resources";
import { NetworkManagementClient } from "@azure/arm-network";
import { ManagedServiceIdentityClient } from "@azure/arm-msi";
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { ContainerServiceClient } from "@azure/arm-containerservice";
import {
  startAzureEmulator,
  type AzureEmulator,
  type AzureEmulatorOptions,
} from "../../../emulators/azure/index.js";

export const LOCATION = "eastus";
export const NETWORK_CONTRIBUTOR = "4d97b98b-1d4f-4787-a291-c67834d212e7";
/** Poll fast: the emulator runs at a small time scale. */
export const FAST = { updateIntervalInMs: 20 };

export interface Clients {
  emulator: AzureEmulator;
  credential: TokenCredential;
  sub: string;
  resources: ResourceManagementClient;
  network: NetworkManagementClient;
  msi: ManagedServiceIdentityClient;
  authorization: AuthorizationManagementClient;
  aks: ContainerServiceClient;
}

/** A temporary state directory, removed after the test (after hooks run last-registered first). */
export async function tempStateDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "aksv-azure-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export function sdkOptions(emulator: AzureEmulator, maxRetries = 3) {
  return {
    endpoint: emulator.url,
    tlsOptions: { ca: emulator.caPem },
    retryOptions: { maxRetries, retryDelayInMs: 10, maxRetryDelayInMs: 50 },
  };
}

export function credentialFor(emulator: AzureEmulator, clientId = "test-app"): TokenCredential {
  return new ClientSecretCredential(emulator.tenantId, clientId, "test-secret", {
    authorityHost: emulator.url,
    disableInstanceDiscovery: true,
    tlsOptions: { ca: emulator.caPem },
  } as ConstructorParameters<typeof ClientSecretCredential>[3]);
}

export function clientsFor(
  emulator: AzureEmulator,
  credential: TokenCredential = credentialFor(emulator),
  maxRetries = 3,
): Clients {
  const sub = emulator.subscriptionId;
  const o = sdkOptions(emulator, maxRetries);
  return {
    emulator,
    credential,
    sub,
    resources: new ResourceManagementClient(credential, sub, o),
    network: new NetworkManagementClient(credential, sub, o),
    msi: new ManagedServiceIdentityClient(credential, sub, {
      ...o,
      credentialScopes: ["https://management.azure.com/.default"],
    }),
    authorization: new AuthorizationManagementClient(credential, sub, {
      ...o,
      credentialScopes: ["https://management.azure.com/.default"],
    }),
    aks: new ContainerServiceClient(credential, sub, o),
  };
}

/** Starts an emulator (port 0, temporary state, small time scale) stopped after the test. */
export async function startForTest(
  t: TestContext,
  options: Partial<AzureEmulatorOptions> = {},
): Promise<Clients> {
  const owned = options.stateDir === undefined;
  const stateDir = options.stateDir ?? (await mkdtemp(join(tmpdir(), "aksv-azure-")));
  const emulator = await startAzureEmulator({ port: 0, timeScale: 0.002, seed: 7, ...options, stateDir });
  t.after(async () => {
    await emulator.stop();
    if (owned) await rm(stateDir, { recursive: true, force: true });
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
