// Starts an Azure emulator for a test and builds the REAL SDK clients against it, authenticated by
// @azure/identity against the emulator's token endpoint.
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { ClientSecretCredential } from "@azure/identity";
import type { TokenCredential } from "@azure/core-auth";
import { ResourceManagementClient } from "@azure/arm-resources";
import { NetworkManagementClient } from "@azure/arm-network";
import { ManagedServiceIdentityClient } from "@azure/arm-msi";
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import {
  ContainerServiceClient,
  type ContainerServiceNetworkProfile,
  type ManagedCluster,
} from "@azure/arm-containerservice";
import { ensureLocalCa, issueServerCertificate } from "../../../emulators/common/tls.js";
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

/** A temporary state directory; startForTest removes it after stopping the emulator. */
export async function tempStateDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), "aksv-azure-"));
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

export interface NetworkSetup {
  vnetId: string;
  subnetId: string;
  identityId: string;
  principalId: string;
}

/** The tutorial's ARM preparation: group, VNet + subnet, identity with Network Contributor on the subnet. */
export async function prepareNetwork(
  c: Clients,
  rg: string,
  opts: { vnetPrefix?: string; subnetPrefix?: string; grant?: boolean } = {},
): Promise<NetworkSetup> {
  await c.resources.resourceGroups.createOrUpdate(rg, { location: LOCATION });
  const vnet = await c.network.virtualNetworks.createOrUpdate(
    rg,
    "myVnet",
    {
      location: LOCATION,
      addressSpace: { addressPrefixes: [opts.vnetPrefix ?? "10.0.0.0/8"] },
      subnets: [{ name: "myAKSSubnet", addressPrefix: opts.subnetPrefix ?? "10.240.0.0/16" }],
    },
    FAST,
  );
  const subnetId = vnet.subnets![0]!.id!;
  const identity = await c.msi.userAssignedIdentities.createOrUpdate(rg, "aks-identity", {
    location: LOCATION,
  });
  if (opts.grant ?? true)
    await c.authorization.roleAssignments.create(subnetId, randomUUID(), {
      roleDefinitionId: `/subscriptions/${c.sub}/providers/Microsoft.Authorization/roleDefinitions/${NETWORK_CONTRIBUTOR}`,
      principalId: identity.principalId!,
      principalType: "ServicePrincipal",
    });
  return { vnetId: vnet.id!, subnetId, identityId: identity.id!, principalId: identity.principalId! };
}

/** A managed cluster on the prepared subnet (node-subnet Azure CNI unless overridden). */
export function clusterBody(
  setup: NetworkSetup,
  network: Partial<ContainerServiceNetworkProfile> = {},
): ManagedCluster {
  return {
    location: LOCATION,
    identity: { type: "UserAssigned", userAssignedIdentities: { [setup.identityId]: {} } },
    dnsPrefix: "tips",
    agentPoolProfiles: [
      {
        name: "nodepool1",
        count: 1,
        vmSize: "Standard_D2s_v5",
        mode: "System",
        vnetSubnetID: setup.subnetId,
      },
    ],
    networkProfile: {
      networkPlugin: "azure",
      serviceCidr: "10.0.0.0/16",
      dnsServiceIP: "10.0.0.10",
      networkPolicy: "azure",
      ...network,
    },
  };
}
