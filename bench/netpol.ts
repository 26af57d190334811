// NetworkPolicy engine benchmark on generated clusters: compile time, a full single-port matrix,
// single-probe latency and peak memory. Prints JSON. Each size runs in its own child process so that
// its peak memory is its own. Usage: node dist/bench/netpol.js [--only small|large]
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import {
  compileCluster,
  type ConnectionQuery,
  type NamespaceInput,
  type NetworkPolicyObject,
  type PodInput,
} from "../shared/netpol/index.js";

interface Size {
  name: string;
  pods: number;
  namespaces: number;
  policies: number;
}
export const SIZES: Size[] = [
  { name: "small", pods: 1000, namespaces: 100, policies: 500 },
  { name: "large", pods: 5000, namespaces: 500, policies: 2000 },
];

/** Deterministic PRNG (mulberry32) so every run measures the same cluster. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const APPS = ["web", "api", "db", "cache", "queue", "worker", "auth", "search", "billing", "mail"];
const TIERS = ["front", "back", "data"];
const TEAMS = ["red", "blue", "green", "gold", "teal", "plum", "rose", "sand", "mint", "gray"];

/** A cluster in the shape of real ones: labelled pods, a default deny in most namespaces, then allow rules of every kind. */
export function generateCluster(size: Size, seed = 42) {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const namespaces: NamespaceInput[] = Array.from({ length: size.namespaces }, (_, i) => ({
    name: `ns-${i}`,
    labels: { team: pick(TEAMS), env: pick(["dev", "test", "prod"]) },
  }));
  const pods: PodInput[] = Array.from({ length: size.pods }, (_, i) => {
    const app = pick(APPS);
    return {
      namespace: `ns-${i % size.namespaces}`,
      name: `${app}-${i}`,
      labels: { app, tier: pick(TIERS), ...(rnd() < 0.3 ? { canary: "true" } : {}) },
      ip: `10.${Math.floor(i / 65536) + 1}.${Math.floor(i / 256) % 256}.${i % 256}`,
      ports: [
        { name: "http", port: pick([80, 8080]), protocol: "TCP" as const },
        { name: "metrics", port: 9090, protocol: "TCP" as const },
      ],
    };
  });
  const policies: NetworkPolicyObject[] = [];
  for (let i = 0; i < size.policies; i++) {
    const ns = `ns-${i % size.namespaces}`;
    const kind = i < size.namespaces ? 0 : 1 + Math.floor(rnd() * 5);
    const target = { matchLabels: { app: pick(APPS) } };
    let spec: unknown;
    switch (kind) {
      case 0:
        spec = { podSelector: {}, policyTypes: ["Ingress", "Egress"] };
        break;
      case 1:
        spec = {
          podSelector: target,
          ingress: [
            { from: [{ podSelector: { matchLabels: { app: pick(APPS) } } }], ports: [{ port: "http" }] },
          ],
        };
        break;
      case 2:
        spec = {
          podSelector: target,
          ingress: [
            {
              from: [
                {
                  namespaceSelector: { matchLabels: { team: pick(TEAMS) } },
                  podSelector: {
                    matchExpressions: [{ key: "tier", operator: "In", values: [pick(TIERS), pick(TIERS)] }],
                  },
                },
                {
                  namespaceSelector: {
                    matchExpressions: [{ key: "env", operator: "NotIn", values: ["prod"] }],
                  },
                },
              ],
              ports: [{ port: 80, endPort: 8080 }, { port: 9090 }],
            },
          ],
        };
        break;
      case 3:
        spec = {
          podSelector: {},
          policyTypes: ["Egress"],
          egress: [
            { to: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: pick(APPS) } } }] },
            { to: [{ ipBlock: { cidr: "10.1.0.0/16", except: [`10.1.${Math.floor(rnd() * 256)}.0/24`] } }] },
            { ports: [{ port: 53, protocol: "UDP" }, { port: 53 }] },
          ],
        };
        break;
      case 4:
        spec = {
          podSelector: { matchExpressions: [{ key: "canary", operator: "DoesNotExist" }] },
          ingress: [
            { from: [{ namespaceSelector: { matchLabels: { env: pick(["dev", "test", "prod"]) } } }] },
          ],
        };
        break;
      default:
        spec = {
          podSelector: target,
          policyTypes: ["Ingress", "Egress"],
          ingress: [{ from: [{ podSelector: {} }] }],
          egress: [
            {
              to: [{ namespaceSelector: { matchLabels: { team: pick(TEAMS) } } }],
              ports: [{ port: "http" }],
            },
          ],
        };
    }
    policies.push({
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: `policy-${i}`, namespace: ns },
      spec,
    });
  }
  return { namespaces, pods, policies };
}

export function run(size: Size) {
  const input = generateCluster(size);
  // Wall-clock and CPU time: the machine is shared, so CPU time is the steadier figure.
  const measure = <T>(f: () => T): { value: T; ms: number; cpuMs: number } => {
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    const value = f();
    const ms = performance.now() - t0;
    const used = process.cpuUsage(cpu);
    return { value, ms, cpuMs: (used.user + used.system) / 1000 };
  };
  const compiled = measure(() => compileCluster(input));
  const cluster = compiled.value;
  const first = measure(() => cluster.matrix(80, "TCP"));
  const matrix = first.value;
  const warm = measure(() => cluster.matrix(8080, "TCP"));
  let allowed = 0;
  for (const cell of matrix.cells) allowed += cell;

  const rnd = prng(7);
  const probes: ConnectionQuery[] = Array.from({ length: 20000 }, () => ({
    from: { pod: cluster.pods[Math.floor(rnd() * cluster.pods.length)]! },
    to: { pod: cluster.pods[Math.floor(rnd() * cluster.pods.length)]! },
    port: rnd() < 0.5 ? 80 : 8080,
  }));
  for (const p of probes.slice(0, 2000)) cluster.evaluate(p); // warm-up
  // The matrix must agree with evaluate(): check every probe's cell.
  const index = new Map(cluster.pods.map((p, i) => [p, i]));
  let disagreements = 0;
  for (const p of probes) {
    if (p.port !== 80) continue;
    const cell = matrix.allowed(
      index.get((p.from as { pod: string }).pod)!,
      index.get((p.to as { pod: string }).pod)!,
    );
    if (cell !== cluster.evaluate(p).allowed) disagreements++;
  }
  const rounds = 5;
  const t = performance.now();
  for (let r = 0; r < rounds; r++) for (const p of probes) cluster.evaluate(p);
  const probeUs = ((performance.now() - t) * 1000) / (rounds * probes.length);

  return {
    size: size.name,
    pods: size.pods,
    namespaces: size.namespaces,
    policies: size.policies,
    compileMs: Math.round(compiled.ms),
    compileCpuMs: Math.round(compiled.cpuMs),
    matrixMs: Math.round(first.ms),
    matrixCpuMs: Math.round(first.cpuMs),
    matrixWarmMs: Math.round(warm.ms),
    matrixWarmCpuMs: Math.round(warm.cpuMs),
    matrixCells: matrix.cells.length,
    matrixDisagreesWithEvaluate: disagreements,
    allowedFraction: Math.round((allowed / matrix.cells.length) * 1000) / 1000,
    probeMicroseconds: Math.round(probeUs * 100) / 100,
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

const args = process.argv.slice(2);
const only = args[args.indexOf("--only") + 1];
const invokedDirectly = process.argv[1] === fileURLToPath(import.meta.url);
if (!invokedDirectly) {
  // Imported (e.g. by a profiler script): generateCluster only.
} else if (args.includes("--only")) {
  const size = SIZES.find((s) => s.name === only);
  if (!size) throw new Error(`unknown size ${only}`);
  process.stdout.write(`${JSON.stringify(run(size))}\n`);
} else {
  const self = fileURLToPath(import.meta.url);
  const results = SIZES.map(
    (s) =>
      JSON.parse(execFileSync(process.execPath, [self, "--only", s.name], { encoding: "utf8" })) as unknown,
  );
  process.stdout.write(
    `${JSON.stringify({ node: process.version, cpus: (await import("node:os")).cpus().length, results }, null, 2)}\n`,
  );
}
