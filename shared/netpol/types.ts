// The engine's public vocabulary: what goes in (namespaces, pods, policies, queries) and what comes
// out (verdicts that carry their own explanation). Shared with the Kubernetes emulator's data plane.
import type { Problem } from "../validation/problems.js";

export type Protocol = "TCP" | "UDP" | "SCTP";

export interface NamespaceInput {
  name: string;
  /** `kubernetes.io/metadata.name=<name>` is set by the engine, as the API server does. */
  labels: Record<string, string>;
}

export interface PodPort {
  name?: string;
  port: number;
  /** Defaults to TCP. */
  protocol?: Protocol;
}

export interface PodInput {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  /** IPv4 address; a pod without one can still be reached by name but never matches an ipBlock. */
  ip?: string;
  /** Container ports (all containers of the pod): named ports of policies resolve against them. */
  ports?: PodPort[];
}

export interface NetworkPolicyObject {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace: string };
  /** Validated and defaulted by the engine as the API server does (absent = `{}`). */
  spec: unknown;
}

/** A pod by "namespace/name", or an IP address (a pod's IP resolves to that pod). */
export type Endpoint = { pod: string } | { ip: string };

export interface ConnectionQuery {
  from: Endpoint;
  to: Endpoint;
  port: number;
  /** Defaults to TCP. */
  protocol?: Protocol;
}

export type Direction = "Egress" | "Ingress";

/** Where a connection was allowed: the policy, its rule in that direction and the peer (if the rule names peers). */
export interface AllowingRule {
  /** "namespace/name" of the policy. */
  policy: string;
  /** Index in `spec.ingress` or `spec.egress`. */
  rule: number;
  /** Index in the rule's `from`/`to`; absent when the rule has no peers (all peers). */
  peer?: number;
  /** Index in the rule's `ports`; absent when the rule has no ports (all ports). */
  port?: number;
}

export type DirectionReason =
  /** The endpoint governed by this direction is not a pod of the cluster (an external IP). */
  | "External"
  /** A pod connecting to itself (see README: a pod cannot block access to itself). */
  | "Loopback"
  /** No policy selects the pod for this direction. */
  | "NotIsolated"
  /** The pod is isolated and a rule of a selecting policy allows the connection. */
  | "AllowedByRule"
  /** The pod is isolated and no rule of any selecting policy allows the connection. */
  | "NoRuleMatched";

export interface DirectionVerdict {
  direction: Direction;
  /** The pod this direction is decided for: the source for Egress, the destination for Ingress. */
  pod?: string;
  allowed: boolean;
  isolated: boolean;
  /** "namespace/name" of every policy that selects the pod for this direction, in input order. */
  selectingPolicies: string[];
  reason: DirectionReason;
  /** The first rule (in input order) that allows the connection. */
  allowedBy?: AllowingRule;
}

export interface Verdict {
  allowed: boolean;
  egress: DirectionVerdict;
  ingress: DirectionVerdict;
}

/** A full single-port reachability matrix: `allowed(i, j)` for pods[i] → pods[j]. */
export interface ReachabilityMatrix {
  port: number;
  protocol: Protocol;
  /** "namespace/name" of every pod, in input order. */
  pods: string[];
  /** Row-major, `cells[from * pods.length + to]` is 1 when allowed. */
  cells: Uint8Array;
  allowed(from: number, to: number): boolean;
}

export interface CompileOptions {
  /**
   * Whether ipBlock peers match pod IPs. Upstream e2e tests and Calico: yes (the default); Cilium
   * does not select in-cluster endpoints by CIDR.
   */
  ipBlockMatchesPods?: boolean;
  /**
   * Pod → itself: "allow" (default; a pod cannot block access to itself) or "evaluate" (apply the
   * policies as for any other pair, like the upstream truth tables).
   */
  loopback?: "allow" | "evaluate";
}

export interface CompiledCluster {
  evaluate(q: ConnectionQuery): Verdict;
  /** A readable explanation of the verdict, rule by rule. */
  explain(q: ConnectionQuery): string;
  matrix(port: number, protocol?: Protocol): ReachabilityMatrix;
  /** "namespace/name" of every pod, in input order. */
  readonly pods: readonly string[];
}

/** Invalid engine input (or a query naming an unknown pod): every problem, ARM style. */
export class NetpolInputError extends Error {
  readonly code = "InvalidNetworkPolicyInput";
  constructor(readonly details: Problem[]) {
    super(
      `${details.length} problem${details.length === 1 ? "" : "s"} in the NetworkPolicy input: ${details
        .slice(0, 3)
        .map((p) => `${p.path || "(input)"}: ${p.message}`)
        .join("; ")}${details.length > 3 ? "; …" : ""}`,
    );
    this.name = "NetpolInputError";
  }

  toArmError(): { error: { code: string; message: string; details: Problem[] } } {
    return { error: { code: this.code, message: this.message, details: this.details } };
  }
}
