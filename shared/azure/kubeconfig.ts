// A cluster's kubeconfig from ARM: the user one (listClusterUserCredential) for callers of the API,
// the admin one (listClusterAdminCredential) for seeding. Answered as YAML, or undefined when ARM
// returned none; never logged and never kept by this module. And which life of a cluster a
// credential belongs to, for whoever does keep one.
import { parse, stringify } from "yaml";
import type { AppConfig } from "../config/index.js";
import { armClients } from "./clients.js";
import type { ClusterTarget } from "./names.js";

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
