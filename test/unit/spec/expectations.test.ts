// ClusterSpec expectations are decided by the NetworkPolicy engine during validation: a
// contradiction is an ExpectationUnsatisfiable error, with the explanation, before provisioning.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { validateClusterSpec } from "../../../shared/spec/index.js";

const tutorial = JSON.parse(
  readFileSync(fileURLToPath(new URL("../../../../examples/seed-tutorial.json", import.meta.url)), "utf8"),
) as { name: string; namespaces: Record<string, unknown>[] };

function clone<T>(v: T): T {
  return structuredClone(v);
}

function errorsOf(doc: unknown) {
  const r = validateClusterSpec(doc);
  return r.ok ? [] : r.errors;
}

describe("ClusterSpec expectations", () => {
  it("accepts the tutorial request: its two policies give exactly its two expectations", () => {
    const r = validateClusterSpec(tutorial);
    assert.equal(r.ok, true, JSON.stringify(r.ok ? [] : r.errors));
  });

  it("rejects an expectation the policies contradict, with the explanation", () => {
    const doc = clone(tutorial);
    (doc.namespaces[0]!["expectations"] as { allowed: boolean }[])[0]!.allowed = false;
    const errors = errorsOf(doc);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.path, "namespaces[0].expectations[0]");
    assert.equal(errors[0]!.code, "ExpectationUnsatisfiable");
    assert.match(
      errors[0]!.message,
      /expected a pod with \{app=webapp, role=frontend\} in namespace test → service test\/backend port 80\/TCP to be denied, but the policies allow it/,
    );
    assert.match(errors[0]!.message, /allowed by test\/backend-policy ingress\[0\] from\[0\]/);
  });

  it("models the generated default-deny policy (named as for provisioning) and probe pods in other namespaces", () => {
    const doc = clone(tutorial);
    doc.namespaces.push({
      name: "client",
      defaultDeny: ["Egress"],
      expectations: [
        {
          from: { labels: { app: "webapp", role: "frontend" } },
          to: { namespace: "test", service: "backend", port: "http" },
          allowed: true,
        },
      ],
    });
    const errors = errorsOf(doc);
    assert.deepEqual(
      errors.map((e) => `${e.path} ${e.code}`),
      ["namespaces[1].expectations[0] ExpectationUnsatisfiable"],
    );
    assert.match(
      errors[0]!.message,
      /Egress from client\/probe\.1\.0: DENIED \(isolated by client\/default-deny-egress; no rule allows it\)/,
    );
  });

  it("resolves a named service port to the workload's container port and protocol", () => {
    const doc = clone(tutorial);
    const ns = doc.namespaces[0]!;
    ns["workloads"] = [
      {
        name: "dns",
        image: "coredns",
        labels: { app: "dns" },
        ports: [{ name: "dns", port: 53, protocol: "UDP" }],
        expose: true,
      },
    ];
    ns["networkPolicies"] = [
      {
        name: "dns-udp",
        spec: {
          podSelector: { matchLabels: { app: "dns" } },
          ingress: [{ ports: [{ port: 53, protocol: "UDP" }] }],
        },
      },
    ];
    ns["expectations"] = [{ from: { labels: {} }, to: { service: "dns", port: "dns" }, allowed: true }];
    assert.deepEqual(errorsOf(doc), []);
    ns["networkPolicies"] = [
      {
        name: "dns-tcp",
        spec: { podSelector: { matchLabels: { app: "dns" } }, ingress: [{ ports: [{ port: 53 }] }] },
      },
    ];
    assert.deepEqual(
      errorsOf(doc).map((e) => e.code),
      ["ExpectationUnsatisfiable"],
    );
  });

  it("is not run while the request has other errors", () => {
    const doc = clone(tutorial);
    (doc.namespaces[0]!["expectations"] as { allowed: boolean }[])[0]!.allowed = false;
    doc.name = "bad name!";
    const codes = errorsOf(doc).map((e) => e.code);
    assert.ok(codes.includes("InvalidClusterName"));
    assert.ok(!codes.includes("ExpectationUnsatisfiable"));
  });
});
