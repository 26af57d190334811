// A cluster as a Backstage catalog entity: kind Resource (backstage.io/v1alpha1), type
// kubernetes-cluster, owned by the team's group, with the status document's facts as annotations
// and links to the API. Pure: GET /api/clusters/{name}/catalog-info (functions/catalog-info.ts)
// serves it; Backstage reads JSON as YAML, so the URL can be a catalog location as it is.
import type { ClusterStatusDocument } from "../provision/types.js";

/** The annotation and label prefix of this product (Backstage wants a DNS-subdomain prefix). */
export const ANNOTATION_PREFIX = "aks-vending.io";

export interface BackstageResourceEntity {
  apiVersion: "backstage.io/v1alpha1";
  kind: "Resource";
  metadata: {
    name: string;
    title: string;
    description: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    tags: string[];
    links: { url: string; title: string; icon?: string }[];
  };
  spec: { type: "kubernetes-cluster"; owner: string; system?: string };
}

export interface CatalogInfoOptions {
  /** Absolute origin of the API ("https://app.azurewebsites.net"): entity links must be absolute. */
  origin: string;
  /** Backstage `system` the clusters belong to, when the platform team keeps one. */
  system?: string;
}

/**
 * Backstage label values follow Kubernetes': 63 characters of [A-Za-z0-9._-], alphanumeric at both
 * ends. The team and location already are; this keeps a label out rather than break the entity.
 */
function labelValue(v: string): string | undefined {
  return /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/.test(v) && v.length <= 63 ? v : undefined;
}

export function clusterResourceEntity(
  doc: ClusterStatusDocument,
  options: CatalogInfoOptions,
): BackstageResourceEntity {
  const p = ANNOTATION_PREFIX;
  const abs = (path: string) => new URL(path, options.origin).toString();
  const labels: Record<string, string> = {};
  for (const [key, value] of [
    [`${p}/team`, labelValue(doc.team)],
    [`${p}/phase`, labelValue(doc.phase)],
  ] as const)
    if (value !== undefined) labels[key] = value;
  const annotations: Record<string, string> = {
    [`${p}/subscription-id`]: doc.subscriptionId,
    [`${p}/resource-group`]: doc.resourceGroup,
    [`${p}/phase`]: doc.phase,
    [`${p}/status-url`]: abs(doc.links.self),
    ...(doc.outputs.clusterId ? { [`${p}/cluster-id`]: doc.outputs.clusterId } : {}),
    ...(doc.outputs.fqdn ? { [`${p}/fqdn`]: doc.outputs.fqdn } : {}),
    ...(doc.createdAt ? { [`${p}/created-at`]: doc.createdAt } : {}),
    ...(doc.requestedBy?.name ? { [`${p}/requested-by`]: doc.requestedBy.name } : {}),
  };
  return {
    apiVersion: "backstage.io/v1alpha1",
    kind: "Resource",
    metadata: {
      name: doc.name,
      title: doc.name,
      description: `AKS cluster ${doc.name} of team ${doc.team} in resource group ${doc.resourceGroup} (${doc.phase}), created through aks-vending.`,
      labels,
      annotations,
      tags: ["aks", "kubernetes"],
      links: [
        { url: abs(doc.links.self), title: "Provisioning status (aks-vending API)", icon: "dashboard" },
        {
          url: abs(`/api/portal/#/clusters/${encodeURIComponent(doc.name)}`),
          title: "Cluster in the portal",
        },
      ],
    },
    spec: {
      type: "kubernetes-cluster",
      owner: `group:default/${doc.team}`,
      ...(options.system ? { system: options.system } : {}),
    },
  };
}
