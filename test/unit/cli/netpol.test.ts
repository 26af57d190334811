// The `aks-vending netpol` contract, through the real CLI process (node dist/cli/main.js).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { stringify as stringifyYaml } from "yaml";

const CLI = fileURLToPath(new URL("../../../cli/main.js", import.meta.url));

function cli(args: string[], stdin?: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { input: stdin, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// The tutorial's namespace after its second policy.
const scenario = {
  namespaces: { test: { purpose: "test" } },
  pods: [
    {
      namespace: "test",
      name: "backend",
      labels: { app: "webapp", role: "backend" },
      ip: "10.244.1.10",
      ports: [{ name: "serve-80-tcp", port: 80, protocol: "TCP" }],
    },
    { namespace: "test", name: "frontend", labels: { app: "webapp", role: "frontend" }, ip: "10.244.1.11" },
    { namespace: "test", name: "network-policy", labels: { run: "network-policy" }, ip: "10.244.1.12" },
  ],
  policies: [
    {
      kind: "NetworkPolicy",
      apiVersion: "networking.k8s.io/v1",
      metadata: { name: "backend-policy", namespace: "test" },
      spec: {
        podSelector: { matchLabels: { app: "webapp", role: "backend" } },
        ingress: [
          {
            from: [
              { namespaceSelector: {}, podSelector: { matchLabels: { app: "webapp", role: "frontend" } } },
            ],
          },
        ],
      },
    },
  ],
};
const dir = mkdtempSync(join(tmpdir(), "aksv-netpol-cli-"));
const file = (name: string, doc: unknown): string => {
  const path = join(dir, name);
  writeFileSync(path, typeof doc === "string" ? doc : JSON.stringify(doc));
  return path;
};

describe("aks-vending netpol evaluate", () => {
  it("prints the verdict of every probe in input order and exits 0", () => {
    const doc = {
      ...scenario,
      probes: [
        { from: "test/network-policy", to: "test/backend", port: 80 },
        { from: "test/frontend", to: "test/backend", port: 80, protocol: "TCP" },
        { from: "test/frontend", to: "10.244.1.10", port: 80, protocol: "UDP" },
        { from: "203.0.113.9", to: "test/frontend", port: 443 },
      ],
    };
    const r = cli(["netpol", "evaluate", "--file", file("probes.json", doc)]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), {
      probes: [
        { from: "test/network-policy", to: "test/backend", port: 80, protocol: "TCP", allowed: false },
        { from: "test/frontend", to: "test/backend", port: 80, protocol: "TCP", allowed: true },
        { from: "test/frontend", to: "10.244.1.10", port: 80, protocol: "UDP", allowed: true },
        { from: "203.0.113.9", to: "test/frontend", port: 443, protocol: "TCP", allowed: true },
      ],
    });
  });

  it("without probes, evaluates every pod to every pod on each of the destination's declared ports (from stdin)", () => {
    const r = cli(["netpol", "evaluate", "--file", "-"], JSON.stringify(scenario));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), {
      probes: [
        { from: "test/backend", to: "test/backend", port: 80, protocol: "TCP", allowed: true },
        { from: "test/frontend", to: "test/backend", port: 80, protocol: "TCP", allowed: true },
        { from: "test/network-policy", to: "test/backend", port: 80, protocol: "TCP", allowed: false },
      ],
    });
  });

  it("exits 2 with an ARM-style error naming every offending path", () => {
    const doc = {
      namespaces: { test: {}, Bad: {} },
      pods: [
        { namespace: "test", name: "a", labels: {}, ip: "10.0.0.1" },
        { namespace: "test", name: "b", labels: {}, ip: "10.0.0.1" },
        { namespace: "missing", name: "c", labels: {} },
      ],
      policies: [
        {
          metadata: { name: "p", namespace: "test" },
          spec: { ingress: [{ from: [{ ipBlock: { cidr: "10.0.0.0/8" }, podSelector: {} }] }] },
        },
        {
          metadata: { name: "q", namespace: "test" },
          spec: { egress: [{ ports: [{ port: 80, endPort: 70 }] }] },
        },
      ],
      probes: [{ from: "test/nope", to: "test/a", port: 80 }],
      extra: true,
    };
    const r = cli(["netpol", "evaluate", "--file", file("invalid.json", doc)]);
    assert.equal(r.code, 2);
    const body = JSON.parse(r.stdout) as {
      error: { code: string; message: string; details: { path: string; code: string }[] };
    };
    assert.equal(body.error.code, "InvalidNetworkPolicyInput");
    assert.deepEqual(
      body.error.details.map((d) => `${d.path} ${d.code}`).sort(),
      [
        "extra UnknownField",
        "namespaces.Bad InvalidName",
        "pods[1].ip DuplicatePodIp",
        "pods[2].namespace UnknownNamespace",
        "policies[0].spec.ingress[0].from[0] PeerTypeConflict",
        "policies[1].spec.egress[0].ports[0].endPort EndPortLessThanPort",
      ].sort(),
    );
  });

  it("exits 2 when a probe names a pod that is not declared", () => {
    const r = cli([
      "netpol",
      "evaluate",
      "--file",
      file("unknown.json", { ...scenario, probes: [{ from: "test/nope", to: "test/backend", port: 80 }] }),
    ]);
    assert.equal(r.code, 2);
    assert.equal(
      (JSON.parse(r.stdout) as { error: { details: { path: string }[] } }).error.details[0]!.path,
      "probes[0].from",
    );
  });

  it("exits 2 on a document that is not JSON", () => {
    const r = cli(["netpol", "evaluate", "--file", file("broken.json", "{ nope")]);
    assert.equal(r.code, 2);
    assert.match(r.stdout, /"code": "InvalidJson"/);
  });

  it("reads the same scenario as YAML, from a file or standard input", () => {
    const json = cli(["netpol", "evaluate", "--file", "-"], JSON.stringify(scenario));
    const yaml = stringifyYaml(scenario);
    for (const r of [
      cli(["netpol", "evaluate", "--file", "-"], yaml),
      cli(["netpol", "evaluate", "--file", file("scenario.yaml", yaml)]),
    ]) {
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), JSON.parse(json.stdout));
    }
    const broken = cli(["netpol", "evaluate", "--file", file("broken.yaml", "pods: [\n")]);
    assert.equal(broken.code, 2);
    assert.match(broken.stdout, /"code": "InvalidYaml"/);
  });
});

describe("aks-vending netpol explain", () => {
  it("explains a denied connection rule by rule", () => {
    const r = cli([
      "netpol",
      "explain",
      "-f",
      file("s.json", scenario),
      "--from",
      "test/network-policy",
      "--to",
      "test/backend",
      "--port",
      "80",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /test\/network-policy \(10\.244\.1\.12\) → test\/backend \(10\.244\.1\.10\) on 80\/TCP: DENIED/,
    );
    assert.match(
      r.stdout,
      /Ingress to test\/backend: DENIED \(isolated by test\/backend-policy; no rule allows it\)/,
    );
    assert.match(
      r.stdout,
      /from\[0\] pods matching \{app=webapp, role=frontend\} in every namespace: labels \{run=network-policy\} do not match/,
    );
  });

  it("prints the verdict as JSON with --json", () => {
    const r = cli([
      "netpol",
      "explain",
      "-f",
      file("s.json", scenario),
      "--from",
      "test/frontend",
      "--to",
      "test/backend",
      "--port",
      "80",
      "--protocol",
      "tcp",
      "--json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const v = JSON.parse(r.stdout) as { allowed: boolean; ingress: { allowedBy: unknown } };
    assert.equal(v.allowed, true);
    assert.deepEqual(v.ingress.allowedBy, { policy: "test/backend-policy", rule: 0, peer: 0 });
  });

  it("exits 2 naming the endpoint that is not in the cluster", () => {
    const r = cli([
      "netpol",
      "explain",
      "-f",
      file("s.json", scenario),
      "--from",
      "test/ghost",
      "--to",
      "test/backend",
      "--port",
      "80",
    ]);
    assert.equal(r.code, 2);
    assert.match(r.stdout, /"path": "from"/);
  });
});

describe("aks-vending netpol matrix", () => {
  it("prints a truth table with pods as rows (from) and columns (to)", () => {
    const r = cli(["netpol", "matrix", "--file", file("s.json", scenario)]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split("\n");
    assert.match(lines[0]!, /^80\/TCP\s+test\/backend test\/frontend test\/network-policy$/);
    assert.match(lines[1]!, /^test\/backend\s+\.\s+\.\s+\.$/);
    assert.match(lines[2]!, /^test\/frontend\s+\.\s+\.\s+\.$/);
    assert.match(lines[3]!, /^test\/network-policy\s+X\s+\.\s+\.$/);
  });

  it("tabulates one given port as JSON", () => {
    const r = cli([
      "netpol",
      "matrix",
      "--file",
      file("s.json", scenario),
      "--port",
      "443",
      "--protocol",
      "UDP",
      "--json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const [table] = JSON.parse(r.stdout) as {
      port: number;
      protocol: string;
      pods: string[];
      allowed: boolean[][];
    }[];
    assert.equal(table!.port, 443);
    assert.equal(table!.protocol, "UDP");
    assert.deepEqual(table!.allowed, [
      [true, true, true],
      [true, true, true],
      [false, true, true],
    ]);
  });

  it("runs on the example scenario shipped in examples/", () => {
    const example = fileURLToPath(new URL("../../../../examples/netpol-tutorial.json", import.meta.url));
    const r = cli(["netpol", "evaluate", "--file", example]);
    assert.equal(r.code, 0, r.stderr);
    const verdicts = (JSON.parse(r.stdout) as { probes: { allowed: boolean }[] }).probes.map(
      (p) => p.allowed,
    );
    assert.deepEqual(verdicts, [true, false]);
  });

  it("is listed in the command's help", () => {
    const r = cli(["--help"]);
    assert.match(r.stdout, /netpol/);
  });
});
