// A cluster registration as the Azure emulator sends it, and a client-node KubeConfig for a
// registered cluster: shared by the Kubernetes integration tests and bench/kube.ts.
import * as k8s from "@kubernetes/client-node";
import type { ClusterRegistration } from "../emulators/kube/index.js";

export function registration(name = "c1", overrides: Partial<ClusterRegistration> = {}): ClusterRegistration {
  return {
    resourceId: `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/${name}`,
    name,
    kubernetesVersion: "1.33",
    network: {
      pluginMode: "overlay",
      networkPolicy: "cilium",
      podCidr: "10.244.0.0/16",
      serviceCidr: "10.0.0.0/16",
      dnsServiceIp: "10.0.0.10",
    },
    ...overrides,
  };
}

export function kubeConfigFor(
  server: string,
  caData: string,
  token: string,
  namespace = "default",
): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "c", server, caData }],
    users: [{ name: "u", token }],
    contexts: [{ name: "c", cluster: "c", user: "u", namespace }],
    currentContext: "c",
  });
  return kc;
}
