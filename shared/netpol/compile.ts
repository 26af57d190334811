// Compilation: validated objects → matchers (target → rules → peers and ports), built once so that
// evaluation is a few array look-ups. Selector results are cached per distinct label set.
import { parseCidr, parseIPv4, type Cidr } from "../network/cidr.js";
import type { ValidClusterInput, ValidNetworkPolicy } from "./input.js";
import type { LabelSelector, NetworkPolicyPeer, NetworkPolicyPort } from "./policy-schema.js";
import { compileSelector, type CompiledSelector, type Labels } from "./selector.js";
import type { Protocol } from "./types.js";

export type PortMatcher = { index: number; protocol: Protocol; text: string } & (
  { kind: "all" } | { kind: "range"; from: number; to: number } | { kind: "named"; name: string }
);

export type PeerMatcher = { index: number; text: string } & (
  | {
      kind: "pods";
      /** 1 for every namespace index the peer covers. */
      namespaces: Uint8Array;
      /** Undefined: every pod of those namespaces. */
      podSelector: SelectorRef | undefined;
    }
  | { kind: "ipBlock"; cidr: Cidr; except: Cidr[] }
);

export interface RuleMatcher {
  index: number;
  /** Undefined: every port and protocol. */
  ports: PortMatcher[] | undefined;
  /** Undefined: every peer, including external IPs. */
  peers: PeerMatcher[] | undefined;
}

export interface PolicyMatcher {
  /** "namespace/name". */
  key: string;
  namespace: string;
  target: CompiledSelector;
  /** Undefined when the policy does not have that type (it then has no effect on that direction). */
  ingress: RuleMatcher[] | undefined;
  egress: RuleMatcher[] | undefined;
}

export interface NamedPort {
  port: number;
  protocol: Protocol;
}

export interface PodModel {
  index: number;
  /** "namespace/name". */
  key: string;
  namespace: string;
  nsIndex: number;
  labels: Labels;
  /** Pods with equal labels share an id: selector results are cached per id. */
  labelSetId: number;
  ip: number | undefined;
  ipText: string | undefined;
  /** Container ports by name (names are unique within a pod). */
  namedPorts: ReadonlyMap<string, NamedPort>;
  /** Policies that select the pod and have that type, in input order. */
  ingressPolicies: PolicyMatcher[];
  egressPolicies: PolicyMatcher[];
}

/** A pod selector interned across all peers, with its results cached per label set. */
export interface SelectorRef {
  selector: CompiledSelector;
  /** Per label-set id: 0 not yet known, 1 matches, 2 does not. */
  cache: Uint8Array;
}

export interface ClusterModel {
  namespaces: { name: string; labels: Labels }[];
  pods: PodModel[];
  podByKey: Map<string, PodModel>;
  podByIp: Map<number, PodModel>;
  policies: PolicyMatcher[];
}

export function selectorMatches(ref: SelectorRef, pod: PodModel): boolean {
  const cached = ref.cache[pod.labelSetId];
  if (cached === 1) return true;
  if (cached === 2) return false;
  const result = ref.selector.matches(pod.labels);
  ref.cache[pod.labelSetId] = result ? 1 : 2;
  return result;
}

function mustParseCidr(text: string): Cidr {
  const parsed = parseCidr(text);
  // The schema has validated every CIDR already.
  if (!parsed.ok) throw new Error(`unvalidated CIDR ${text}`);
  return parsed.cidr;
}

function compilePort(p: NetworkPolicyPort, index: number): PortMatcher {
  const protocol = p.protocol ?? "TCP";
  if (p.port === undefined) return { index, protocol, kind: "all", text: `any ${protocol} port` };
  if (typeof p.port === "string")
    return { index, protocol, kind: "named", name: p.port, text: `${p.port}/${protocol}` };
  const to = p.endPort ?? p.port;
  return {
    index,
    protocol,
    kind: "range",
    from: p.port,
    to,
    text: to === p.port ? `${p.port}/${protocol}` : `${p.port}-${to}/${protocol}`,
  };
}

class Compiler {
  private readonly selectors = new Map<string, SelectorRef>();
  private readonly nsIndex: Map<string, number>;

  constructor(
    private readonly namespaces: { name: string; labels: Labels }[],
    private readonly labelSetCount: number,
  ) {
    this.nsIndex = new Map(namespaces.map((ns, i) => [ns.name, i]));
  }

  private selectorRef(selector: LabelSelector): SelectorRef {
    const compiled = compileSelector(selector);
    let ref = this.selectors.get(compiled.key);
    if (!ref) {
      ref = { selector: compiled, cache: new Uint8Array(this.labelSetCount) };
      this.selectors.set(compiled.key, ref);
    }
    return ref;
  }

  private peer(peer: NetworkPolicyPeer, index: number, policyNs: string): PeerMatcher {
    if (peer.ipBlock) {
      const except = (peer.ipBlock.except ?? []).map(mustParseCidr);
      const cidr = mustParseCidr(peer.ipBlock.cidr);
      const text = `ipBlock ${cidr.network.toString()}/${cidr.prefix}${
        except.length ? ` except ${except.map((e) => `${e.network.toString()}/${e.prefix}`).join(", ")}` : ""
      }`;
      return { index, kind: "ipBlock", cidr, except, text };
    }
    const namespaces = new Uint8Array(this.namespaces.length);
    let nsText: string;
    if (peer.namespaceSelector) {
      const nsSelector = compileSelector(peer.namespaceSelector);
      this.namespaces.forEach((ns, i) => (namespaces[i] = nsSelector.matches(ns.labels) ? 1 : 0));
      nsText = nsSelector.matchesAll ? "in every namespace" : `in namespaces matching {${nsSelector.text}}`;
    } else {
      const own = this.nsIndex.get(policyNs);
      if (own !== undefined) namespaces[own] = 1;
      nsText = `in namespace ${policyNs}`;
    }
    const podSelector = peer.podSelector ? this.selectorRef(peer.podSelector) : undefined;
    const podText =
      !podSelector || podSelector.selector.matchesAll
        ? "all pods"
        : `pods matching {${podSelector.selector.text}}`;
    return { index, kind: "pods", namespaces, podSelector, text: `${podText} ${nsText}` };
  }

  private rules(
    rules: { ports?: NetworkPolicyPort[]; peers?: NetworkPolicyPeer[] }[],
    policyNs: string,
  ): RuleMatcher[] {
    return rules.map((r, index) => ({
      index,
      // Missing or empty `ports`/`from`/`to` means all (API field comments).
      ports: r.ports && r.ports.length > 0 ? r.ports.map(compilePort) : undefined,
      peers: r.peers && r.peers.length > 0 ? r.peers.map((p, i) => this.peer(p, i, policyNs)) : undefined,
    }));
  }

  policy(p: ValidNetworkPolicy): PolicyMatcher {
    const types = new Set(p.spec.policyTypes);
    return {
      key: `${p.namespace}/${p.name}`,
      namespace: p.namespace,
      target: compileSelector(p.spec.podSelector),
      ingress: types.has("Ingress")
        ? this.rules(
            (p.spec.ingress ?? []).map((r) => ({ ports: r.ports, peers: r.from })),
            p.namespace,
          )
        : undefined,
      egress: types.has("Egress")
        ? this.rules(
            (p.spec.egress ?? []).map((r) => ({ ports: r.ports, peers: r.to })),
            p.namespace,
          )
        : undefined,
    };
  }
}

function labelSetKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join("\u0000");
}

/** Builds the matcher model from validated input. */
export function compileModel(input: ValidClusterInput): ClusterModel {
  const namespaces = input.namespaces.map((ns) => ({ name: ns.name, labels: ns.labels }));
  const nsIndex = new Map(namespaces.map((ns, i) => [ns.name, i]));
  const labelSets = new Map<string, number>();
  const pods: PodModel[] = input.pods.map((pod, index) => {
    const lk = labelSetKey(pod.labels);
    let labelSetId = labelSets.get(lk);
    if (labelSetId === undefined) labelSets.set(lk, (labelSetId = labelSets.size));
    const namedPorts = new Map<string, NamedPort>();
    for (const port of pod.ports)
      if (port.name !== undefined) namedPorts.set(port.name, { port: port.port, protocol: port.protocol });
    return {
      index,
      key: `${pod.namespace}/${pod.name}`,
      namespace: pod.namespace,
      nsIndex: nsIndex.get(pod.namespace)!,
      labels: pod.labels,
      labelSetId,
      ip: pod.ip === undefined ? undefined : parseIPv4(pod.ip),
      ipText: pod.ip,
      namedPorts,
      ingressPolicies: [],
      egressPolicies: [],
    };
  });

  const compiler = new Compiler(namespaces, labelSets.size);
  const policies = input.policies.map((p) => compiler.policy(p));

  // Targets: only pods of the policy's own namespace (spec.podSelector is namespace-scoped).
  const podsByNs = new Map<string, PodModel[]>();
  for (const pod of pods) {
    const list = podsByNs.get(pod.namespace);
    if (list) list.push(pod);
    else podsByNs.set(pod.namespace, [pod]);
  }
  for (const policy of policies) {
    for (const pod of podsByNs.get(policy.namespace) ?? []) {
      if (!policy.target.matches(pod.labels)) continue;
      if (policy.ingress) pod.ingressPolicies.push(policy);
      if (policy.egress) pod.egressPolicies.push(policy);
    }
  }

  const podByIp = new Map<number, PodModel>();
  for (const pod of pods) if (pod.ip !== undefined) podByIp.set(pod.ip, pod);
  return { namespaces, pods, podByKey: new Map(pods.map((p) => [p.key, p])), podByIp, policies };
}
