// The matchers at evaluation time: does a port entry, a peer, a rule, a direction allow a connection?
// One implementation serves evaluate(), matrix() and explain().
import { containsAddress } from "../network/cidr.js";
import {
  selectorMatches,
  type PeerMatcher,
  type PodModel,
  type PolicyMatcher,
  type PortMatcher,
} from "./compile.js";
import type { AllowingRule, Direction, Protocol } from "./types.js";

/** A query endpoint resolved against the cluster: one of its pods, or an address outside it. */
export type ResolvedEndpoint = { kind: "pod"; pod: PodModel } | { kind: "ip"; ip: number; text: string };

export interface Connection {
  src: ResolvedEndpoint;
  dst: ResolvedEndpoint;
  port: number;
  protocol: Protocol;
}

/**
 * A rule's port entry. Named ports resolve on the destination pod (for egress too: the peer), and
 * only when the pod's container port has the same protocol; they never match a non-pod address.
 */
export function portMatches(pm: PortMatcher, c: Connection): boolean {
  if (pm.protocol !== c.protocol) return false;
  switch (pm.kind) {
    case "all":
      return true;
    case "range":
      return c.port >= pm.from && c.port <= pm.to;
    case "named": {
      if (c.dst.kind !== "pod") return false;
      const named = c.dst.pod.namedPorts.get(pm.name);
      return named !== undefined && named.port === c.port && named.protocol === c.protocol;
    }
  }
}

/** The address an ipBlock sees for an endpoint, if any. */
export function ipBlockAddress(ep: ResolvedEndpoint, ipBlockMatchesPods: boolean): number | undefined {
  if (ep.kind === "ip") return ep.ip;
  return ipBlockMatchesPods ? ep.pod.ip : undefined;
}

/** A `from`/`to` entry: selector peers match pods only, ipBlock peers match addresses. */
export function peerMatches(peer: PeerMatcher, ep: ResolvedEndpoint, ipBlockMatchesPods: boolean): boolean {
  if (peer.kind === "pods")
    return (
      ep.kind === "pod" &&
      peer.namespaces[ep.pod.nsIndex] === 1 &&
      (peer.podSelector === undefined || selectorMatches(peer.podSelector, ep.pod))
    );
  const ip = ipBlockAddress(ep, ipBlockMatchesPods);
  if (ip === undefined || !containsAddress(peer.cidr, ip)) return false;
  for (const e of peer.except) if (containsAddress(e, ip)) return false;
  return true;
}

/**
 * The first rule (policies and rules in input order) that allows the connection in a direction, for
 * a pod selected by `policies`. Within a rule, ports AND peers; entries of each list are ORed.
 */
export function allowingRule(
  policies: readonly PolicyMatcher[],
  direction: Direction,
  c: Connection,
  ipBlockMatchesPods: boolean,
): AllowingRule | undefined {
  // The peer is the other end: the source for ingress, the destination for egress.
  const peerEp = direction === "Ingress" ? c.src : c.dst;
  for (const policy of policies) {
    const rules = (direction === "Ingress" ? policy.ingress : policy.egress) ?? [];
    for (const rule of rules) {
      let port: number | undefined;
      if (rule.ports) {
        port = rule.ports.findIndex((pm) => portMatches(pm, c));
        if (port < 0) continue;
      }
      let peer: number | undefined;
      if (rule.peers) {
        peer = rule.peers.findIndex((p) => peerMatches(p, peerEp, ipBlockMatchesPods));
        if (peer < 0) continue;
      }
      const found: AllowingRule = { policy: policy.key, rule: rule.index };
      if (peer !== undefined) found.peer = peer;
      if (port !== undefined) found.port = port;
      return found;
    }
  }
  return undefined;
}
