// Property-based tests (fast-check) on random clusters and policies: the engine agrees with a naive
// reference written straight from the evaluation in docs/network-policies.md; policies are
// a union (order-free, monotone once isolated); a policy changes nothing for pods it does not
// select; allow-all restores full reachability; verdicts are self-consistent.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  compileCluster,
  defaultNetworkPolicySpec,
  type CompileOptions,
  type NamespaceInput,
  type NetworkPolicyObject,
  type PodInput,
  type Protocol,
} from "../../../shared/netpol/index.js";
import type {
  LabelSelector,
  NetworkPolicyPeer,
  NetworkPolicySpecInput,
} from "../../../shared/netpol/policy-schema.js";

// ---------- generators ----------
const NS = ["x", "y", "z"];
const labelValue = fc.constantFrom("web", "db", "");
const labels = (keys: string[]) =>
  fc.dictionary(fc.constantFrom(...keys), labelValue, { maxKeys: keys.length }) as fc.Arbitrary<
    Record<string, string>
  >;

const namespacesArb: fc.Arbitrary<NamespaceInput[]> = fc
  .tuple(...NS.map(() => labels(["team", "env"])))
  .map((ls) => NS.map((name, i) => ({ name, labels: ls[i]! })));

const podPortArb = fc.record({
  name: fc.constantFrom("http", "dns"),
  port: fc.constantFrom(80, 81, 53),
  protocol: fc.constantFrom<Protocol>("TCP", "UDP"),
});
const podsArb: fc.Arbitrary<PodInput[]> = fc
  .tuple(
    ...NS.flatMap((ns, n) =>
      ["a", "b"].map((name, p) =>
        fc
          .record({
            labels: labels(["app", "tier"]),
            ports: fc.uniqueArray(podPortArb, { maxLength: 2, selector: (x) => x.name }),
            hasIp: fc.boolean(),
          })
          .map(({ labels, ports, hasIp }) => ({
            namespace: ns,
            name,
            labels,
            ports,
            ...(hasIp || n === 0 ? { ip: `10.0.${n + 1}.${p + 1}` } : {}),
          })),
      ),
    ),
  )
  .map((pods) => pods);

const selectorArb: fc.Arbitrary<LabelSelector> = fc.record(
  {
    matchLabels: labels(["app", "tier", "team"]),
    matchExpressions: fc.array(
      fc.oneof(
        fc.record({
          key: fc.constantFrom("app", "tier", "team", "env"),
          operator: fc.constantFrom("In" as const, "NotIn" as const),
          values: fc.uniqueArray(labelValue, { minLength: 1, maxLength: 2 }),
        }),
        fc.record({
          key: fc.constantFrom("app", "tier", "team", "env"),
          operator: fc.constantFrom("Exists" as const, "DoesNotExist" as const),
        }),
      ),
      { maxLength: 2 },
    ),
  },
  { requiredKeys: [] },
);

const ipBlockArb = fc.constantFrom(
  { cidr: "10.0.0.0/8" },
  { cidr: "10.0.0.0/8", except: ["10.0.2.0/24"] },
  { cidr: "10.0.1.0/24", except: ["10.0.1.1/32"] },
  { cidr: "10.0.2.2/32" },
  { cidr: "0.0.0.0/0", except: ["10.0.3.0/24"] },
);
const peerArb = fc.oneof(
  fc.record({ podSelector: selectorArb }),
  fc.record({ namespaceSelector: selectorArb }),
  fc.record({ podSelector: selectorArb, namespaceSelector: selectorArb }),
  fc.record({ ipBlock: ipBlockArb }),
);
const portArb = fc.oneof(
  fc.record({ protocol: fc.constantFrom<Protocol>("TCP", "UDP", "SCTP") }, { requiredKeys: [] }),
  fc.record(
    {
      protocol: fc.constantFrom<Protocol>("TCP", "UDP"),
      port: fc.constantFrom<number | string>(80, 81, "http", "dns"),
    },
    { requiredKeys: ["port"] },
  ),
  fc.record({ port: fc.constant(80), endPort: fc.constantFrom(80, 81, 90) }),
);
const optionalList = <T>(arb: fc.Arbitrary<T>) =>
  fc.option(fc.array(arb, { maxLength: 2 }), { nil: undefined }) as fc.Arbitrary<T[] | undefined>;
const ingressRuleArb = fc.record(
  { ports: optionalList(portArb), from: optionalList(peerArb) },
  { requiredKeys: [] },
);
const egressRuleArb = fc.record(
  { ports: optionalList(portArb), to: optionalList(peerArb) },
  { requiredKeys: [] },
);
const specArb: fc.Arbitrary<NetworkPolicySpecInput> = fc.record(
  {
    podSelector: selectorArb,
    policyTypes: fc.constantFrom<("Ingress" | "Egress")[]>(
      [],
      ["Ingress"],
      ["Egress"],
      ["Ingress", "Egress"],
    ),
    ingress: fc.array(ingressRuleArb, { maxLength: 2 }),
    egress: fc.array(egressRuleArb, { maxLength: 2 }),
  },
  { requiredKeys: [] },
) as fc.Arbitrary<NetworkPolicySpecInput>;
const policyArb = (name: string): fc.Arbitrary<NetworkPolicyObject> =>
  fc.record({ ns: fc.constantFrom(...NS), spec: specArb }).map(({ ns, spec }) => ({
    metadata: { name, namespace: ns },
    spec,
  }));
const policiesArb = fc
  .integer({ min: 0, max: 4 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => policyArb(`p${i}`))));

// ---------- a naive reference, straight from the evaluation in docs/network-policies.md ----------
type Spec = ReturnType<typeof defaultNetworkPolicySpec>;
function selects(sel: LabelSelector | undefined, l: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(sel?.matchLabels ?? {})) if (l[k] !== v || !(k in l)) return false;
  for (const e of sel?.matchExpressions ?? []) {
    const has = Object.hasOwn(l, e.key);
    const ok =
      e.operator === "In"
        ? has && e.values!.includes(l[e.key]!)
        : e.operator === "NotIn"
          ? !has || !e.values!.includes(l[e.key]!)
          : e.operator === "Exists"
            ? has
            : !has;
    if (!ok) return false;
  }
  return true;
}
const ipInt = (ip: string) => ip.split(".").reduce((a, o) => a * 256 + Number(o), 0);
function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split("/") as [string, string];
  const size = 2 ** (32 - Number(bits));
  return Math.floor(ipInt(ip) / size) === Math.floor(ipInt(base) / size);
}
function reference(
  namespaces: NamespaceInput[],
  pods: PodInput[],
  policies: NetworkPolicyObject[],
  src: PodInput,
  dst: PodInput,
  port: number,
  protocol: Protocol,
): boolean {
  const nsLabels = (name: string) => ({
    ...namespaces.find((n) => n.name === name)!.labels,
    "kubernetes.io/metadata.name": name,
  });
  const specs = policies.map((p) => ({
    ns: p.metadata.namespace,
    spec: defaultNetworkPolicySpec(p.spec as NetworkPolicySpecInput) as Spec,
  }));
  const portsMatch = (
    ports: { port?: number | string; endPort?: number; protocol?: Protocol }[] | undefined,
  ) =>
    !ports ||
    ports.length === 0 ||
    ports.some((p) => {
      if ((p.protocol ?? "TCP") !== protocol) return false;
      if (p.port === undefined) return true;
      if (typeof p.port === "number") return port >= p.port && port <= (p.endPort ?? p.port);
      const c = (dst.ports ?? []).find((cp) => cp.name === p.port);
      return c !== undefined && c.port === port && (c.protocol ?? "TCP") === protocol;
    });
  const peersMatch = (peers: NetworkPolicyPeer[] | undefined, policyNs: string, peer: PodInput) =>
    !peers ||
    peers.length === 0 ||
    peers.some((pr) => {
      if (pr.ipBlock)
        return (
          peer.ip !== undefined &&
          inCidr(peer.ip, pr.ipBlock.cidr) &&
          !(pr.ipBlock.except ?? []).some((e) => inCidr(peer.ip!, e))
        );
      const nsOk = pr.namespaceSelector
        ? selects(pr.namespaceSelector, nsLabels(peer.namespace))
        : peer.namespace === policyNs;
      return nsOk && (!pr.podSelector || selects(pr.podSelector, peer.labels));
    });
  const direction = (pod: PodInput, type: "Ingress" | "Egress", peer: PodInput) => {
    const applicable = specs.filter(
      (p) =>
        p.ns === pod.namespace &&
        selects(p.spec.podSelector, pod.labels) &&
        p.spec.policyTypes.includes(type),
    );
    if (applicable.length === 0) return true;
    return applicable.some(({ ns, spec }) =>
      type === "Ingress"
        ? (spec.ingress ?? []).some((r) => portsMatch(r.ports) && peersMatch(r.from, ns, peer))
        : (spec.egress ?? []).some((r) => portsMatch(r.ports) && peersMatch(r.to, ns, peer)),
    );
  };
  void pods;
  return direction(src, "Egress", dst) && direction(dst, "Ingress", src);
}

// ---------- helpers ----------
const PROBES: [number, Protocol][] = [
  [80, "TCP"],
  [81, "UDP"],
  [53, "UDP"],
];
function matrixOf(
  namespaces: NamespaceInput[],
  pods: PodInput[],
  policies: NetworkPolicyObject[],
  options: CompileOptions = { loopback: "evaluate" },
) {
  const cluster = compileCluster({ namespaces, pods, policies }, options);
  return PROBES.map(([port, protocol]) => [...cluster.matrix(port, protocol).cells].join("")).join("|");
}
const RUNS = { numRuns: 150 };

describe("properties", () => {
  it("agrees with a naive reference implementation on every pair, port and protocol (evaluate and matrix)", () => {
    fc.assert(
      fc.property(namespacesArb, podsArb, policiesArb, (namespaces, pods, policies) => {
        const cluster = compileCluster({ namespaces, pods, policies }, { loopback: "evaluate" });
        const matrices = PROBES.map(([port, protocol]) => cluster.matrix(port, protocol));
        pods.forEach((src, i) =>
          pods.forEach((dst, j) =>
            PROBES.forEach(([port, protocol], k) => {
              const expected = reference(namespaces, pods, policies, src, dst, port, protocol);
              const got = cluster.evaluate({
                from: { pod: `${src.namespace}/${src.name}` },
                to: { pod: `${dst.namespace}/${dst.name}` },
                port,
                protocol,
              });
              assert.equal(
                got.allowed,
                expected,
                `${src.namespace}/${src.name} → ${dst.namespace}/${dst.name} ${port}/${protocol}`,
              );
              assert.equal(
                matrices[k]!.allowed(i, j),
                expected,
                `matrix cell ${i} → ${j} ${port}/${protocol}`,
              );
            }),
          ),
        );
      }),
      RUNS,
    );
  });

  it("does not depend on the order of policies", () => {
    fc.assert(
      fc.property(namespacesArb, podsArb, policiesArb, (namespaces, pods, policies) => {
        assert.equal(
          matrixOf(namespaces, pods, [...policies].reverse()),
          matrixOf(namespaces, pods, policies),
        );
      }),
      RUNS,
    );
  });

  it("adding a policy changes no verdict for pods it does not select, and never removes access from pods already isolated", () => {
    fc.assert(
      fc.property(
        namespacesArb,
        podsArb,
        policiesArb,
        policyArb("added"),
        (namespaces, pods, policies, added) => {
          const before = compileCluster({ namespaces, pods, policies }, { loopback: "evaluate" });
          const after = compileCluster(
            { namespaces, pods, policies: [...policies, added] },
            { loopback: "evaluate" },
          );
          const key = (p: PodInput) => `${p.namespace}/${p.name}`;
          for (const src of pods)
            for (const dst of pods)
              for (const [port, protocol] of PROBES) {
                const q = { from: { pod: key(src) }, to: { pod: key(dst) }, port, protocol };
                const b = before.evaluate(q);
                const a = after.evaluate(q);
                const selectsSrc = a.egress.selectingPolicies.includes(`${added.metadata.namespace}/added`);
                const selectsDst = a.ingress.selectingPolicies.includes(`${added.metadata.namespace}/added`);
                if (!selectsSrc && !selectsDst)
                  assert.equal(a.allowed, b.allowed, `unselected pair ${q.from.pod} → ${q.to.pod}`);
                if ((!selectsSrc || b.egress.isolated) && (!selectsDst || b.ingress.isolated) && b.allowed)
                  assert.equal(a.allowed, true, `union is monotone: ${q.from.pod} → ${q.to.pod}`);
              }
        },
      ),
      RUNS,
    );
  });

  it("an allow-all policy in every namespace restores full reachability", () => {
    fc.assert(
      fc.property(namespacesArb, podsArb, policiesArb, (namespaces, pods, policies) => {
        const allowAll = NS.map((ns) => ({
          metadata: { name: "allow-all", namespace: ns },
          spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"], ingress: [{}], egress: [{}] },
        }));
        const cluster = compileCluster(
          { namespaces, pods, policies: [...policies, ...allowAll] },
          { loopback: "evaluate" },
        );
        for (const [port, protocol] of PROBES)
          assert.ok(cluster.matrix(port, protocol).cells.every((c) => c === 1));
      }),
      RUNS,
    );
  });

  it("verdicts are self-consistent and the loopback diagonal is always allowed by default", () => {
    fc.assert(
      fc.property(namespacesArb, podsArb, policiesArb, (namespaces, pods, policies) => {
        const cluster = compileCluster({ namespaces, pods, policies });
        const m = cluster.matrix(80, "TCP");
        for (let i = 0; i < m.pods.length; i++) {
          assert.equal(m.allowed(i, i), true);
          for (let j = 0; j < m.pods.length; j++) {
            const v = cluster.evaluate({ from: { pod: m.pods[i]! }, to: { pod: m.pods[j]! }, port: 80 });
            assert.equal(v.allowed, m.allowed(i, j));
            assert.equal(v.allowed, v.egress.allowed && v.ingress.allowed);
            for (const d of [v.egress, v.ingress]) {
              assert.equal(d.isolated, d.selectingPolicies.length > 0);
              if (d.allowedBy) assert.ok(d.selectingPolicies.includes(d.allowedBy.policy));
              assert.equal(d.reason === "NoRuleMatched", !d.allowed);
            }
            assert.ok(
              cluster
                .explain({ from: { pod: m.pods[i]! }, to: { pod: m.pods[j]! }, port: 80 })
                .includes(v.allowed ? "ALLOWED" : "DENIED"),
            );
          }
        }
      }),
      { numRuns: 60 },
    );
  });
});
