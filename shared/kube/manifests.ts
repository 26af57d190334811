// The Kubernetes objects a ClusterSpec seeds, and the probe pods that verify it. Pure functions: no
// client here. Ownership marks are annotations, never labels, so nothing we add changes what a
// NetworkPolicy selects (the expectation check ran on exactly the labels of the request).
import type { V1Namespace, V1NetworkPolicy, V1Pod, V1Service } from "@kubernetes/client-node";
import type { V1Deployment } from "@kubernetes/client-node";
import type { ClusterSpec } from "../spec/schema.js";
import { defaultDenyPolicyName } from "../spec/rules/namespaces.js";

export type NamespacePlan = ClusterSpec["namespaces"][number];
export type WorkloadPlan = NamespacePlan["workloads"][number];

export const FIELD_MANAGER = "aks-vending";
export const ANNOTATIONS = {
  managedBy: "aks-vending/managed-by",
  probeFor: "aks-vending/probe",
} as const;

const owned = { [ANNOTATIONS.managedBy]: "aks-vending" };

export function namespaceManifest(ns: NamespacePlan): V1Namespace & { apiVersion: string; kind: string } {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: ns.name, labels: { ...ns.labels }, annotations: owned },
  };
}

/**
 * Policies in the order they must exist: the default-deny policy first, then the request's own, so
 * there is never a moment where a later rule is in place but the isolation it refines is not.
 */
export function policyManifests(
  ns: NamespacePlan,
): (V1NetworkPolicy & { apiVersion: string; kind: string })[] {
  const out: (V1NetworkPolicy & { apiVersion: string; kind: string })[] = [];
  if (ns.defaultDeny.length > 0)
    out.push({
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: defaultDenyPolicyName(ns.defaultDeny), namespace: ns.name, annotations: owned },
      spec: { podSelector: {}, policyTypes: [...ns.defaultDeny] },
    });
  for (const p of ns.networkPolicies)
    out.push({
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: p.name, namespace: ns.name, annotations: owned },
      spec: clientNodePolicySpec(p.spec),
    });
  return out;
}

type PolicySpec = NamespacePlan["networkPolicies"][number]["spec"];

/**
 * client-node serializes through its generated models, where an ingress rule's `from` is the
 * property `_from` (a reserved word in the generator): a plain `from` is silently dropped from the
 * request, which would turn "allow from frontend" into "allow from everyone".
 */
export function clientNodePolicySpec(spec: PolicySpec): V1NetworkPolicy["spec"] {
  const copy = structuredClone(spec) as PolicySpec;
  const { ingress, ...rest } = copy;
  return {
    ...(rest as Omit<NonNullable<V1NetworkPolicy["spec"]>, "ingress">),
    ...(ingress
      ? {
          ingress: ingress.map(({ from, ...rule }) => ({
            ...(rule as object),
            ...(from ? { _from: from } : {}),
          })),
        }
      : {}),
  } as V1NetworkPolicy["spec"];
}

export function deploymentManifest(
  namespace: string,
  w: WorkloadPlan,
): V1Deployment & { apiVersion: string; kind: string } {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: w.name, namespace, labels: { ...w.labels }, annotations: owned },
    spec: {
      replicas: w.replicas,
      selector: { matchLabels: { ...w.labels } },
      template: {
        metadata: { labels: { ...w.labels } },
        spec: {
          containers: [
            {
              name: w.name,
              image: w.image,
              ports: w.ports.map((p) => ({
                containerPort: p.port,
                protocol: p.protocol,
                ...(p.name ? { name: p.name } : {}),
              })),
            },
          ],
        },
      },
    },
  };
}

export function serviceManifest(
  namespace: string,
  w: WorkloadPlan,
): (V1Service & { apiVersion: string; kind: string }) | undefined {
  if (!w.expose) return undefined;
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: w.name, namespace, labels: { ...w.labels }, annotations: owned },
    spec: {
      selector: { ...w.labels },
      ports: w.ports.map((p) => ({
        port: p.port,
        targetPort: p.port,
        protocol: p.protocol,
        ...(p.name ? { name: p.name } : {}),
      })),
    },
  };
}

/** A probe pod: one wget with a timeout, as the tutorial checks by hand. */
export function probePodManifest(p: {
  podName: string;
  namespace: string;
  labels: Record<string, string>;
  host: string;
  port: number;
  image: string;
  timeoutSeconds: number;
}): V1Pod & { apiVersion: string; kind: string } {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: p.podName,
      namespace: p.namespace,
      labels: { ...p.labels },
      annotations: { ...owned, [ANNOTATIONS.probeFor]: `${p.host}:${p.port}` },
    },
    spec: {
      restartPolicy: "Never",
      containers: [
        {
          name: "probe",
          image: p.image,
          command: ["wget", "-qO-", `--timeout=${p.timeoutSeconds}`, `http://${p.host}:${p.port}`],
        },
      ],
    },
  };
}
