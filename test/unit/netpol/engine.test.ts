// Single verdicts and their explanations: the documentation's example policy, named ports per
// destination, DNS egress, external addresses, loopback, label updates and invalid input.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  compileCluster,
  NetpolInputError,
  type ConnectionQuery,
  type NetworkPolicyObject,
  type PodInput,
} from "../../../shared/netpol/index.js";
import { model, policy } from "./model.js";

const q = (from: string, to: string, port: number, protocol?: "TCP" | "UDP" | "SCTP"): ConnectionQuery => ({
  from: from.includes("/") ? { pod: from } : { ip: from },
  to: to.includes("/") ? { pod: to } : { ip: to },
  port,
  ...(protocol ? { protocol } : {}),
});

describe("the documentation's example policy (test-network-policy)", () => {
  // kubernetes.io "Network Policies": ingress to role=db from ipBlock 172.17.0.0/16 except
  // 172.17.1.0/24, from namespaces project=myproject, from role=frontend pods; TCP 6379; egress to
  // 10.0.0.0/24 on TCP 5978.
  const docsPolicy = policy("default", "test-network-policy", {
    podSelector: { matchLabels: { role: "db" } },
    policyTypes: ["Ingress", "Egress"],
    ingress: [
      {
        from: [
          { ipBlock: { cidr: "172.17.0.0/16", except: ["172.17.1.0/24"] } },
          { namespaceSelector: { matchLabels: { project: "myproject" } } },
          { podSelector: { matchLabels: { role: "frontend" } } },
        ],
        ports: [{ protocol: "TCP", port: 6379 }],
      },
    ],
    egress: [{ to: [{ ipBlock: { cidr: "10.0.0.0/24" } }], ports: [{ protocol: "TCP", port: 5978 }] }],
  });
  const cluster = compileCluster({
    namespaces: [
      { name: "default", labels: {} },
      { name: "myproject", labels: { project: "myproject" } },
      { name: "other", labels: {} },
    ],
    pods: [
      { namespace: "default", name: "db", labels: { role: "db" }, ip: "10.244.0.10" },
      { namespace: "default", name: "frontend", labels: { role: "frontend" }, ip: "10.0.0.7" },
      { namespace: "myproject", name: "any", labels: {}, ip: "10.244.1.10" },
      { namespace: "other", name: "frontend", labels: { role: "frontend" }, ip: "10.244.2.10" },
    ],
    policies: [docsPolicy],
  });
  const cases: [string, ConnectionQuery, boolean][] = [
    ["a frontend pod of the policy's namespace on 6379", q("default/frontend", "default/db", 6379), true],
    ["a frontend pod on another port", q("default/frontend", "default/db", 80), false],
    ["the same port over UDP", q("default/frontend", "default/db", 6379, "UDP"), false],
    ["any pod of a project=myproject namespace", q("myproject/any", "default/db", 6379), true],
    [
      "a frontend pod of another namespace (podSelector is namespace-scoped)",
      q("other/frontend", "default/db", 6379),
      false,
    ],
    ["an address in the ipBlock", q("172.17.0.5", "default/db", 6379), true],
    ["an address in except", q("172.17.1.5", "default/db", 6379), false],
    ["an address outside the block", q("192.168.0.1", "default/db", 6379), false],
    ["egress from db to the egress block on 5978", q("default/db", "10.0.0.5", 5978), true],
    ["egress from db to the egress block on another port", q("default/db", "10.0.0.5", 80), false],
    ["egress from db to a pod whose IP is in the block", q("default/db", "default/frontend", 5978), true],
    ["egress from db to a pod outside the block", q("default/db", "myproject/any", 5978), false],
  ];
  for (const [name, query, allowed] of cases)
    it(`${allowed ? "allows" : "denies"} ${name}`, () =>
      assert.equal(cluster.evaluate(query).allowed, allowed));
});

describe("the documentation's port-range example (multi-port-egress)", () => {
  const cluster = compileCluster({
    namespaces: [{ name: "default", labels: {} }],
    pods: [{ namespace: "default", name: "db", labels: { role: "db" }, ip: "10.244.0.10" }],
    policies: [
      policy("default", "multi-port-egress", {
        podSelector: { matchLabels: { role: "db" } },
        policyTypes: ["Egress"],
        egress: [
          {
            to: [{ ipBlock: { cidr: "10.0.0.0/24" } }],
            ports: [{ protocol: "TCP", port: 32000, endPort: 32768 }],
          },
        ],
      }),
    ],
  });
  for (const [port, allowed] of [
    [31999, false],
    [32000, true],
    [32500, true],
    [32768, true],
    [32769, false],
  ] as const)
    it(`${allowed ? "allows" : "denies"} TCP ${port} to 10.0.0.0/24`, () =>
      assert.equal(cluster.evaluate(q("default/db", "10.0.0.20", port)).allowed, allowed));
  it("denies the range over UDP and outside the block", () => {
    assert.equal(cluster.evaluate(q("default/db", "10.0.0.20", 32000, "UDP")).allowed, false);
    assert.equal(cluster.evaluate(q("default/db", "10.0.1.20", 32000)).allowed, false);
  });
});

describe("named ports resolve on the destination pod (derived-named-port-per-destination-*)", () => {
  const pods: PodInput[] = [
    { namespace: "x", name: "client", labels: { app: "client" } },
    { namespace: "x", name: "web80", labels: { app: "web" }, ports: [{ name: "web", port: 80 }] },
    { namespace: "x", name: "web81", labels: { app: "web" }, ports: [{ name: "web", port: 81 }] },
    {
      namespace: "x",
      name: "webudp",
      labels: { app: "web" },
      ports: [{ name: "web", port: 80, protocol: "UDP" }],
    },
  ];
  const egress = policy("x", "client-egress", {
    podSelector: { matchLabels: { app: "client" } },
    policyTypes: ["Egress"],
    egress: [{ ports: [{ port: "web" }] }],
  });
  const ingress = policy("x", "web-ingress", {
    podSelector: { matchLabels: { app: "web" } },
    ingress: [{ ports: [{ port: "web" }] }],
  });
  for (const p of [egress, ingress]) {
    const cluster = compileCluster({ namespaces: [{ name: "x", labels: {} }], pods, policies: [p] });
    const label = p === egress ? "egress" : "ingress";
    it(`${label}: the same name means 80 on one pod and 81 on another`, () => {
      assert.equal(cluster.evaluate(q("x/client", "x/web80", 80)).allowed, true);
      assert.equal(cluster.evaluate(q("x/client", "x/web80", 81)).allowed, false);
      assert.equal(cluster.evaluate(q("x/client", "x/web81", 81)).allowed, true);
      assert.equal(cluster.evaluate(q("x/client", "x/web81", 80)).allowed, false);
    });
    it(`${label}: a name whose container port is UDP does not match with protocol TCP`, () => {
      assert.equal(cluster.evaluate(q("x/client", "x/webudp", 80, "TCP")).allowed, false);
      assert.equal(cluster.evaluate(q("x/client", "x/webudp", 80, "UDP")).allowed, false);
    });
  }
  it("a named port never matches an address outside the cluster", () => {
    const cluster = compileCluster({ namespaces: [{ name: "x", labels: {} }], pods, policies: [egress] });
    assert.equal(cluster.evaluate(q("x/client", "203.0.113.5", 80)).allowed, false);
  });
});

describe("default-deny egress and DNS (derived-default-deny-egress-allow-dns)", () => {
  const namespaces = [
    { name: "app", labels: {} },
    { name: "kube-system", labels: {} },
  ];
  const pods: PodInput[] = [
    { namespace: "app", name: "web", labels: { app: "web" } },
    { namespace: "kube-system", name: "coredns", labels: { "k8s-app": "kube-dns" }, ip: "10.244.0.3" },
    { namespace: "kube-system", name: "other", labels: {} },
  ];
  const denyEgress = policy("app", "default-deny-egress", { podSelector: {}, policyTypes: ["Egress"] });
  const allowDns = policy("app", "allow-dns", {
    podSelector: {},
    policyTypes: ["Egress"],
    egress: [
      {
        to: [
          {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
            podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
          },
        ],
        ports: [
          { protocol: "UDP", port: 53 },
          { protocol: "TCP", port: 53 },
        ],
      },
    ],
  });
  it("default-deny egress blocks DNS too", () => {
    const cluster = compileCluster({ namespaces, pods, policies: [denyEgress] });
    assert.equal(cluster.evaluate(q("app/web", "kube-system/coredns", 53, "UDP")).allowed, false);
  });
  it("the usual allow rule opens UDP and TCP 53 to the DNS pods only", () => {
    const cluster = compileCluster({ namespaces, pods, policies: [denyEgress, allowDns] });
    assert.equal(cluster.evaluate(q("app/web", "kube-system/coredns", 53, "UDP")).allowed, true);
    assert.equal(cluster.evaluate(q("app/web", "kube-system/coredns", 53, "TCP")).allowed, true);
    assert.equal(cluster.evaluate(q("app/web", "kube-system/coredns", 80, "TCP")).allowed, false);
    assert.equal(cluster.evaluate(q("app/web", "kube-system/other", 53, "UDP")).allowed, false);
    // The pod's IP resolves to the pod: the same verdict by address.
    assert.equal(cluster.evaluate(q("app/web", "10.244.0.3", 53, "UDP")).allowed, true);
  });
});

describe("verdicts explain themselves", () => {
  const cluster = model([
    policy("x", "deny-all", { podSelector: {} }),
    policy("x", "allow-from-y", {
      podSelector: { matchLabels: { pod: "a" } },
      ingress: [
        { ports: [{ port: 81 }], from: [{ podSelector: {} }] },
        {
          ports: [{ port: 80 }],
          from: [
            { podSelector: { matchLabels: { pod: "c" } } },
            { namespaceSelector: { matchLabels: { ns: "y" } } },
          ],
        },
      ],
    }),
  ]);

  it("names the selecting policies and the allowing policy, rule, peer and port", () => {
    const v = cluster.evaluate(q("y/b", "x/a", 80));
    assert.equal(v.allowed, true);
    assert.deepEqual(v.egress, {
      direction: "Egress",
      pod: "y/b",
      allowed: true,
      isolated: false,
      selectingPolicies: [],
      reason: "NotIsolated",
    });
    assert.deepEqual(v.ingress, {
      direction: "Ingress",
      pod: "x/a",
      allowed: true,
      isolated: true,
      selectingPolicies: ["x/deny-all", "x/allow-from-y"],
      reason: "AllowedByRule",
      allowedBy: { policy: "x/allow-from-y", rule: 1, peer: 1, port: 0 },
    });
  });

  it("says the pod is isolated and nothing matched, rule by rule", () => {
    const v = cluster.evaluate(q("z/a", "x/a", 80));
    assert.equal(v.allowed, false);
    assert.equal(v.ingress.reason, "NoRuleMatched");
    assert.equal(v.ingress.allowedBy, undefined);
    const text = cluster.explain(q("z/a", "x/a", 80));
    assert.match(text, /^z\/a \(10\.0\.3\.1\) → x\/a \(10\.0\.1\.1\) on 80\/TCP: DENIED$/m);
    assert.match(text, /Egress from z\/a: allowed \(not isolated/);
    assert.match(
      text,
      /Ingress to x\/a: DENIED \(isolated by x\/deny-all, x\/allow-from-y; no rule allows it\)/,
    );
    assert.match(text, /x\/deny-all: no ingress rules \(it only isolates\)/);
    assert.match(text, /ports\[0\] 81\/TCP: port 80 outside it/);
    assert.match(text, /from\[0\] all pods in namespace x: namespace z not selected/);
    assert.match(text, /from\[1\] all pods in namespaces matching \{ns=y\}: namespace z not selected/);
  });

  it("explains the allowing rule of an allowed connection", () => {
    assert.match(
      cluster.explain(q("x/c", "x/a", 80)),
      /Ingress to x\/a: allowed by x\/allow-from-y ingress\[1\] from\[0\] ports\[0\]/,
    );
  });

  it("names policies that select the pod for the other direction only (their rules have no effect here)", () => {
    const cluster = model([
      policy("x", "egress-only", {
        podSelector: { matchLabels: { pod: "a" } },
        policyTypes: ["Egress"],
        ingress: [{ from: [{ podSelector: { matchLabels: { pod: "b" } } }] }],
        egress: [{}],
      }),
    ]);
    assert.match(
      cluster.explain(q("z/c", "x/a", 80)),
      /Ingress to x\/a: allowed \(not isolated: no policy selects it for Ingress; x\/egress-only selects it for Egress only\)/,
    );
  });

  it("explains traffic from outside the cluster", () => {
    const text = cluster.explain(q("198.51.100.7", "x/b", 80));
    assert.match(text, /Egress from 198\.51\.100\.7 \(outside the cluster\): allowed/);
    assert.match(text, /selectors match pods only|no ingress rules/);
  });
});

describe("addresses outside the cluster", () => {
  const cluster = compileCluster({
    namespaces: [{ name: "x", labels: {} }],
    pods: [{ namespace: "x", name: "a", labels: {}, ip: "10.244.0.1" }],
    policies: [
      policy("x", "p", {
        podSelector: {},
        policyTypes: ["Ingress", "Egress"],
        ingress: [{ from: [{ ipBlock: { cidr: "192.168.1.0/24" } }, { namespaceSelector: {} }] }],
        egress: [{ to: [{ namespaceSelector: {} }] }],
      }),
    ],
  });
  it("match ipBlock peers", () => {
    assert.equal(cluster.evaluate(q("192.168.1.10", "x/a", 80)).allowed, true);
    assert.equal(cluster.evaluate(q("192.168.2.10", "x/a", 80)).allowed, false);
  });
  it("never match selector peers, even namespaceSelector: {}", () => {
    assert.equal(cluster.evaluate(q("x/a", "8.8.8.8", 53, "UDP")).allowed, false);
  });
  it("are not governed by any policy themselves", () => {
    const v = cluster.evaluate(q("192.168.1.10", "x/a", 80));
    assert.equal(v.egress.reason, "External");
    assert.equal(cluster.evaluate(q("192.168.1.10", "192.168.1.11", 80)).allowed, true);
  });
});

describe("loopback (a pod connecting to itself)", () => {
  const policies = [policy("x", "deny-all", { podSelector: {}, policyTypes: ["Ingress", "Egress"] })];
  it("is allowed by default: a pod cannot block access to itself", () => {
    const cluster = compileCluster({
      namespaces: [{ name: "x", labels: {} }],
      pods: [{ namespace: "x", name: "a", labels: {}, ip: "10.0.0.1" }],
      policies,
    });
    const v = cluster.evaluate(q("x/a", "x/a", 80));
    assert.equal(v.allowed, true);
    assert.equal(v.ingress.reason, "Loopback");
    assert.equal(v.ingress.isolated, true);
    assert.equal(cluster.evaluate(q("x/a", "10.0.0.1", 80)).allowed, true, "via its own IP too");
    assert.equal(cluster.matrix(80).allowed(0, 0), true);
  });
  it('is evaluated like any pair with loopback: "evaluate"', () => {
    const cluster = compileCluster(
      {
        namespaces: [{ name: "x", labels: {} }],
        pods: [{ namespace: "x", name: "a", labels: {} }],
        policies,
      },
      { loopback: "evaluate" },
    );
    assert.equal(cluster.evaluate(q("x/a", "x/a", 80)).allowed, false);
    assert.equal(cluster.matrix(80).allowed(0, 0), false);
  });
});

describe("label changes", () => {
  it("re-select targets and peers when the cluster is compiled again (e2e updated pod / updated namespace)", () => {
    const policies = [
      policy("x", "p", {
        podSelector: { matchLabels: { pod: "a" } },
        ingress: [
          {
            from: [
              {
                namespaceSelector: { matchLabels: { team: "blue" } },
                podSelector: { matchLabels: { role: "client" } },
              },
            ],
          },
        ],
      }),
    ];
    const before = model(policies);
    assert.equal(before.evaluate(q("y/b", "x/a", 80)).allowed, false);
    const nsUpdated = model(policies, { namespaceLabels: { y: { team: "blue" } } });
    assert.equal(nsUpdated.evaluate(q("y/b", "x/a", 80)).allowed, false);
    const both = model(policies, {
      namespaceLabels: { y: { team: "blue" } },
      podLabels: { "y/b": { role: "client" } },
    });
    assert.equal(both.evaluate(q("y/b", "x/a", 80)).allowed, true);
    const targetRelabelled = model(policies, { podLabels: { "x/a": { pod: "other" } } });
    assert.equal(targetRelabelled.evaluate(q("z/c", "x/a", 80)).allowed, true);
  });
});

describe("invalid input", () => {
  const ns = [{ name: "x", labels: {} }];
  const compileError = (pods: unknown[], policies: unknown[]): NetpolInputError => {
    try {
      compileCluster({
        namespaces: ns,
        pods: pods as PodInput[],
        policies: policies as NetworkPolicyObject[],
      });
    } catch (e) {
      assert.ok(e instanceof NetpolInputError);
      return e;
    }
    assert.fail("compileCluster accepted invalid input");
  };
  const paths = (e: NetpolInputError) => e.details.map((d) => `${d.path} ${d.code}`);

  it("reports every problem with its path and a stable code, ARM style", () => {
    const e = compileError(
      [
        { namespace: "x", name: "a", labels: {}, ip: "10.0.0.1" },
        { namespace: "x", name: "a", labels: {}, ip: "10.0.0.1" },
        { namespace: "nope", name: "b", labels: {} },
        { namespace: "x", name: "c", labels: { "bad key!": "v" } },
      ],
      [
        policy("x", "Bad_Name", { podSelector: {} }),
        policy("x", "p", { ingress: [{ from: [{ ipBlock: { cidr: "10.0.0.0/8" }, podSelector: {} }] }] }),
        policy("x", "q", {
          ingress: [{ ports: [{ port: "serve", endPort: 90 }] }],
          policyTypes: ["Ingress", "Egress", "Ingress"],
        }),
        policy("x", "r", {
          egress: [{ to: [{ ipBlock: { cidr: "10.0.0.0/16", except: ["10.1.0.0/24"] } }] }],
        }),
        policy("x", "s", { podSelector: { matchExpressions: [{ key: "a", operator: "In" }] }, ingres: [] }),
        { metadata: { name: "t", namespace: "x" }, kind: "Pod", spec: {} },
      ],
    );
    const got = paths(e);
    for (const expected of [
      "pods[1].name DuplicateName",
      "pods[1].ip DuplicatePodIp",
      "pods[2].namespace UnknownNamespace",
      'pods[3].labels["bad key!"] InvalidLabelKey',
      "policies[0].metadata.name InvalidName",
      "policies[1].spec.ingress[0].from[0] PeerTypeConflict",
      "policies[2].spec.ingress[0].ports[0].endPort EndPortWithoutNumericPort",
      "policies[2].spec.policyTypes TooManyPolicyTypes",
      "policies[3].spec.egress[0].to[0].ipBlock.except[0] IpBlockExceptNotStrictSubset",
      "policies[4].spec.podSelector.matchExpressions[0].values SelectorValuesRequired",
      "policies[4].spec.ingres UnknownField",
      "policies[5].kind InvalidValue",
    ])
      assert.ok(got.includes(expected), `expected ${expected} in ${JSON.stringify(got)}`);
    const arm = e.toArmError();
    assert.equal(arm.error.code, "InvalidNetworkPolicyInput");
    assert.match(arm.error.message, /problems in the NetworkPolicy input/);
  });

  it("rejects a query naming an unknown pod or a bad port", () => {
    const cluster = compileCluster({ namespaces: ns, pods: [], policies: [] });
    assert.throws(
      () => cluster.matrix(80, "ICMP" as "TCP"),
      (e: unknown) => e instanceof NetpolInputError && e.details[0]!.code === "InvalidProtocol",
    );
    assert.throws(
      () => cluster.evaluate(q("x/a", "1.2.3.4", 80)),
      (e: unknown) =>
        e instanceof NetpolInputError && e.details[0]!.path === "from" && e.details[0]!.code === "UnknownPod",
    );
    assert.throws(
      () => cluster.evaluate(q("1.2.3.4", "1.2.3.5", 70000)),
      (e: unknown) => e instanceof NetpolInputError && e.details[0]!.code === "PortOutOfRange",
    );
  });

  it("sets kubernetes.io/metadata.name to the namespace name, as the API server does", () => {
    const cluster = compileCluster({
      namespaces: [
        { name: "x", labels: { "kubernetes.io/metadata.name": "spoofed" } },
        { name: "y", labels: {} },
      ],
      pods: [
        { namespace: "x", name: "a", labels: {} },
        { namespace: "y", name: "b", labels: {} },
      ],
      policies: [
        policy("y", "p", {
          ingress: [
            { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "spoofed" } } }] },
          ],
        }),
      ],
    });
    assert.equal(cluster.evaluate(q("x/a", "y/b", 80)).allowed, false);
  });
});
