// A cluster's kubeconfig from ARM: the user one (listClusterUserCredential) for callers of the API,
// the admin one (listClusterAdminCredential) for seeding. Answered as YAML, or undefined when ARM
// returned none; never logged and never kept by this module. And which life of a cluster a
// credential belongs to, for whoever does keep one.
import { parse, stringify } from "yaml";
import type { AppConfig } from "../config/index.js";
import { armClients } from "./clients.js";
import { AKS_SERVER_APP_ID, type ClusterTarget } from "./names.js";

export async function clusterKubeconfig(
  config: AppConfig,
  target: ClusterTarget,
  kind: "user" | "admin",
): Promise<string | undefined> {
  const clusters = armClients(config, target.subscriptionId).containerService.managedClusters;
  const creds =
    kind === "admin"
      ? await clusters.listClusterAdminCredentials(target.resourceGroup, target.name)
      : await clusters.listClusterUserCredentials(target.resourceGroup, target.name);
  const value = creds.kubeconfigs?.[0]?.value;
  return value ? Buffer.from(value).toString("utf8") : undefined;
}

/**
 * Which life of the cluster at `target` this is: ARM's resource id plus what tells a re-created
 * cluster of the same name apart. AKS's `resourceUID` exists for exactly that ("uniquely identifies
 * ManagedClusters that reuse ARM ResourceIds"); `systemData.createdAt` is the fallback. Undefined
 * `life` when ARM returns neither: then nothing may be cached for it.
 */
export async function clusterIdentity(
  config: AppConfig,
  target: ClusterTarget,
): Promise<{ id: string; life?: string; entra: boolean }> {
  const clusters = armClients(config, target.subscriptionId).containerService.managedClusters;
  const mc = await clusters.get(target.resourceGroup, target.name);
  const life = mc.resourceUID ?? mc.systemData?.createdAt?.toISOString();
  return { id: mc.id ?? "", ...(life ? { life } : {}), entra: mc.aadProfile?.managed === true };
}

/**
 * A kubeconfig that acts as the app's own identity on an Entra ID cluster: the server and CA of the
 * user kubeconfig ARM lists (whose user is an exec plugin, holding nothing secret) with a bearer
 * token of the app for the AKS server application in place of the plugin.
 */
export function withBearerToken(userKubeconfig: string, token: string): string {
  const doc = parse(userKubeconfig) as {
    users?: { name: string; user: Record<string, unknown> }[];
  };
  for (const u of doc.users ?? []) u.user = { token };
  return stringify(doc);
}

/** The credential plugins a kubeconfig of an Entra ID cluster may name (GET …/kubeconfig?plugin=). */
export const KUBECONFIG_PLUGINS = ["kubelogin", "aks-vending"] as const;
export type KubeconfigPlugin = (typeof KUBECONFIG_PLUGINS)[number];
export const DEFAULT_KUBECONFIG_PLUGIN: KubeconfigPlugin = "kubelogin";

/**
 * The exec credential plugin of a kubeconfig: kubelogin as AKS documents it (the Azure CLI's
 * sign-in, `kubelogin convert-kubeconfig -l <mode>` changes it), or this project's CLI, which asks
 * DefaultAzureCredential in Azure and the local issuer on the local stack. Both print an
 * ExecCredential with a token for the AKS server application; nothing secret is written here.
 */
export function execPlugin(plugin: KubeconfigPlugin): Record<string, unknown> {
  const common = {
    apiVersion: "client.authentication.k8s.io/v1",
    interactiveMode: "IfAvailable",
    provideClusterInfo: false,
  };
  return plugin === "kubelogin"
    ? {
        ...common,
        command: "kubelogin",
        args: ["get-token", "--login", "azurecli", "--server-id", AKS_SERVER_APP_ID],
        installHint:
          "kubelogin is not installed: https://azure.github.io/kubelogin/install.html (or ask for ?plugin=aks-vending)",
      }
    : {
        ...common,
        command: "aks-vending",
        args: ["kube-token", "--server-id", AKS_SERVER_APP_ID],
        installHint: "aks-vending is not on PATH: npm install -g aks-vending, then aks-vending login",
      };
}

/**
 * The kubeconfig the API hands out for an Entra ID cluster: the server and CA of ARM's user
 * kubeconfig, and for every user the exec plugin in place of whatever ARM wrote. No token, no
 * certificate key: what the holder may do is decided by the cluster's Azure RBAC for their token.
 */
export function withExecPlugin(userKubeconfig: string, plugin: KubeconfigPlugin): string {
  const doc = parse(userKubeconfig) as {
    users?: { name: string; user: Record<string, unknown> }[];
  };
  for (const u of doc.users ?? []) u.user = { exec: execPlugin(plugin) };
  return stringify(doc);
}
