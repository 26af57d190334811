// The request's `expectations`, decided by the NetworkPolicy engine before anything is provisioned:
// namespaces with their labels, one pod per workload (labels and container ports), one probe pod per
// expectation (its labels, in its namespace), the generated default-deny policy and the request's
// policies. A contradiction is an ExpectationUnsatisfiable error carrying the explanation.
import {
  compileCluster,
  type CompiledCluster,
  NetpolInputError,
  type NetworkPolicyObject,
  type PodInput,
} from "../../netpol/index.js";
import type { Problem } from "../../validation/problems.js";
import type { ClusterSpec } from "../schema.js";
import { defaultDenyPolicyName } from "./namespaces.js";

/** Probe pods get a dotted name: workload names are DNS-1035 labels (no dots), so they never clash. */
function probePodName(nsIndex: number, exIndex: number): string {
  return `probe.${nsIndex}.${exIndex}`;
}

function labelsText(labels: Record<string, string>): string {
  const entries = Object.entries(labels);
  return entries.length === 0 ? "no labels" : `{${entries.map(([k, v]) => `${k}=${v}`).join(", ")}}`;
}

/** The explanation without its head line, on one line: "policy: rule: entry; entry; …". */
function oneLine(explanation: string): string {
  return explanation
    .split("\n")
    .slice(1)
    .map((l) => l.trim())
    .reduce((out, line) => (out === "" ? line : `${out}${out.endsWith(":") ? " " : "; "}${line}`), "");
}

/**
 * Checks every expectation of a valid, normalised ClusterSpec. The probe reaches the Service port;
 * the Service forwards to the workload's container port with the same number, so the connection
 * is evaluated pod → pod on that port and protocol. Pod IPs are not known before provisioning, so
 * ipBlock peers never match in-cluster pods here.
 */
type Expectation = ClusterSpec["namespaces"][number]["expectations"][number];

/**
 * Where an expectation's probe runs and what it reaches: source and target namespaces (defaulting
 * to the declaring one), the target workload and its port (a named port resolved). Shared with the
 * verification's probe plan, so the check before provisioning and the probes after it agree.
 */
export function expectationEndpoints(spec: ClusterSpec, home: string, ex: Expectation) {
  const fromNs = ex.from.namespace ?? home;
  const toNs = ex.to.namespace ?? home;
  const workload = spec.namespaces
    .find((n) => n.name === toNs)
    ?.workloads.find((w) => w.name === ex.to.service);
  const port = workload?.ports.find((p) =>
    typeof ex.to.port === "number" ? p.port === ex.to.port : p.name === ex.to.port,
  );
  return { fromNs, toNs, workload, port };
}

/** The engine's input for a request: its namespaces, one pod per workload and per expectation's probe, and every policy. */
export interface ExpectationModel {
  namespaces: { name: string; labels: Record<string, string> }[];
  pods: PodInput[];
  policies: NetworkPolicyObject[];
  /** The probe pod standing for each expectation ("namespace/name"), by namespace and expectation index. */
  probes: { nsIndex: number; exIndex: number; pod: string; labels: Record<string, string> }[];
}

/**
 * The cluster a request describes, as the NetworkPolicy engine sees it: the model the check below
 * decides expectations on, and the portal draws its reachability matrix from.
 */
export function expectationModel(spec: ClusterSpec): ExpectationModel {
  const pods: PodInput[] = [];
  const policies: NetworkPolicyObject[] = [];
  const probes: ExpectationModel["probes"] = [];
  spec.namespaces.forEach((ns, i) => {
    for (const w of ns.workloads)
      pods.push({
        namespace: ns.name,
        name: w.name,
        labels: w.labels,
        ports: w.ports.map((p) => ({ ...p })),
      });
    ns.expectations.forEach((ex, j) => {
      const namespace = ex.from.namespace ?? ns.name;
      pods.push({ namespace, name: probePodName(i, j), labels: ex.from.labels });
      probes.push({
        nsIndex: i,
        exIndex: j,
        pod: `${namespace}/${probePodName(i, j)}`,
        labels: ex.from.labels,
      });
    });
    if (ns.defaultDeny.length > 0)
      policies.push({
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: defaultDenyPolicyName(ns.defaultDeny), namespace: ns.name },
        spec: { podSelector: {}, policyTypes: [...ns.defaultDeny] },
      });
    for (const p of ns.networkPolicies)
      policies.push({
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: p.name, namespace: ns.name },
        spec: p.spec,
      });
  });
  return {
    namespaces: spec.namespaces.map((ns) => ({ name: ns.name, labels: ns.labels })),
    pods,
    policies,
    probes,
  };
}

export function checkExpectations(spec: ClusterSpec): Problem[] {
  const { namespaces, pods, policies } = expectationModel(spec);
  let cluster: CompiledCluster;
  try {
    cluster = compileCluster({ namespaces, pods, policies });
  } catch (e) {
    // The spec has been validated already; this would be a bug in how it is modelled.
    if (e instanceof NetpolInputError)
      return e.details.map((d) => ({ ...d, path: "namespaces", code: "ExpectationModelInvalid" }));
    throw e;
  }

  const problems: Problem[] = [];
  spec.namespaces.forEach((ns, i) =>
    ns.expectations.forEach((ex, j) => {
      const { fromNs, toNs, workload, port } = expectationEndpoints(spec, ns.name, ex);
      // References were checked by checkNamespaces; nothing to decide without them.
      if (!workload || !port) return;
      const query = {
        from: { pod: `${fromNs}/${probePodName(i, j)}` },
        to: { pod: `${toNs}/${workload.name}` },
        port: port.port,
        protocol: port.protocol,
      };
      const verdict = cluster.evaluate(query);
      if (verdict.allowed === ex.allowed) return;
      const what = `a pod with ${labelsText(ex.from.labels)} in namespace ${fromNs} → service ${toNs}/${workload.name} port ${port.port}/${port.protocol}`;
      problems.push({
        path: `namespaces[${i}].expectations[${j}]`,
        code: "ExpectationUnsatisfiable",
        message: `expected ${what} to be ${ex.allowed ? "allowed" : "denied"}, but the policies ${
          verdict.allowed ? "allow" : "deny"
        } it (the probe is modelled as pod ${fromNs}/${probePodName(i, j)}). ${oneLine(cluster.explain(query))}`,
      });
    }),
  );
  return problems;
}
