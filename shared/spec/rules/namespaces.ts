// Rules across the namespaces of a ClusterSpec: unique names, reserved names, ports, and
// expectations that must refer to services and ports the request itself declares.
import type { Problem } from "../../validation/problems.js";
import type { PolicyType } from "../../netpol/policy-schema.js";
import type { ExpectationSpec, NamespaceSpec, WorkloadSpec } from "../schema.js";

const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/** The name of the policy generated for `defaultDeny` (one policy covering the listed directions). */
export function defaultDenyPolicyName(directions: readonly PolicyType[]): string {
  const set = new Set(directions);
  if (set.has("Ingress") && set.has("Egress")) return "default-deny-all";
  return set.has("Egress") ? "default-deny-egress" : "default-deny-ingress";
}

export function workloadLabels(workload: WorkloadSpec): Record<string, string> {
  return workload.labels ?? { app: workload.name };
}

function duplicates<T>(items: readonly T[], key: (item: T) => string): number[] {
  const seen = new Set<string>();
  const out: number[] = [];
  items.forEach((item, i) => {
    const k = key(item);
    if (seen.has(k)) out.push(i);
    seen.add(k);
  });
  return out;
}

/**
 * `namespaces` holds the entries that parsed, each with its index in the document, so that one
 * broken namespace does not hide the problems of the others.
 */
export function checkNamespaces(namespaces: readonly { index: number; ns: NamespaceSpec }[]): {
  errors: Problem[];
  warnings: Problem[];
} {
  const errors: Problem[] = [];
  const warnings: Problem[] = [];
  const byName = new Map(namespaces.map((e) => [e.ns.name, e.ns]));

  for (const i of duplicates(namespaces, (e) => e.ns.name)) {
    const e = namespaces[i]!;
    errors.push({
      path: `namespaces[${e.index}].name`,
      code: "DuplicateName",
      message: `namespace "${e.ns.name}" is declared more than once`,
    });
  }

  for (const { index, ns } of namespaces) {
    const at = `namespaces[${index}]`;
    if (ns.name.startsWith("kube-"))
      errors.push({
        path: `${at}.name`,
        code: "ReservedNamespace",
        message: `namespace "${ns.name}" is reserved by Kubernetes (kube-*); choose another name`,
      });
    const nameLabel = ns.labels[NAMESPACE_NAME_LABEL];
    if (nameLabel !== undefined && nameLabel !== ns.name)
      errors.push({
        path: `${at}.labels["${NAMESPACE_NAME_LABEL}"]`,
        code: "ReservedLabel",
        message: `${NAMESPACE_NAME_LABEL} is set by Kubernetes to the namespace name "${ns.name}" and cannot be "${nameLabel}"`,
      });
    if (new Set(ns.defaultDeny).size !== ns.defaultDeny.length)
      errors.push({
        path: `${at}.defaultDeny`,
        code: "DuplicatePolicyType",
        message: "defaultDeny must not repeat a direction",
      });

    for (const i of duplicates(ns.workloads, (w) => w.name))
      errors.push({
        path: `${at}.workloads[${i}].name`,
        code: "DuplicateName",
        message: `workload "${ns.workloads[i]!.name}" is declared more than once in namespace "${ns.name}"`,
      });
    ns.workloads.forEach((w, wi) => {
      for (const pi of duplicates(w.ports, (p) => `${p.port}/${p.protocol}`))
        errors.push({
          path: `${at}.workloads[${wi}].ports[${pi}].port`,
          code: "DuplicatePort",
          message: `port ${w.ports[pi]!.port}/${w.ports[pi]!.protocol} is declared more than once`,
        });
      const named = w.ports.map((p, pi) => ({ p, pi })).filter((x) => x.p.name !== undefined);
      for (const ni of duplicates(named, (x) => x.p.name!))
        errors.push({
          path: `${at}.workloads[${wi}].ports[${named[ni]!.pi}].name`,
          code: "DuplicatePort",
          message: `port name "${named[ni]!.p.name}" is declared more than once`,
        });
      if (w.expose && w.ports.length === 0)
        errors.push({
          path: `${at}.workloads[${wi}].ports`,
          code: "ServiceWithoutPorts",
          message: `workload "${w.name}" is exposed as a Service but declares no ports`,
        });
    });

    const generated = ns.defaultDeny.length > 0 ? defaultDenyPolicyName(ns.defaultDeny) : undefined;
    for (const i of duplicates(ns.networkPolicies, (p) => p.name))
      errors.push({
        path: `${at}.networkPolicies[${i}].name`,
        code: "DuplicateName",
        message: `policy "${ns.networkPolicies[i]!.name}" is declared more than once in namespace "${ns.name}"`,
      });
    ns.networkPolicies.forEach((p, pi) => {
      if (p.name === generated)
        errors.push({
          path: `${at}.networkPolicies[${pi}].name`,
          code: "DuplicateName",
          message: `policy name "${p.name}" is taken by the policy generated for defaultDeny`,
        });
    });

    if (ns.workloads.length > 0 && ns.defaultDeny.length === 0 && ns.networkPolicies.length === 0)
      warnings.push({
        path: `${at}.defaultDeny`,
        code: "NamespaceNotIsolated",
        message: `namespace "${ns.name}" has workloads but no NetworkPolicy: every pod is reachable from everywhere; consider defaultDeny: ["Ingress"]`,
      });

    ns.expectations.forEach((ex, ei) =>
      errors.push(...checkExpectation(ex, `${at}.expectations[${ei}]`, ns.name, byName)),
    );
  }
  return { errors, warnings };
}

function checkExpectation(
  ex: ExpectationSpec,
  at: string,
  home: string,
  byName: Map<string, NamespaceSpec>,
): Problem[] {
  const problems: Problem[] = [];
  const fromNs = ex.from.namespace ?? home;
  if (!byName.has(fromNs))
    problems.push({
      path: `${at}.from.namespace`,
      code: "UnknownNamespace",
      message: `namespace "${fromNs}" is not declared in this request`,
    });
  const toNsName = ex.to.namespace ?? home;
  const toNs = byName.get(toNsName);
  if (!toNs) {
    problems.push({
      path: `${at}.to.namespace`,
      code: "UnknownNamespace",
      message: `namespace "${toNsName}" is not declared in this request`,
    });
    return problems;
  }
  const workload = toNs.workloads.find((w) => w.name === ex.to.service);
  if (!workload) {
    const known = toNs.workloads.filter((w) => w.expose).map((w) => w.name);
    problems.push({
      path: `${at}.to.service`,
      code: "UnknownService",
      message: `service "${ex.to.service}" is not declared in namespace "${toNsName}"${known.length ? ` (declared: ${known.join(", ")})` : ""}`,
    });
    return problems;
  }
  if (!workload.expose)
    problems.push({
      path: `${at}.to.service`,
      code: "ServiceNotExposed",
      message: `workload "${workload.name}" has no Service: set expose: true`,
    });
  const port = ex.to.port;
  const match =
    typeof port === "number"
      ? workload.ports.some((p) => p.port === port)
      : workload.ports.some((p) => p.name === port);
  if (!match)
    problems.push({
      path: `${at}.to.port`,
      code: "UnknownServicePort",
      message: `service "${workload.name}" has no port ${JSON.stringify(port)} (declared: ${workload.ports.map((p) => p.name ?? p.port).join(", ") || "none"})`,
    });
  return problems;
}
