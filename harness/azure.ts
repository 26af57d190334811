// The Azure emulator through the REAL SDK clients (@azure/arm-*, authenticated by @azure/identity
// against the emulator's token endpoint), and the tutorial's ARM preparation: shared by the Azure
// integration tests and bench/azure-tutorial.ts.
import { randomUUID } from "node:crypto";
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
import type { AzureEmulator } from "../emulators/azure/index.js";

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
