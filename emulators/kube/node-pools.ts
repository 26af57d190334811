// The cluster's Nodes, one per node of each AKS agent pool the Azure emulator registers: named as
// AKS names VMSS nodes (`aks-<pool>-<8 digits>-vmss<6 base-36 digits>`), labelled as AKS labels them
// (the pool, its mode, the VM size), reporting the pool's kubelet version. Reconciled at bootstrap and
// whenever a registration changes (a scale or an upgrade completed in ARM): missing nodes are added
// (lowest free instance number first), surplus ones removed (highest first, as a VMSS scale-in), and
// every node of a pool reports the pool's version. Pods bound to a removed node are deleted, as the
// pod garbage collector does, so their controllers recreate them on the remaining nodes.
import { createHash } from "node:crypto";
import type { AgentPoolRegistration } from "../common/agent-pools.js";
import { nodes } from "./core/v1/nodes.js";
import type { ClusterContext, Kind } from "./context.js";
import type { RestStorage } from "./machinery/rest.js";
import type { KubeObject } from "./machinery/types.js";
import type { ClusterIpam } from "./network/ipam.js";

/** What node reconciliation uses of a cluster (a Cluster is one). */
export interface NodeHost {
  readonly rest: RestStorage<ClusterContext>;
  readonly ipam: ClusterIpam;
  readonly registration: {
    resourceId: string;
    kubernetesVersion: string;
    agentPools?: AgentPoolRegistration[];
  };
  /** Writes an object as the system does (status included, no admission). */
  writeSystem(def: Kind, obj: KubeObject): KubeObject;
  /** The stored objects of a kind. */
  listSystem(def: Kind): KubeObject[];
  /** Removes a Node and deletes the pods bound to it. */
  removeNode(node: KubeObject): void;
}

export const POOL_LABEL = "kubernetes.azure.com/agentpool";
export const MODE_LABEL = "kubernetes.azure.com/mode";

/** A full version: "1.33" is "1.33.0" (a registration may name a minor). */
export function fullVersion(version: string): string {
  const v = version.replace(/^v/, "");
  return v.split(".").length === 2 ? `${v}.0` : v;
}

/** The pools of a registration; one that names none has the single pool AKS creates by default. */
export function poolsOf(registration: NodeHost["registration"]): AgentPoolRegistration[] {
  return (
    registration.agentPools ?? [
      {
        name: "nodepool1",
        count: 1,
        mode: "System",
        vmSize: "Standard_DS2_v2",
        orchestratorVersion: registration.kubernetesVersion,
      },
    ]
  );
}

/** AKS's eight digits in a VMSS node name: stable for the cluster and pool. */
function vmssDigits(resourceId: string, pool: string): string {
  const hash = createHash("sha256").update(`${resourceId.toLowerCase()}/${pool.toLowerCase()}`).digest();
  return String(hash.readUInt32BE(0) % 100_000_000).padStart(8, "0");
}

const instanceOf = (name: string): number => Number.parseInt(name.slice(-6), 36);
const poolOf = (node: KubeObject): string | undefined => node.metadata.labels?.[POOL_LABEL];
const internalIp = (node: KubeObject): string | undefined =>
  (node["status"] as { addresses?: { type: string; address: string }[] } | undefined)?.addresses?.find(
    (a) => a.type === "InternalIP",
  )?.address;

function writeNode(host: NodeHost, pool: AgentPoolRegistration, name: string, ip: string): void {
  const opts = { query: new URLSearchParams(), warnings: [] };
  const node = host.rest.create(
    nodes,
    {
      apiVersion: "v1",
      kind: "Node",
      metadata: {
        name,
        labels: {
          agentpool: pool.name,
          [POOL_LABEL]: pool.name,
          [MODE_LABEL]: pool.mode.toLowerCase(),
          "kubernetes.azure.com/role": "agent",
          "kubernetes.io/hostname": name,
          "kubernetes.io/os": "linux",
          "kubernetes.io/arch": "amd64",
          "node.kubernetes.io/instance-type": pool.vmSize,
        },
      },
      spec: {},
    },
    opts,
    "kubelet",
  );
  host.writeSystem(nodes, { ...node, status: nodeStatus(name, ip, pool.orchestratorVersion) });
}

function nodeStatus(name: string, ip: string, version: string) {
  return {
    conditions: [
      { type: "Ready", status: "True", reason: "KubeletReady", message: "kubelet is posting ready status" },
    ],
    addresses: [
      { type: "InternalIP", address: ip },
      { type: "Hostname", address: name },
    ],
    nodeInfo: {
      kubeletVersion: `v${fullVersion(version)}`,
      osImage: "Ubuntu 22.04.5 LTS",
      containerRuntimeVersion: "containerd://1.7.25-1",
      architecture: "amd64",
      operatingSystem: "linux",
    },
  };
}

/** Makes the cluster's Nodes match its registered pools (counts, names, versions). */
export function reconcileNodes(host: NodeHost): void {
  const pools = poolsOf(host.registration);
  const existing = host.listSystem(nodes);
  const wanted = new Set(pools.map((p) => p.name.toLowerCase()));
  // Pools no longer registered: all their nodes go.
  for (const node of existing) if (!wanted.has((poolOf(node) ?? "").toLowerCase())) release(host, node);
  const taken = new Set(existing.map(internalIp).filter((ip): ip is string => !!ip));
  for (const pool of pools) {
    const mine = existing
      .filter((n) => poolOf(n)?.toLowerCase() === pool.name.toLowerCase())
      .sort((a, b) => instanceOf(a.metadata.name!) - instanceOf(b.metadata.name!));
    // Scale-in removes the highest instances, as a VMSS does.
    for (const node of mine.slice(pool.count)) {
      release(host, node);
      taken.delete(internalIp(node) ?? "");
    }
    const kept = mine.slice(0, pool.count);
    const version = `v${fullVersion(pool.orchestratorVersion)}`;
    for (const node of kept) {
      const status = node["status"] as { nodeInfo?: { kubeletVersion?: string } } | undefined;
      if (status?.nodeInfo?.kubeletVersion !== version)
        host.writeSystem(nodes, {
          ...node,
          status: nodeStatus(node.metadata.name!, internalIp(node) ?? "", pool.orchestratorVersion),
        });
    }
    // A pool keeps the digits its first nodes were named with.
    const prefix =
      kept[0]?.metadata.name!.slice(0, -"vmss000000".length) ??
      `aks-${pool.name}-${vmssDigits(host.registration.resourceId, pool.name)}-`;
    const used = new Set(kept.map((n) => instanceOf(n.metadata.name!)));
    for (let instance = 0, added = kept.length; added < pool.count; instance++) {
      if (used.has(instance)) continue;
      const ip = host.ipam.nodeAddress(taken);
      taken.add(ip);
      writeNode(host, pool, `${prefix}vmss${instance.toString(36).padStart(6, "0")}`, ip);
      added++;
    }
  }
}

function release(host: NodeHost, node: KubeObject): void {
  host.removeNode(node);
  const ip = internalIp(node);
  if (ip) host.ipam.releaseNodeAddress(ip);
}

/**
 * The node new pods are scheduled to: the first node (by name) of a System pool, else the first
 * node. The emulated data plane runs every pod on one node; a pod keeps its node until it is gone.
 */
export function schedulingNode(
  host: Pick<NodeHost, "listSystem">,
): { name: string; ip?: string } | undefined {
  const all = host.listSystem(nodes).sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
  const node = all.find((n) => n.metadata.labels?.[MODE_LABEL] === "system") ?? all[0];
  return node && { name: node.metadata.name!, ...(internalIp(node) ? { ip: internalIp(node)! } : {}) };
}
