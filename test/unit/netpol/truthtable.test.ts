// Truth tables on the upstream 9-pod model (x, y, z × a, b, c), one full expected matrix per policy
// set, for every rule in docs/network-policies.md. Rows are sources, columns destinations.
import { describe, it } from "node:test";
import { ALL_ALLOWED, expectMatrix, model, policy } from "./model.js";

const onlyIntoXaFrom = (rows: Record<string, boolean>): string =>
  // A matrix where only the column x/a is restricted: rows[source] says whether source → x/a is allowed.
  ["x/a", "x/b", "x/c", "y/a", "y/b", "y/c", "z/a", "z/b", "z/c"]
    .map((from) => `${from} ${rows[from] ? "." : "X"}.. ... ...`)
    .join("\n");
const from = (...allowed: string[]): Record<string, boolean> =>
  Object.fromEntries(allowed.map((p) => [p, true]));

describe("no policies", () => {
  it("allows everything on every port and protocol", () => {
    const cluster = model([]);
    expectMatrix(cluster, 80, "TCP", ALL_ALLOWED);
    expectMatrix(cluster, 81, "UDP", ALL_ALLOWED);
    expectMatrix(cluster, 80, "SCTP", ALL_ALLOWED);
  });
});

describe("isolation and policyTypes", () => {
  it("an empty podSelector without policyTypes is a default deny of ingress for its namespace only (docs)", () => {
    const cluster = model([policy("x", "default-deny-ingress", { podSelector: {} })]);
    const expected = ["x/a", "x/b", "x/c", "y/a", "y/b", "y/c", "z/a", "z/b", "z/c"]
      .map((p) => `${p} XXX ... ...`)
      .join("\n");
    expectMatrix(cluster, 80, "TCP", expected);
    expectMatrix(cluster, 81, "UDP", expected);
  });

  it("an egress-only deny isolates egress and leaves ingress open (e2e-deny-egress)", () => {
    const cluster = model([policy("x", "deny-egress", { podSelector: {}, policyTypes: ["Egress"] })]);
    expectMatrix(
      cluster,
      80,
      "TCP",
      `x/a XXX XXX XXX
       x/b XXX XXX XXX
       x/c XXX XXX XXX
       y/a ... ... ...
       y/b ... ... ...
       y/c ... ... ...
       z/a ... ... ...
       z/b ... ... ...
       z/c ... ... ...`,
    );
  });

  it("allow-all ingress wins over a default deny, but egress stays denied (union of policies)", () => {
    const cluster = model([
      policy("x", "default-deny-all", { podSelector: {}, policyTypes: ["Ingress", "Egress"] }),
      policy("x", "allow-all-ingress", { podSelector: {}, ingress: [{}] }),
    ]);
    expectMatrix(
      cluster,
      80,
      "TCP",
      `x/a XXX XXX XXX
       x/b XXX XXX XXX
       x/c XXX XXX XXX
       y/a ... ... ...
       y/b ... ... ...
       y/c ... ... ...
       z/a ... ... ...
       z/b ... ... ...
       z/c ... ... ...`,
    );
  });

  it("allow-all egress next to a default deny of both directions opens egress only (docs: allow all egress traffic)", () => {
    const cluster = model([
      policy("x", "default-deny-all", { podSelector: {}, policyTypes: ["Ingress", "Egress"] }),
      policy("x", "allow-all-egress", { podSelector: {}, egress: [{}], policyTypes: ["Egress"] }),
    ]);
    const expected = ["x/a", "x/b", "x/c", "y/a", "y/b", "y/c", "z/a", "z/b", "z/c"]
      .map((p) => `${p} XXX ... ...`)
      .join("\n");
    expectMatrix(cluster, 80, "TCP", expected);
  });

  it("egress rules without policyTypes make the policy Ingress+Egress: no ingress at all (derived-policytypes-omitted-with-egress)", () => {
    const cluster = model([
      policy("x", "egress-to-b", {
        podSelector: { matchLabels: { pod: "a" } },
        egress: [{ to: [{ podSelector: { matchLabels: { pod: "b" } } }] }],
      }),
    ]);
    expectMatrix(
      cluster,
      80,
      "TCP",
      `x/a X.X XXX XXX
       x/b X.. ... ...
       x/c X.. ... ...
       y/a X.. ... ...
       y/b X.. ... ...
       y/c X.. ... ...
       z/a X.. ... ...
       z/b X.. ... ...
       z/c X.. ... ...`,
    );
  });

  it("egress: [] without policyTypes isolates ingress only", () => {
    const cluster = model([policy("x", "p", { podSelector: { matchLabels: { pod: "a" } }, egress: [] })]);
    expectMatrix(cluster, 80, "TCP", onlyIntoXaFrom({}));
  });

  it("a policy without Ingress in policyTypes ignores its ingress section (derived-policytypes-egress-only-ignores-ingress-section)", () => {
    const cluster = model([
      policy("x", "p", {
        podSelector: { matchLabels: { pod: "a" } },
        policyTypes: ["Egress"],
        ingress: [{ from: [{ podSelector: { matchLabels: { pod: "b" } } }] }],
        egress: [],
      }),
    ]);
    expectMatrix(
      cluster,
      80,
      "TCP",
      `x/a XXX XXX XXX
       x/b ... ... ...
       x/c ... ... ...
       y/a ... ... ...
       y/b ... ... ...
       y/c ... ... ...
       z/a ... ... ...
       z/b ... ... ...
       z/c ... ... ...`,
    );
  });

  it("ingress: [] allows nothing, while a rule with from: [] and ports: [] allows everything (derived-empty-from-to-lists-mean-all)", () => {
    const target = { matchLabels: { pod: "a" } };
    expectMatrix(
      model([policy("x", "p", { podSelector: target, ingress: [] })]),
      80,
      "TCP",
      onlyIntoXaFrom({}),
    );
    expectMatrix(
      model([policy("x", "p", { podSelector: target, ingress: [{ from: [], ports: [] }] })]),
      81,
      "UDP",
      ALL_ALLOWED,
    );
  });

  it("a rule whose peers match nothing still isolates (derived-unsatisfiable-peer-still-isolates)", () => {
    const contradiction = {
      matchExpressions: [
        { key: "pod", operator: "Exists" },
        { key: "pod", operator: "DoesNotExist" },
      ],
    };
    const cluster = model([
      policy("x", "p", {
        podSelector: { matchLabels: { pod: "a" } },
        ingress: [{ from: [{ podSelector: contradiction }] }],
      }),
    ]);
    expectMatrix(cluster, 80, "TCP", onlyIntoXaFrom({}));
  });

  it("spec.podSelector selects pods of the policy's own namespace only (derived-podselector-is-namespace-scoped)", () => {
    const cluster = model([policy("y", "deny-a", { podSelector: { matchLabels: { pod: "a" } } })]);
    const expected = ["x/a", "x/b", "x/c", "y/a", "y/b", "y/c", "z/a", "z/b", "z/c"]
      .map((p) => `${p} ... X.. ...`)
      .join("\n");
    expectMatrix(cluster, 80, "TCP", expected);
  });

  it("policies selecting the same pod are a union", () => {
    const target = { matchLabels: { pod: "a" } };
    const cluster = model([
      policy("x", "from-y", {
        podSelector: target,
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: "y" } } }] }],
      }),
      policy("x", "from-z", {
        podSelector: target,
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: "z" } } }] }],
      }),
    ]);
    expectMatrix(cluster, 80, "TCP", onlyIntoXaFrom(from("y/a", "y/b", "y/c", "z/a", "z/b", "z/c")));
  });

  it("egress of the source and ingress of the destination must both allow", () => {
    const cluster = model([
      policy("x", "a-to-y", {
        podSelector: { matchLabels: { pod: "a" } },
        policyTypes: ["Egress"],
        egress: [{ to: [{ namespaceSelector: { matchLabels: { ns: "y" } } }] }],
      }),
      policy("y", "b-from-z", {
        podSelector: { matchLabels: { pod: "b" } },
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: "z" } } }] }],
      }),
    ]);
    expectMatrix(
      cluster,
      80,
      "TCP",
      `x/a XXX .X. XXX
       x/b ... .X. ...
       x/c ... .X. ...
       y/a ... .X. ...
       y/b ... .X. ...
       y/c ... .X. ...
       z/a ... ... ...
       z/b ... ... ...
       z/c ... ... ...`,
    );
  });
});

describe("peers", () => {
  const target = { matchLabels: { pod: "a" } };
  const ingressFrom = (peers: unknown[]) =>
    model([policy("x", "p", { podSelector: target, ingress: [{ from: peers }] })]);

  it("podSelector alone selects pods in the policy's namespace", () => {
    expectMatrix(
      ingressFrom([{ podSelector: { matchLabels: { pod: "b" } } }]),
      80,
      "TCP",
      onlyIntoXaFrom(from("x/b")),
    );
  });

  it("namespaceSelector alone selects every pod of the matching namespaces", () => {
    expectMatrix(
      ingressFrom([{ namespaceSelector: { matchLabels: { ns: "y" } } }]),
      80,
      "TCP",
      onlyIntoXaFrom(from("y/a", "y/b", "y/c")),
    );
  });

  it("namespaceSelector and podSelector in one entry are ANDed (e2e PodSelector and NamespaceSelector)", () => {
    expectMatrix(
      ingressFrom([
        { namespaceSelector: { matchLabels: { ns: "y" } }, podSelector: { matchLabels: { pod: "b" } } },
      ]),
      80,
      "TCP",
      onlyIntoXaFrom(from("y/b")),
    );
  });

  it("namespaceSelector and podSelector in two entries are ORed (e2e PodSelector or NamespaceSelector)", () => {
    expectMatrix(
      ingressFrom([
        { namespaceSelector: { matchLabels: { ns: "y" } } },
        { podSelector: { matchLabels: { pod: "b" } } },
      ]),
      80,
      "TCP",
      onlyIntoXaFrom(from("x/b", "y/a", "y/b", "y/c")),
    );
  });

  it("namespaceSelector {} with a podSelector selects those pods in every namespace", () => {
    expectMatrix(
      ingressFrom([{ namespaceSelector: {}, podSelector: { matchLabels: { pod: "b" } } }]),
      80,
      "TCP",
      onlyIntoXaFrom(from("x/b", "y/b", "z/b")),
    );
  });

  it("namespaces can be targeted by kubernetes.io/metadata.name, set by the engine", () => {
    expectMatrix(
      ingressFrom([{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "z" } } }]),
      80,
      "TCP",
      onlyIntoXaFrom(from("z/a", "z/b", "z/c")),
    );
  });
});

describe("label selectors", () => {
  const target = { matchLabels: { pod: "a" } };

  it("NotIn matches namespaces that lack the key (derived-notin-missing-key)", () => {
    const cluster = model(
      [
        policy("x", "p", {
          podSelector: {},
          ingress: [
            {
              from: [
                {
                  namespaceSelector: {
                    matchExpressions: [{ key: "team", operator: "NotIn", values: ["red"] }],
                  },
                },
              ],
            },
          ],
        }),
      ],
      { namespaceLabels: { y: { team: "red" }, z: { team: "blue" } } },
    );
    expectMatrix(
      cluster,
      80,
      "TCP",
      `x/a ... ... ...
       x/b ... ... ...
       x/c ... ... ...
       y/a XXX ... ...
       y/b XXX ... ...
       y/c XXX ... ...
       z/a ... ... ...
       z/b ... ... ...
       z/c ... ... ...`,
    );
  });

  const podLabels = {
    "x/b": { tier: "back" },
    "x/c": { tier: "front" },
    "y/a": { tier: "" },
    "y/b": { tier: "x" },
  };
  const selecting = (podSelector: unknown) =>
    model(
      [
        policy("x", "p", {
          podSelector: target,
          ingress: [{ from: [{ namespaceSelector: {}, podSelector }] }],
        }),
      ],
      {
        podLabels,
      },
    );

  it("NotIn matches pods that lack the key or have another value", () => {
    expectMatrix(
      selecting({ matchExpressions: [{ key: "tier", operator: "NotIn", values: ["front"] }] }),
      80,
      "TCP",
      onlyIntoXaFrom(from("x/a", "x/b", "y/a", "y/b", "y/c", "z/a", "z/b", "z/c")),
    );
  });

  it("In requires the key with one of the values", () => {
    expectMatrix(
      selecting({ matchExpressions: [{ key: "tier", operator: "In", values: ["front", "back"] }] }),
      80,
      "TCP",
      onlyIntoXaFrom(from("x/b", "x/c")),
    );
  });

  it("Exists and DoesNotExist test presence only (an empty value is present)", () => {
    expectMatrix(
      selecting({ matchExpressions: [{ key: "tier", operator: "Exists" }] }),
      80,
      "TCP",
      onlyIntoXaFrom(from("x/b", "x/c", "y/a", "y/b")),
    );
    expectMatrix(
      selecting({ matchExpressions: [{ key: "tier", operator: "DoesNotExist" }] }),
      80,
      "TCP",
      onlyIntoXaFrom(from("x/a", "y/c", "z/a", "z/b", "z/c")),
    );
  });

  it('matchLabels {tier: ""} matches only pods carrying tier with an empty value (derived-matchlabels-empty-value)', () => {
    expectMatrix(selecting({ matchLabels: { tier: "" } }), 80, "TCP", onlyIntoXaFrom(from("y/a")));
  });

  it("matchLabels and matchExpressions are ANDed", () => {
    expectMatrix(
      selecting({ matchLabels: { pod: "b" }, matchExpressions: [{ key: "tier", operator: "Exists" }] }),
      80,
      "TCP",
      onlyIntoXaFrom(from("x/b", "y/b")),
    );
  });
});

describe("ports", () => {
  const target = { matchLabels: { pod: "a" } };
  const ingressPorts = (ports: unknown[]) =>
    model([policy("x", "p", { podSelector: target, ingress: [{ ports }] })]);

  it("a numeric port without protocol is TCP only (derived-port-without-protocol-is-tcp)", () => {
    const cluster = ingressPorts([{ port: 80 }]);
    expectMatrix(cluster, 80, "TCP", ALL_ALLOWED);
    expectMatrix(cluster, 81, "TCP", onlyIntoXaFrom({}));
    expectMatrix(cluster, 80, "UDP", onlyIntoXaFrom({}));
  });

  it("a named port resolves on the destination pod", () => {
    const cluster = ingressPorts([{ port: "serve-81-tcp" }]);
    expectMatrix(cluster, 81, "TCP", ALL_ALLOWED);
    expectMatrix(cluster, 80, "TCP", onlyIntoXaFrom({}));
  });

  it("a named UDP port with the default protocol TCP matches nothing (derived-named-udp-port-without-protocol)", () => {
    const cluster = ingressPorts([{ port: "serve-80-udp" }]);
    expectMatrix(cluster, 80, "UDP", onlyIntoXaFrom({}));
    expectMatrix(cluster, 80, "TCP", onlyIntoXaFrom({}));
    expectMatrix(ingressPorts([{ port: "serve-80-udp", protocol: "UDP" }]), 80, "UDP", ALL_ALLOWED);
  });

  it("endPort makes an inclusive range", () => {
    const cluster = ingressPorts([{ port: 80, endPort: 81 }]);
    expectMatrix(cluster, 80, "TCP", ALL_ALLOWED);
    expectMatrix(cluster, 81, "TCP", ALL_ALLOWED);
    expectMatrix(cluster, 82, "TCP", onlyIntoXaFrom({}));
    expectMatrix(cluster, 80, "UDP", onlyIntoXaFrom({}));
  });

  it("a protocol without port allows every port of that protocol only", () => {
    const cluster = ingressPorts([{ protocol: "UDP" }]);
    expectMatrix(cluster, 80, "UDP", ALL_ALLOWED);
    expectMatrix(cluster, 81, "UDP", ALL_ALLOWED);
    expectMatrix(cluster, 80, "TCP", onlyIntoXaFrom({}));
  });

  it("an SCTP rule never opens TCP or UDP (e2e should not mistakenly treat SCTP as TCP)", () => {
    const cluster = ingressPorts([{ protocol: "SCTP", port: 80 }]);
    expectMatrix(cluster, 80, "SCTP", ALL_ALLOWED);
    expectMatrix(cluster, 80, "TCP", onlyIntoXaFrom({}));
    expectMatrix(cluster, 80, "UDP", onlyIntoXaFrom({}));
  });

  it("ports AND peers within a rule; rules are ORed", () => {
    const cluster = model([
      policy("x", "p", {
        podSelector: target,
        ingress: [
          { ports: [{ port: 80 }], from: [{ namespaceSelector: { matchLabels: { ns: "y" } } }] },
          { ports: [{ port: 81 }], from: [{ namespaceSelector: { matchLabels: { ns: "z" } } }] },
        ],
      }),
    ]);
    expectMatrix(cluster, 80, "TCP", onlyIntoXaFrom(from("y/a", "y/b", "y/c")));
    expectMatrix(cluster, 81, "TCP", onlyIntoXaFrom(from("z/a", "z/b", "z/c")));
  });

  it("egress on one named port allows that port to every destination (e2e should allow egress access on one named port)", () => {
    const cluster = model([
      policy("x", "p", {
        podSelector: target,
        policyTypes: ["Egress"],
        egress: [{ ports: [{ port: "serve-81-udp", protocol: "UDP" }] }],
      }),
    ]);
    expectMatrix(cluster, 81, "UDP", ALL_ALLOWED);
    expectMatrix(
      cluster,
      80,
      "UDP",
      `x/a XXX XXX XXX
       x/b ... ... ...
       x/c ... ... ...
       y/a ... ... ...
       y/b ... ... ...
       y/c ... ... ...
       z/a ... ... ...
       z/b ... ... ...
       z/c ... ... ...`,
    );
  });
});

describe("ipBlock", () => {
  const target = { matchLabels: { pod: "a" } };
  const egressTo = (...peers: unknown[]) =>
    policy("x", "p", { podSelector: target, policyTypes: ["Egress"], egress: [{ to: peers }] });
  const rowXa = (row: string) =>
    `x/a ${row}
     x/b ... ... ...
     x/c ... ... ...
     y/a ... ... ...
     y/b ... ... ...
     y/c ... ... ...
     z/a ... ... ...
     z/b ... ... ...
     z/c ... ... ...`;

  it("matches pod IPs (e2e should allow egress access to server in CIDR block)", () => {
    expectMatrix(model([egressTo({ ipBlock: { cidr: "10.0.2.2/32" } })]), 80, "TCP", rowXa("XXX X.X XXX"));
  });

  it("except removes addresses from the block", () => {
    expectMatrix(
      model([egressTo({ ipBlock: { cidr: "10.0.2.0/24", except: ["10.0.2.2/32"] } })]),
      80,
      "TCP",
      rowXa("XXX .X. XXX"),
    );
  });

  it("except subtracts within its own peer only: another peer or policy can allow the address (derived-ipblock-union)", () => {
    expectMatrix(
      model([
        egressTo(
          { ipBlock: { cidr: "10.0.2.0/24", except: ["10.0.2.2/32"] } },
          { namespaceSelector: { matchLabels: { ns: "y" } }, podSelector: { matchLabels: { pod: "b" } } },
        ),
      ]),
      80,
      "TCP",
      rowXa("XXX ... XXX"),
    );
    expectMatrix(
      model([
        egressTo({ ipBlock: { cidr: "10.0.2.0/24", except: ["10.0.2.2/32"] } }),
        policy("x", "q", {
          podSelector: target,
          policyTypes: ["Egress"],
          egress: [{ to: [{ ipBlock: { cidr: "10.0.2.2/32" } }] }],
        }),
      ]),
      80,
      "TCP",
      rowXa("XXX ... XXX"),
    );
  });

  it("an IP in both cidr and except is denied, then allowed once the policy is updated to allow it (e2e-cidr-except-overlap-step1/2)", () => {
    expectMatrix(
      model([egressTo({ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.1.2/32"] } })]),
      80,
      "TCP",
      rowXa(".X. ... ..."),
    );
    expectMatrix(model([egressTo({ ipBlock: { cidr: "10.0.1.2/32" } })]), 80, "TCP", rowXa("X.X XXX XXX"));
  });

  it("a non-canonical CIDR is masked like Go's net.ParseCIDR", () => {
    expectMatrix(model([egressTo({ ipBlock: { cidr: "10.0.2.213/24" } })]), 80, "TCP", rowXa("XXX ... XXX"));
  });

  it("with ipBlockMatchesPods: false (Cilium) an ipBlock never matches a pod", () => {
    expectMatrix(
      model([egressTo({ ipBlock: { cidr: "10.0.0.0/8" } })], { ipBlockMatchesPods: false }),
      80,
      "TCP",
      rowXa("XXX XXX XXX"),
    );
  });
});
