// The what-if plan of a request (`?dryRun=true`): what would change between the cluster's spec and
// the requested one, which ARM requests and Kubernetes objects that means, and which expectation
// probes the NetworkPolicy engine decides differently. Pure: the API computes it from specs it has
// already read, so a dry run writes nothing anywhere.
import { accessAssignments, type AccessGrant } from "../spec/access.js";
import { ids, roleAssignmentName, type ClusterTarget } from "../azure/names.js";
import { maintenanceConfigurationModels, POD_SECURITY_ASSIGNMENT_NAME } from "../azure/models.js";
import { compileCluster, type PodInput } from "../netpol/index.js";
import { expectationEndpoints, expectationModel } from "../spec/rules/expectations.js";
import { defaultDenyPolicyName } from "../spec/rules/namespaces.js";
import type { ClusterSpec } from "../spec/schema.js";

export type ChangeAction = "create" | "update" | "replace" | "delete" | "none";

export interface PlanChange {
  /** Where, in spec terms; named list items by name: "namespaces[shop].workloads[web].image". */
  path: string;
  from?: unknown;
  to?: unknown;
  action: ChangeAction;
  /** Running pods are restarted or traffic is cut (a pool removed, an upgrade, a namespace deleted…). */
  disruptive: boolean;
}

export interface PlanArmRequest {
  method: "PUT" | "PATCH" | "DELETE";
  resourceId: string;
  reason: string;
}

export interface PlanKubeObject {
  action: "create" | "update" | "delete";
  kind: "Namespace" | "Deployment" | "Service" | "NetworkPolicy";
  /** The object's namespace ("" for a Namespace itself). */
  namespace: string;
  name: string;
}

export type Verdict = "allowed" | "denied" | "absent";

export interface ReachabilityChange {
  /** The probe pod: "namespace{labels}". */
  from: string;
  /** "service.namespace:port". */
  to: string;
  port: number;
  before: Verdict;
  after: Verdict;
}

export interface Plan {
  changes: PlanChange[];
  arm: PlanArmRequest[];
  kubernetes: PlanKubeObject[];
  reachability: { changed: ReachabilityChange[] };
}

/** Both sides of a change, with the grants resolved for each (clusters with aadProfile). */
export interface PlanInput {
  target: ClusterTarget;
  /** The cluster as it is (undefined: it does not exist yet). */
  before?: ClusterSpec;
  beforeAccess?: AccessGrant[];
  /** The cluster as requested (undefined: it is to be deleted). */
  after?: ClusterSpec;
  afterAccess?: AccessGrant[];
}

type Json = unknown;

const same = (a: Json, b: Json) => JSON.stringify(a) === JSON.stringify(b);
const isObject = (v: Json): v is Record<string, Json> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const isNamedList = (v: Json): v is { name: string }[] =>
  Array.isArray(v) && v.length > 0 && v.every((x) => isObject(x) && typeof x["name"] === "string");

/** Lists of named items are compared item by item (by name); other lists as one value. */
function diff(path: string, from: Json, to: Json, out: PlanChange[]): void {
  if (same(from, to)) return;
  const child = (k: string) => (path ? `${path}.${k}` : k);
  if (from === undefined) return void out.push({ path, to, action: "create", disruptive: false });
  if (to === undefined) return void out.push({ path, from, action: "delete", disruptive: false });
  if (isObject(from) && isObject(to)) {
    for (const k of new Set([...Object.keys(from), ...Object.keys(to)])) diff(child(k), from[k], to[k], out);
    return;
  }
  const named = (v: Json) => (Array.isArray(v) && v.length === 0) || isNamedList(v);
  if (named(from) && named(to) && (isNamedList(from) || isNamedList(to))) {
    const a = from as { name: string }[];
    const b = to as { name: string }[];
    for (const name of new Set([...a.map((x) => x.name), ...b.map((x) => x.name)]))
      diff(
        `${path}[${name}]`,
        a.find((x) => x.name === name),
        b.find((x) => x.name === name),
        out,
      );
    return;
  }
  out.push({ path, from, to, action: "update", disruptive: false });
}

/** Is a change one that restarts running pods or cuts traffic? */
function disruptive(c: PlanChange, updating: boolean): boolean {
  const p = c.path;
  // An absent version is the one the cluster runs, so naming one in an update is an upgrade
  // (nodes drained), unless it is removed again (the cluster keeps what it runs).
  if (p === "kubernetesVersion") return updating && c.to !== undefined;
  if (/^nodePools\[[^\]]+\]$/.test(p)) return c.action === "delete";
  if (/^namespaces\[[^\]]+\]$/.test(p)) return c.action === "delete";
  if (/^namespaces\[[^\]]+\]\.workloads\[[^\]]+\]$/.test(p)) return c.action === "delete";
  if (/^namespaces\[[^\]]+\]\.workloads\[[^\]]+\]\.(image|labels|ports)/.test(p)) return true;
  return false;
}

/** A workload's labels select its pods (the Deployment's selector cannot change): a new Deployment. */
function refine(c: PlanChange, updating: boolean): PlanChange {
  const replace = /^namespaces\[[^\]]+\]\.workloads\[[^\]]+\]\.labels/.test(c.path) && c.action !== "none";
  return { ...c, action: replace ? "replace" : c.action, disruptive: disruptive(c, updating) };
}

/** The spec's fields that are properties of the managedCluster resource itself (a PUT of it). */
const CLUSTER_FIELDS = [
  "kubernetesVersion",
  "sku",
  "aadProfile",
  "disableLocalAccounts",
  "oidcIssuerProfile",
  "securityProfile",
  "addonProfiles",
  "autoUpgradeProfile",
  "apiServerAccessProfile",
  "monitoring",
  "tags",
];

function top(path: string): string {
  return path.split(/[.[]/)[0] ?? path;
}

function poolOf(path: string, spec: ClusterSpec | undefined): string | undefined {
  if (path.startsWith("nodePool.") || path === "nodePool") return spec?.nodePool.name;
  return /^nodePools\[([^\]]+)\]/.exec(path)?.[1];
}

function armPlan(input: PlanInput, changes: PlanChange[]): PlanArmRequest[] {
  const { target, before, after } = input;
  const cluster = ids.cluster(target);
  const out: PlanArmRequest[] = [];
  const add = (r: PlanArmRequest) => {
    if (!out.some((x) => x.method === r.method && x.resourceId === r.resourceId)) out.push(r);
  };
  const network = (after ?? before)?.network;
  const identity = ids.identity(target, `id-${target.name}`);
  if (!before && after && network) {
    add({ method: "PUT", resourceId: ids.resourceGroup(target), reason: "resource group" });
    add({
      method: "PUT",
      resourceId: ids.vnet(target, network.vnetName),
      reason: "virtual network and subnet",
    });
    add({ method: "PUT", resourceId: identity, reason: "the cluster's managed identity" });
    add({
      method: "PUT",
      resourceId: ids.roleAssignment(ids.subnet(target, network.vnetName, network.subnetName), "…"),
      reason: "Network Contributor for the identity on the subnet",
    });
    add({ method: "PUT", resourceId: cluster, reason: "the managed cluster with its node pools" });
  }
  if (before && !after && network) {
    add({
      method: "DELETE",
      resourceId: cluster,
      reason: "the managed cluster (owned: it carries the cluster's id)",
    });
    add({ method: "DELETE", resourceId: identity, reason: "the cluster's managed identity" });
    add({
      method: "DELETE",
      resourceId: ids.vnet(target, network.vnetName),
      reason: "the virtual network, when it holds no subnet but the cluster's",
    });
    add({
      method: "DELETE",
      resourceId: ids.resourceGroup(target),
      reason: "the resource group, when it is empty",
    });
    return out;
  }
  if (before && after) {
    const clusterChanges = changes.filter((c) => CLUSTER_FIELDS.includes(top(c.path)));
    if (clusterChanges.length > 0)
      add({
        method: "PUT",
        resourceId: cluster,
        reason: `managed cluster: ${[...new Set(clusterChanges.map((c) => top(c.path)))].join(", ")}`,
      });
    for (const c of changes.filter((c) => top(c.path) === "nodePool" || top(c.path) === "nodePools")) {
      const pool = poolOf(c.path, after) ?? poolOf(c.path, before);
      if (!pool) continue;
      const deleted = c.action === "delete" && /^nodePools\[[^\]]+\]$/.test(c.path);
      add({
        method: deleted ? "DELETE" : "PUT",
        resourceId: `${cluster}/agentPools/${pool}`,
        reason: deleted ? `node pool ${pool} removed` : `node pool ${pool}: ${c.path}`,
      });
    }
    if (before.kubernetesVersion !== after.kubernetesVersion && after.kubernetesVersion)
      for (const pool of [after.nodePool, ...after.nodePools])
        add({
          method: "PUT",
          resourceId: `${cluster}/agentPools/${pool.name}`,
          reason: `node pool ${pool.name} upgraded to ${after.kubernetesVersion} after the control plane`,
        });
    // Tags change on the cluster only (its PUT above): an update does not retag the resource group,
    // the VNet or the identity, which keep the tags of the create.
  }
  // Maintenance schedules and the pod security assignment: what each side has.
  const schedules = (s: ClusterSpec | undefined) => (s ? maintenanceConfigurationModels(s) : []);
  for (const m of schedules(after)) {
    const old = schedules(before).find((x) => x.name === m.name);
    if (!old || !same(old.body, m.body))
      add({
        method: "PUT",
        resourceId: `${cluster}/maintenanceConfigurations/${m.name}`,
        reason: "maintenance window",
      });
  }
  for (const m of schedules(before))
    if (!schedules(after).some((x) => x.name === m.name))
      add({
        method: "DELETE",
        resourceId: `${cluster}/maintenanceConfigurations/${m.name}`,
        reason: "auto-upgrade channel off",
      });
  const policy = `${cluster}/providers/Microsoft.Authorization/policyAssignments/${POD_SECURITY_ASSIGNMENT_NAME}`;
  if (after?.podSecurityStandard && !same(before?.podSecurityStandard, after.podSecurityStandard))
    add({ method: "PUT", resourceId: policy, reason: "pod security standard" });
  if (before?.podSecurityStandard && !after?.podSecurityStandard)
    add({ method: "DELETE", resourceId: policy, reason: "pod security standard removed" });
  // Access: role assignments added and removed (their names are deterministic).
  const assignmentIds = (grants: AccessGrant[] | undefined) =>
    accessAssignments(grants ?? [], cluster).map((a) => ({
      id: ids.roleAssignment(a.scope, roleAssignmentName(a.scope, a.principalId, a.roleGuid)),
      principalId: a.principalId,
    }));
  const was = assignmentIds(before ? input.beforeAccess : undefined);
  const will = assignmentIds(after ? input.afterAccess : undefined);
  for (const a of will)
    if (!was.some((x) => x.id === a.id))
      add({ method: "PUT", resourceId: a.id, reason: `access for principal ${a.principalId}` });
  if (after)
    for (const a of was)
      if (!will.some((x) => x.id === a.id))
        add({ method: "DELETE", resourceId: a.id, reason: `access of principal ${a.principalId} removed` });
  return out;
}

type Namespace = ClusterSpec["namespaces"][number];

/** The Kubernetes objects a namespace stands for: the Namespace, its policies, Deployments and Services. */
function objectsOf(
  ns: Namespace,
): { kind: PlanKubeObject["kind"]; namespace: string; name: string; body: unknown }[] {
  const out: { kind: PlanKubeObject["kind"]; namespace: string; name: string; body: unknown }[] = [
    { kind: "Namespace", namespace: "", name: ns.name, body: ns.labels },
  ];
  if (ns.defaultDeny.length > 0)
    out.push({
      kind: "NetworkPolicy",
      namespace: ns.name,
      name: defaultDenyPolicyName(ns.defaultDeny),
      body: ns.defaultDeny,
    });
  for (const p of ns.networkPolicies)
    out.push({ kind: "NetworkPolicy", namespace: ns.name, name: p.name, body: p.spec });
  for (const w of ns.workloads) {
    out.push({ kind: "Deployment", namespace: ns.name, name: w.name, body: w });
    if (w.expose) out.push({ kind: "Service", namespace: ns.name, name: w.name, body: w.ports });
  }
  return out;
}

function kubePlan(before: ClusterSpec | undefined, after: ClusterSpec | undefined): PlanKubeObject[] {
  // A deleted cluster takes its objects with it: nothing to do in Kubernetes.
  if (!after) return [];
  const key = (o: { kind: string; namespace: string; name: string }) => `${o.kind}/${o.namespace}/${o.name}`;
  const was = new Map((before?.namespaces ?? []).flatMap(objectsOf).map((o) => [key(o), o]));
  const will = new Map(after.namespaces.flatMap(objectsOf).map((o) => [key(o), o]));
  const out: PlanKubeObject[] = [];
  for (const [k, o] of will) {
    const old = was.get(k);
    if (!old) out.push({ action: "create", kind: o.kind, namespace: o.namespace, name: o.name });
    else if (!same(old.body, o.body))
      out.push({ action: "update", kind: o.kind, namespace: o.namespace, name: o.name });
  }
  // Pruned: only objects the project created (they carry its managed-by annotation).
  for (const [k, o] of was)
    if (!will.has(k)) out.push({ action: "delete", kind: o.kind, namespace: o.namespace, name: o.name });
  return out;
}

interface ProbePair {
  fromNs: string;
  labels: Record<string, string>;
  toNs: string;
  service: string;
  port: number;
  from: string;
  to: string;
}

function labelsText(labels: Record<string, string>): string {
  return `{${Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(",")}}`;
}

function probePairs(spec: ClusterSpec | undefined): ProbePair[] {
  if (!spec) return [];
  const out: ProbePair[] = [];
  for (const ns of spec.namespaces)
    for (const ex of ns.expectations) {
      const { fromNs, toNs, workload, port } = expectationEndpoints(spec, ns.name, ex);
      if (!workload || !port) continue;
      out.push({
        fromNs,
        labels: ex.from.labels,
        toNs,
        service: workload.name,
        port: port.port,
        from: `${fromNs}${labelsText(ex.from.labels)}`,
        to: `${workload.name}.${toNs}:${port.port}`,
      });
    }
  return out;
}

/** The engine's verdict for each pair on `spec`'s policies ("absent" where a side does not exist there). */
function verdicts(spec: ClusterSpec | undefined, pairs: ProbePair[]): Verdict[] {
  if (!spec) return pairs.map(() => "absent");
  const model = expectationModel(spec);
  const namespaces = new Set(spec.namespaces.map((n) => n.name));
  const extra: PodInput[] = pairs.map((p, i) => ({
    namespace: p.fromNs,
    name: `plan.${i}`,
    labels: p.labels,
  }));
  const cluster = compileCluster({
    namespaces: model.namespaces,
    pods: [...model.pods, ...extra.filter((p) => namespaces.has(p.namespace))],
    policies: model.policies,
  });
  return pairs.map((p, i) => {
    const workload = spec.namespaces
      .find((n) => n.name === p.toNs)
      ?.workloads.find((w) => w.name === p.service);
    const port = workload?.ports.find((x) => x.port === p.port);
    if (!namespaces.has(p.fromNs) || !workload || !port) return "absent";
    const v = cluster.evaluate({
      from: { pod: `${p.fromNs}/plan.${i}` },
      to: { pod: `${p.toNs}/${workload.name}` },
      port: port.port,
      protocol: port.protocol,
    });
    return v.allowed ? "allowed" : "denied";
  });
}

function reachability(before: ClusterSpec | undefined, after: ClusterSpec | undefined): ReachabilityChange[] {
  const pairs: ProbePair[] = [];
  for (const p of [...probePairs(before), ...probePairs(after)])
    if (!pairs.some((q) => q.from === p.from && q.to === p.to)) pairs.push(p);
  const was = verdicts(before, pairs);
  const will = verdicts(after, pairs);
  return pairs.flatMap((p, i) =>
    was[i] === will[i] ? [] : [{ from: p.from, to: p.to, port: p.port, before: was[i]!, after: will[i]! }],
  );
}

/** The plan of bringing the cluster from `before` to `after` (either may be undefined: a create, a delete). */
export function planChange(input: PlanInput): Plan {
  const raw: PlanChange[] = [];
  const { before, after } = input;
  if (!before || !after) {
    // A whole create or delete: each top-level field of the spec, created or deleted.
    const spec = (after ?? before) as unknown as Record<string, Json>;
    for (const [k, v] of Object.entries(spec))
      raw.push(
        after
          ? { path: k, to: v, action: "create", disruptive: false }
          : { path: k, from: v, action: "delete", disruptive: false },
      );
  } else {
    diff("", before, after, raw);
  }
  const changes = raw
    .map((c) => refine(c, before !== undefined && after !== undefined))
    .map((c) => (before && !after ? { ...c, disruptive: true } : c));
  return {
    changes,
    arm: armPlan(input, changes),
    kubernetes: kubePlan(before, after),
    reachability: { changed: reachability(before, after) },
  };
}
