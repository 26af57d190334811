// The full single-port matrix with bitsets: each peer resolves once to the set of pods it matches,
// each destination to the set of sources its ingress allows, each source to the destinations its
// egress allows. Then every cell is two bit tests. Same matchers as evaluate() (match.ts).
import type { ClusterModel, PeerMatcher, PodModel, PolicyMatcher, RuleMatcher } from "./compile.js";
import { peerMatches, portMatches, type Connection, type ResolvedEndpoint } from "./match.js";
import type { Protocol } from "./types.js";

type Bits = Uint32Array;

const has = (bits: Bits, i: number): boolean => (bits[i >>> 5]! & (1 << (i & 31))) !== 0;

function orInto(target: Bits, source: Bits): void {
  for (let w = 0; w < target.length; w++) target[w]! |= source[w]!;
}

export function computeMatrix(
  model: ClusterModel,
  endpoints: readonly ResolvedEndpoint[],
  settings: { ipBlockMatchesPods: boolean; loopback: "allow" | "evaluate" },
  port: number,
  protocol: Protocol,
): Uint8Array {
  const n = model.pods.length;
  const words = (n + 31) >>> 5;
  const all = new Uint32Array(words);
  for (let i = 0; i < n; i++) all[i >>> 5]! |= 1 << (i & 31);

  const peerSets = new Map<PeerMatcher, Bits>();
  const peerSet = (peer: PeerMatcher): Bits => {
    let bits = peerSets.get(peer);
    if (!bits) {
      bits = new Uint32Array(words);
      for (let i = 0; i < n; i++)
        if (peerMatches(peer, endpoints[i]!, settings.ipBlockMatchesPods)) bits[i >>> 5]! |= 1 << (i & 31);
      peerSets.set(peer, bits);
    }
    return bits;
  };
  /** Adds the pods a rule's peers match; returns true when the rule matches every peer. */
  const addPeers = (rule: RuleMatcher, into: Bits): boolean => {
    if (!rule.peers) return true;
    for (const peer of rule.peers) orInto(into, peerSet(peer));
    return false;
  };

  const c: Connection = { src: endpoints[0]!, dst: endpoints[0]!, port, protocol };
  const portsMatch = (rule: RuleMatcher, dst: ResolvedEndpoint): boolean => {
    c.dst = dst;
    return !rule.ports || rule.ports.some((pm) => portMatches(pm, c));
  };

  // Ingress of each destination: port matching depends on the destination only.
  const ingressCache = new Map<string, Bits>();
  const policiesKey = (policies: readonly PolicyMatcher[]) => policies.map((p) => p.key).join("\u0000");
  const ingress: Bits[] = model.pods.map((pod) => {
    if (pod.ingressPolicies.length === 0) return all;
    // Pods without named ports share the result of an identical policy list.
    const shareable = pod.namedPorts.size === 0;
    const key = shareable ? policiesKey(pod.ingressPolicies) : "";
    const cached = shareable ? ingressCache.get(key) : undefined;
    if (cached) return cached;
    const bits = new Uint32Array(words);
    let everything = false;
    for (const policy of pod.ingressPolicies)
      for (const rule of policy.ingress ?? [])
        if (!everything && portsMatch(rule, endpoints[pod.index]!)) everything = addPeers(rule, bits);
    const result = everything ? all : bits;
    if (shareable) ingressCache.set(key, result);
    return result;
  });

  // Egress of each source: rules whose ports match whatever the destination is (numeric or
  // any-port entries) go into one bitset; rules matching only through named ports are checked
  // per destination.
  const namedOnly = (rule: RuleMatcher): boolean =>
    rule.ports !== undefined &&
    rule.ports.every(
      (pm) =>
        pm.kind === "named" ||
        pm.protocol !== protocol ||
        (pm.kind === "range" && (port < pm.from || port > pm.to)),
    );
  const cells = new Uint8Array(n * n);
  for (let i = 0; i < n; i++) {
    const src: PodModel = model.pods[i]!;
    const row = i * n;
    let egress = all;
    const perDestination: RuleMatcher[] = [];
    if (src.egressPolicies.length > 0) {
      egress = new Uint32Array(words);
      let everything = false;
      for (const policy of src.egressPolicies)
        for (const rule of policy.egress ?? []) {
          if (everything) break;
          if (namedOnly(rule)) {
            if (rule.ports!.some((pm) => pm.kind === "named" && pm.protocol === protocol))
              perDestination.push(rule);
          } else everything = addPeers(rule, egress);
        }
      if (everything) egress = all;
    }
    for (let j = 0; j < n; j++) {
      if (i === j && settings.loopback === "allow") {
        cells[row + j] = 1;
        continue;
      }
      if (!has(ingress[j]!, i)) continue;
      let ok = has(egress, j);
      for (let r = 0; !ok && r < perDestination.length; r++) {
        const rule = perDestination[r]!;
        ok = portsMatch(rule, endpoints[j]!) && (!rule.peers || rule.peers.some((p) => has(peerSet(p), j)));
      }
      if (ok) cells[row + j] = 1;
    }
  }
  return cells;
}
