// The scenario document of `aks-vending netpol …` (a contract other checks rely on):
// { namespaces: { <name>: { <labelKey>: <value> } }, pods: [PodInput], policies: [NetworkPolicy],
//   probes?: [{ from: "ns/pod" | "<ip>", to: …, port, protocol? }] }.
import { z } from "zod";
import { checkDns1123Label } from "../kube/names.js";
import { parseIPv4 } from "../network/cidr.js";
import { addProblem, collectKeys, problemsFromZod, type Problem } from "../validation/problems.js";
import { compileValidated } from "./cluster.js";
import { validateClusterInput } from "./input.js";
import { LabelMapSchema, PortNumberSchema } from "./policy-schema.js";
import {
  NetpolInputError,
  type CompileOptions,
  type CompiledCluster,
  type ConnectionQuery,
  type Endpoint,
  type PodInput,
  type Protocol,
} from "./types.js";

const EndpointTextSchema = z.string().superRefine((text, ctx) => {
  if (!text.includes("/") && parseIPv4(text) === undefined)
    addProblem(ctx, "InvalidEndpoint", `"${text}" is neither "namespace/pod" nor an IPv4 address`);
});

const ProbeSchema = z.strictObject({
  from: EndpointTextSchema,
  to: EndpointTextSchema,
  port: PortNumberSchema,
  protocol: z.enum(["TCP", "UDP", "SCTP"]).default("TCP"),
});

export const ScenarioSchema = z.strictObject({
  namespaces: z
    .record(z.string(), LabelMapSchema)
    .superRefine((namespaces, ctx) => {
      for (const name of Object.keys(namespaces)) {
        const problem = checkDns1123Label(name);
        if (problem) addProblem(ctx, problem.code, problem.message, [name]);
      }
    })
    .default({}),
  // Validated by the engine, which reports paths in the same shape (pods[i]…, policies[i]…).
  pods: z.array(z.unknown()).default([]),
  policies: z.array(z.unknown()).default([]),
  probes: z.array(ProbeSchema).optional(),
});

export interface ProbeResult {
  from: string;
  to: string;
  port: number;
  protocol: Protocol;
  allowed: boolean;
}

export interface Probe {
  from: string;
  to: string;
  port: number;
  protocol: Protocol;
}

export interface Scenario {
  cluster: CompiledCluster;
  /** The document's probes, if it has any. */
  probes: Probe[] | undefined;
  /** Every distinct port/protocol the pods declare, ascending. */
  declaredPorts: { port: number; protocol: Protocol }[];
  /** Every pod to every pod on each of the destination's declared ports. */
  defaultProbes(): Probe[];
}

export function endpointFromText(text: string): Endpoint {
  return text.includes("/") ? { pod: text } : { ip: text };
}

function defaultProbes(pods: PodInput[]): Probe[] {
  const keys = pods.map((p) => `${p.namespace}/${p.name}`);
  const probes: Probe[] = [];
  for (const from of keys)
    pods.forEach((to, j) => {
      for (const port of to.ports ?? [])
        probes.push({ from, to: keys[j]!, port: port.port, protocol: port.protocol ?? "TCP" });
    });
  return probes;
}

const SCENARIO_KEYS = collectKeys(ScenarioSchema);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Validates and compiles a scenario document; throws NetpolInputError naming every offending path. */
export function loadScenario(doc: unknown, options: CompileOptions = {}): Scenario {
  const parsed = ScenarioSchema.safeParse(doc);
  const problems: Problem[] = parsed.success ? [] : problemsFromZod(parsed.error.issues, SCENARIO_KEYS);
  // Validate pods and policies even when the document has other problems: report everything at once.
  const raw = isRecord(doc) ? doc : {};
  const namespaces = isRecord(raw["namespaces"]) ? raw["namespaces"] : {};
  const pods = Array.isArray(raw["pods"]) ? raw["pods"] : [];
  const input = validateClusterInput({
    namespaces: Object.entries(namespaces).map(([name, labels]) => ({ name, labels })),
    pods,
    policies: Array.isArray(raw["policies"]) ? raw["policies"] : [],
  });
  // Namespace problems are reported by the scenario schema, with paths in the document's shape.
  if (!input.ok) problems.push(...input.problems.filter((p) => !p.path.startsWith("namespaces[")));
  if (!parsed.success || !input.ok || problems.length > 0) throw new NetpolInputError(problems);
  const cluster = compileValidated(input.value, options);
  const probes = parsed.data.probes;
  const known = new Set(cluster.pods);
  probes?.forEach((p, i) => {
    for (const end of ["from", "to"] as const)
      if (p[end].includes("/") && !known.has(p[end]))
        problems.push({
          path: `probes[${i}].${end}`,
          code: "UnknownPod",
          message: `pod "${p[end]}" is not declared in pods`,
        });
  });
  if (problems.length > 0) throw new NetpolInputError(problems);
  const podInputs = pods as PodInput[];
  const declared = new Map<string, { port: number; protocol: Protocol }>();
  for (const pod of podInputs)
    for (const p of pod.ports ?? [])
      declared.set(`${p.port}/${p.protocol ?? "TCP"}`, { port: p.port, protocol: p.protocol ?? "TCP" });
  return {
    cluster,
    probes,
    declaredPorts: [...declared.values()].sort(
      (a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol),
    ),
    defaultProbes: () => defaultProbes(podInputs),
  };
}

export function queryOf(p: Probe): ConnectionQuery {
  return { from: endpointFromText(p.from), to: endpointFromText(p.to), port: p.port, protocol: p.protocol };
}

/** Evaluates the scenario's probes (or the default ones), in order. */
export function runProbes(scenario: Scenario): ProbeResult[] {
  return (scenario.probes ?? scenario.defaultProbes()).map((p) => ({
    ...p,
    allowed: scenario.cluster.evaluate(queryOf(p)).allowed,
  }));
}
