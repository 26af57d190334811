// The one place that decides how we reach ARM: endpoint, credential and retry policy come from
// configuration. Production: public-cloud ARM with the app's managed identity. Locally: the Azure
// emulator (AKSV_ARM_ENDPOINT) with the same ManagedIdentityCredential, which the host points at the
// emulator's token endpoint through IDENTITY_ENDPOINT / IDENTITY_HEADER, as App Service does.
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { ContainerServiceClient } from "@azure/arm-containerservice";
import { ManagedServiceIdentityClient } from "@azure/arm-msi";
import { NetworkManagementClient } from "@azure/arm-network";
import { ResourceManagementClient } from "@azure/arm-resources";
import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from "@azure/identity";
import type { AppConfig } from "../config/index.js";
import { processThrottleGate } from "./throttle-gate.js";

export interface ArmClients {
  subscriptionId: string;
  resources: ResourceManagementClient;
  network: NetworkManagementClient;
  msi: ManagedServiceIdentityClient;
  authorization: AuthorizationManagementClient;
  containerService: ContainerServiceClient;
}

/** Sees every ARM response (after the SDK's own retries): used to read Retry-After of a poll. */
export type ResponseObserver = (status: number, headers: { get(name: string): string | undefined }) => void;

const credentials = new Map<string, TokenCredential>();

export function armCredential(config: AppConfig): TokenCredential {
  const key = `${config.arm.credential}|${config.arm.managedIdentityClientId ?? ""}`;
  let credential = credentials.get(key);
  if (!credential) {
    const clientId = config.arm.managedIdentityClientId;
    credential =
      config.arm.credential === "default"
        ? new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {})
        : new ManagedIdentityCredential(clientId ? { clientId } : {});
    credentials.set(key, credential);
  }
  return credential;
}

export function createArmClients(
  config: AppConfig,
  subscriptionId: string,
  observe?: ResponseObserver,
): ArmClients {
  const credential = armCredential(config);
  const { endpoint, retry } = config.arm;
  // Classic clients (msi, authorization) would ask for "<endpoint>/.default"; ARM's audience is fixed.
  const scopes = [`${config.arm.audience}/.default`];
  const common = { endpoint, retryOptions: retry };
  const clients: ArmClients = {
    subscriptionId,
    resources: new ResourceManagementClient(credential, subscriptionId, {
      ...common,
      credentials: { scopes },
    }),
    network: new NetworkManagementClient(credential, subscriptionId, { ...common, credentials: { scopes } }),
    containerService: new ContainerServiceClient(credential, subscriptionId, {
      ...common,
      credentials: { scopes },
    }),
    msi: new ManagedServiceIdentityClient(credential, subscriptionId, {
      ...common,
      credentialScopes: scopes,
    }),
    authorization: new AuthorizationManagementClient(credential, subscriptionId, {
      ...common,
      credentialScopes: scopes,
    }),
  };
  const all = [
    clients.resources,
    clients.network,
    clients.containerService,
    clients.msi,
    clients.authorization,
  ];
  // Inside the SDK's retries: each attempt, a retry after a 429 too, waits its turn at the gate.
  if (config.arm.throttleGate)
    for (const c of all) c.pipeline.addPolicy(processThrottleGate.policy(), { afterPhase: "Retry" });
  if (observe)
    for (const c of all)
      c.pipeline.addPolicy({
        name: "aksvResponseObserver",
        sendRequest: async (request, next) => {
          const response = await next(request);
          observe(response.status, response.headers);
          return response;
        },
      });
  return clients;
}

const cache = new Map<string, ArmClients>();

/** Clients shared by the activities of this process (one set per subscription). */
export function armClients(config: AppConfig, subscriptionId: string): ArmClients {
  let clients = cache.get(subscriptionId);
  if (!clients) {
    clients = createArmClients(config, subscriptionId);
    cache.set(subscriptionId, clients);
  }
  return clients;
}
