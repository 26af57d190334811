// The data plane's question to a NetworkPolicy implementation, shaped like the project's engine
// (shared/netpol: compileCluster(view).evaluate(query)), so the engine plugs in unchanged.

export interface ClusterView {
  namespaces: { name: string; labels: Record<string, string> }[];
  pods: {
    namespace: string;
    name: string;
    labels: Record<string, string>;
    ip?: string;
    ports?: { name?: string; port: number; protocol?: "TCP" | "UDP" | "SCTP" }[];
  }[];
  policies: { metadata: { name: string; namespace: string }; spec: unknown }[];
}

export type Peer = { pod: string } | { ip: string };

export interface ReachabilityQuery {
  from: Peer;
  to: Peer;
  port: number;
  protocol?: "TCP" | "UDP" | "SCTP";
}

export interface Verdict {
  allowed: boolean;
}

export interface ReachabilityDecider {
  compile(view: ClusterView): { evaluate(query: ReachabilityQuery): Verdict };
}

/** A cluster created without a network policy engine (networkPolicy "none") enforces nothing. */
export const noEnforcement: ReachabilityDecider = {
  compile: () => ({ evaluate: () => ({ allowed: true }) }),
};
