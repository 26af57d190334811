// The upstream e2e model (test/e2e/network/netpol/model.go): namespaces x, y, z, each with pods a, b,
// c serving 80 and 81 on TCP, UDP and SCTP (container ports named serve-<port>-<protocol>). Pods
// carry pod=<name>, namespaces ns=<name> (plus kubernetes.io/metadata.name, set by the engine).
// Pod IPs: x/a 10.0.1.1, x/b 10.0.1.2, …, y/a 10.0.2.1, …, z/c 10.0.3.3.
import assert from "node:assert/strict";
import {
  compileCluster,
  type CompileOptions,
  type CompiledCluster,
  type NamespaceInput,
  type NetworkPolicyObject,
  type PodInput,
  type Protocol,
} from "../../../shared/netpol/index.js";

export const NAMESPACES = ["x", "y", "z"] as const;
export const POD_NAMES = ["a", "b", "c"] as const;
export const PODS = NAMESPACES.flatMap((ns) => POD_NAMES.map((p) => `${ns}/${p}`));

export function podIp(key: string): string {
  const [ns, pod] = key.split("/") as [string, string];
  return `10.0.${NAMESPACES.indexOf(ns as "x") + 1}.${POD_NAMES.indexOf(pod as "a") + 1}`;
}

export function modelNamespaces(extraLabels: Record<string, Record<string, string>> = {}): NamespaceInput[] {
  return NAMESPACES.map((name) => ({ name, labels: { ns: name, ...extraLabels[name] } }));
}

export function modelPods(extraLabels: Record<string, Record<string, string>> = {}): PodInput[] {
  return PODS.map((key) => {
    const [namespace, name] = key.split("/") as [string, string];
    return {
      namespace,
      name,
      labels: { pod: name, ...extraLabels[key] },
      ip: podIp(key),
      ports: [80, 81].flatMap((port) =>
        (["TCP", "UDP", "SCTP"] as const).map((protocol) => ({
          name: `serve-${port}-${protocol.toLowerCase()}`,
          port,
          protocol,
        })),
      ),
    };
  });
}

export function policy(namespace: string, name: string, spec: unknown): NetworkPolicyObject {
  return { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name, namespace }, spec };
}

export interface ModelOptions extends CompileOptions {
  namespaceLabels?: Record<string, Record<string, string>>;
  podLabels?: Record<string, Record<string, string>>;
}

/** The 9-pod model with the given policies. The diagonal is evaluated like any pair (as upstream's tables). */
export function model(policies: NetworkPolicyObject[], options: ModelOptions = {}): CompiledCluster {
  return compileCluster(
    { namespaces: modelNamespaces(options.namespaceLabels), pods: modelPods(options.podLabels), policies },
    { loopback: "evaluate", ...options },
  );
}

/** Renders a matrix in the compact form the tests write: "x/a ... ... ..." (to x/abc, y/abc, z/abc). */
export function grid(cluster: CompiledCluster, port: number, protocol: Protocol = "TCP"): string {
  const m = cluster.matrix(port, protocol);
  return PODS.map((from) => {
    const i = m.pods.indexOf(from);
    const cells = PODS.map((to) => (m.allowed(i, m.pods.indexOf(to)) ? "." : "X")).join("");
    return `${from} ${cells.slice(0, 3)} ${cells.slice(3, 6)} ${cells.slice(6, 9)}`;
  }).join("\n");
}

function normalise(table: string): string {
  return table
    .trim()
    .split("\n")
    .map((l) => l.trim().replace(/\s+/g, " "))
    .join("\n");
}

/**
 * Asserts the full matrix. `expected` has one row per source: "x/a ... ... ..." where the three
 * groups are the destinations x/a-c, y/a-c, z/a-c; "." allowed, "X" denied.
 */
export function expectMatrix(
  cluster: CompiledCluster,
  port: number,
  protocol: Protocol,
  expected: string,
): void {
  const actual = grid(cluster, port, protocol);
  assert.equal(`\n${actual}\n`, `\n${normalise(expected)}\n`, `matrix on ${port}/${protocol}`);
  // evaluate() must agree with matrix() cell by cell.
  for (const from of PODS)
    for (const to of PODS) {
      const v = cluster.evaluate({ from: { pod: from }, to: { pod: to }, port, protocol });
      const cell = actual.split("\n")[PODS.indexOf(from)]!.replace(/^\S+ /, "").replace(/ /g, "")[
        PODS.indexOf(to)
      ];
      assert.equal(v.allowed, cell === ".", `evaluate ${from} → ${to} ${port}/${protocol}`);
    }
}

export const ALL_ALLOWED = `
x/a ... ... ...
x/b ... ... ...
x/c ... ... ...
y/a ... ... ...
y/b ... ... ...
y/c ... ... ...
z/a ... ... ...
z/b ... ... ...
z/c ... ... ...`;
