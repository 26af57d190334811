// What a new AKS cluster already contains: the four system namespaces, one node, the
// `kubernetes` service, and CoreDNS (the kube-dns service on the DNS service IP plus its pods).
// It needs only the narrow NewCluster below, so it does not import cluster.ts (which calls it).
import { deployments } from "./apps/v1/deployments.js";
import { namespaces } from "./core/v1/namespaces.js";
import { nodes } from "./core/v1/nodes.js";
import { services } from "./core/v1/services.js";
import type { ClusterContext, Kind } from "./context.js";
import type { RestStorage } from "./machinery/rest.js";
import type { KubeObject } from "./machinery/types.js";
import type { ClusterIpam } from "./network/ipam.js";

export const NODE_NAME = "aks-nodepool1-12345678-vmss000000";

/** What bootstrapping uses of a cluster (a Cluster is one). */
export interface NewCluster {
  readonly rest: RestStorage<ClusterContext>;
  readonly ipam: ClusterIpam;
  readonly registration: { kubernetesVersion: string; network: { dnsServiceIp: string } };
  /** Writes an object as the system does (status included, no admission). */
  writeSystem(def: Kind, obj: KubeObject): KubeObject;
}

export function bootstrapCluster(cluster: NewCluster): void {
  const opts = { query: new URLSearchParams(), warnings: [] };
  const create = (def: Kind, obj: KubeObject) => cluster.rest.create(def, obj, opts, "kube-apiserver");
  for (const name of ["default", "kube-system", "kube-public", "kube-node-lease"])
    create(namespaces, { apiVersion: "v1", kind: "Namespace", metadata: { name } });
  const version = cluster.registration.kubernetesVersion.replace(/^v/, "");
  const full = version.split(".").length === 2 ? `${version}.0` : version;
  const node = create(nodes, {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: NODE_NAME,
      labels: {
        "kubernetes.io/hostname": NODE_NAME,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.azure.com/agentpool": "nodepool1",
        "node.kubernetes.io/instance-type": "Standard_DS2_v2",
      },
    },
    spec: {},
  });
  cluster.writeSystem(nodes, {
    ...node,
    status: {
      conditions: [
        { type: "Ready", status: "True", reason: "KubeletReady", message: "kubelet is posting ready status" },
      ],
      addresses: [
        { type: "InternalIP", address: cluster.ipam.nodeIp },
        { type: "Hostname", address: NODE_NAME },
      ],
      nodeInfo: {
        kubeletVersion: `v${full}`,
        osImage: "Ubuntu 22.04.5 LTS",
        containerRuntimeVersion: "containerd://1.7.25-1",
        architecture: "amd64",
        operatingSystem: "linux",
      },
    },
  });
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
