// What a new AKS cluster already contains: the four system namespaces, its nodes (node-pools.ts), the
// `kubernetes` service, and CoreDNS (the kube-dns service on the DNS service IP plus its pods).
// It needs only the narrow NewCluster below, so it does not import cluster.ts (which calls it).
import { deployments } from "./apps/v1/deployments.js";
import { namespaces } from "./core/v1/namespaces.js";
import { services } from "./core/v1/services.js";
import type { ClusterContext, Kind } from "./context.js";
import type { RestStorage } from "./machinery/rest.js";
import type { KubeObject } from "./machinery/types.js";
import type { ClusterIpam } from "./network/ipam.js";
import { reconcileNodes, type NodeHost } from "./node-pools.js";

/** What bootstrapping uses of a cluster (a Cluster is one). */
export interface NewCluster extends NodeHost {
  readonly rest: RestStorage<ClusterContext>;
  readonly ipam: ClusterIpam;
  readonly registration: NodeHost["registration"] & { network: { dnsServiceIp: string } };
}

export function bootstrapCluster(cluster: NewCluster): void {
  const opts = { query: new URLSearchParams(), warnings: [] };
  const create = (def: Kind, obj: KubeObject) => cluster.rest.create(def, obj, opts, "kube-apiserver");
  for (const name of ["default", "kube-system", "kube-public", "kube-node-lease"])
    create(namespaces, { apiVersion: "v1", kind: "Namespace", metadata: { name } });
  reconcileNodes(cluster);
  create(services, {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: "kubernetes",
      namespace: "default",
      labels: { component: "apiserver", provider: "kubernetes" },
    },
    spec: { ports: [{ name: "https", port: 443, targetPort: 443, protocol: "TCP" }] },
  });
  // The DNS service IP is reserved in the pool so no other service takes it; kube-dns claims it.
  cluster.ipam.services.release(cluster.registration.network.dnsServiceIp);
  const dnsLabels = { "k8s-app": "kube-dns", "kubernetes.io/name": "CoreDNS" };
  create(services, {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "kube-dns", namespace: "kube-system", labels: dnsLabels },
    spec: {
      selector: { "k8s-app": "kube-dns" },
      clusterIP: cluster.registration.network.dnsServiceIp,
      ports: [
        { name: "dns", port: 53, protocol: "UDP", targetPort: 53 },
        { name: "dns-tcp", port: 53, protocol: "TCP", targetPort: 53 },
      ],
    },
  });
  create(deployments, {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "coredns", namespace: "kube-system", labels: dnsLabels },
    spec: {
      replicas: 2,
      selector: { matchLabels: { "k8s-app": "kube-dns" } },
      template: {
        metadata: { labels: { "k8s-app": "kube-dns", "kubernetes.azure.com/managedby": "aks" } },
        spec: {
          containers: [
            {
              name: "coredns",
              image: "mcr.microsoft.com/oss/v2/kubernetes/coredns:v1.12.0-1",
              args: ["-conf", "/etc/coredns/Corefile"],
              ports: [
                { name: "dns", containerPort: 53, protocol: "UDP" },
                { name: "dns-tcp", containerPort: 53, protocol: "TCP" },
              ],
            },
          ],
        },
      },
    },
  });
}
