// What the drift check reads of Kubernetes for one cluster: each seeded namespace, its
// NetworkPolicies, Deployments and Services, against what seeding would apply (manifests.ts). An
// object that exists is compared with the server's dry run of our own server-side apply: the
// server fills its defaults into both sides and keeps what other field managers own, so only a
// field we set and someone changed (or a mark of ours someone removed) differs. Writes nothing.
import { PatchStrategy, type KubernetesObject } from "@kubernetes/client-node";
import type { ClusterSpec } from "../spec/schema.js";
import { kubeObjectDrift, missingObject, unexpectedObject, type DriftFinding } from "../provision/drift.js";
import type { KubeClients } from "./client.js";
import {
  ANNOTATIONS,
  deploymentManifest,
  FIELD_MANAGER,
  namespaceManifest,
  policyManifests,
  serviceManifest,
  type NamespacePlan,
} from "./manifests.js";

type Manifest = KubernetesObject & { apiVersion: string; kind: string };

/** The server's answer to applying `obj` as we would, without persisting it. */
function dryRunApply(clients: KubeClients, obj: Manifest): Promise<KubernetesObject> {
  return clients.objects.patch(obj, undefined, "All", FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
}

const isOurs = (o: KubernetesObject) => o.metadata?.annotations?.[ANNOTATIONS.managedBy] !== undefined;

/**
 * client-node's models call an ingress rule's `from` `_from` (manifests.ts): drift is reported in
 * the API's own words.
 */
function wireForm(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(wireForm);
  if (typeof v !== "object" || v === null) return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k === "_from" ? "from" : k, wireForm(x)]));
}

async function objectDrift(clients: KubeClients, path: string, want: Manifest, have: KubernetesObject) {
  const applied = await dryRunApply(clients, want);
  return kubeObjectDrift(path, wireForm(applied), wireForm(have));
}

async function listed(
  clients: KubeClients,
  apiVersion: string,
  kind: string,
  namespace: string,
): Promise<Map<string, KubernetesObject>> {
  const list = await clients.objects.list(apiVersion, kind, namespace);
  return new Map(list.items.map((o) => [o.metadata?.name ?? "", o]));
}

/**
 * One kind of object in a namespace: each expected one missing or edited, each carrying our mark
 * that nothing expects (left over from an earlier spec, or a copy someone made with our mark).
 */
async function kindDrift(
  clients: KubeClients,
  namespace: string,
  kind: { apiVersion: string; kind: string },
  expected: { path: string; manifest: Manifest }[],
  pathOf: (name: string) => string,
): Promise<DriftFinding[]> {
  const have = await listed(clients, kind.apiVersion, kind.kind, namespace);
  const out: DriftFinding[] = [];
  const names = new Set<string>();
  for (const e of expected) {
    const name = e.manifest.metadata?.name ?? "";
    names.add(name);
    const live = have.get(name);
    out.push(...(live ? await objectDrift(clients, e.path, e.manifest, live) : [missingObject(e.path)]));
  }
  for (const [name, live] of have)
    if (!names.has(name) && isOurs(live)) out.push(unexpectedObject(pathOf(name)));
  return out;
}

async function namespaceDrift(
  clients: KubeClients,
  ns: NamespacePlan,
  live: KubernetesObject,
): Promise<DriftFinding[]> {
  const base = `namespaces[${ns.name}]`;
  const out = await objectDrift(clients, base, namespaceManifest(ns), live);
  out.push(
    ...(await kindDrift(
      clients,
      ns.name,
      { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy" },
      policyManifests(ns).map((m) => ({
        path: `${base}.networkPolicies[${m.metadata?.name ?? ""}]`,
        manifest: m,
      })),
      (name) => `${base}.networkPolicies[${name}]`,
    )),
  );
  out.push(
    ...(await kindDrift(
      clients,
      ns.name,
      { apiVersion: "apps/v1", kind: "Deployment" },
      ns.workloads.map((w) => ({
        path: `${base}.workloads[${w.name}]`,
        manifest: deploymentManifest(ns.name, w),
      })),
      (name) => `${base}.workloads[${name}]`,
    )),
  );
  const services = ns.workloads.flatMap((w) => {
    const manifest = serviceManifest(ns.name, w);
    return manifest ? [{ path: `${base}.workloads[${w.name}].service`, manifest }] : [];
  });
  out.push(
    ...(await kindDrift(
      clients,
      ns.name,
      { apiVersion: "v1", kind: "Service" },
      services,
      (name) => `${base}.workloads[${name}].service`,
    )),
  );
  return out;
}

/**
 * Kubernetes drift of one cluster: each namespace of the spec (missing, or its labels or our mark
 * changed) with its policies, workloads and services; and namespaces carrying our mark that the
 * spec no longer has. A missing namespace is one finding (what it held is missing with it).
 */
export async function kubeDrift(clients: KubeClients, spec: ClusterSpec): Promise<DriftFinding[]> {
  const namespaces = new Map(
    (await clients.objects.list("v1", "Namespace")).items.map((o) => [o.metadata?.name ?? "", o]),
  );
  const out: DriftFinding[] = [];
  for (const ns of spec.namespaces) {
    const live = namespaces.get(ns.name);
    out.push(...(live ? await namespaceDrift(clients, ns, live) : [missingObject(`namespaces[${ns.name}]`)]));
  }
  const wanted = new Set(spec.namespaces.map((ns) => ns.name));
  for (const [name, live] of namespaces)
    if (!wanted.has(name) && isOurs(live)) out.push(unexpectedObject(`namespaces[${name}]`));
  return out;
}
