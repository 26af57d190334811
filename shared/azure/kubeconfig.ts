// A cluster's kubeconfig from ARM: the user one (listClusterUserCredential) for callers of the API,
// the admin one (listClusterAdminCredential) for seeding. Answered as YAML, or undefined when ARM
// returned none; never logged and never kept by this module.
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
