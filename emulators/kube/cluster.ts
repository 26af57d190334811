// One emulated cluster: its store, address pools, controllers (namespace, endpoints, deployment,
// job, garbage collector), the pod lifecycle stages and the simulated data plane, all on one clock.
import { deployments, reconcileDeployment } from "./apps/v1/deployments.js";
import { reconcileReplicaSet, replicaSets } from "./apps/v1/replicasets.js";
import { jobs, reconcileJob } from "./batch/v1/jobs.js";
import type { ClusterContext, Kind } from "./context.js";
import type { ControllerHost } from "./controllers.js";
import { configMaps } from "./core/v1/configmaps.js";
import { eventFor } from "./core/v1/events.js";
import { serviceAccounts } from "./core/v1/serviceaccounts.js";
import { namespaces } from "./core/v1/namespaces.js";
import { pods, podSpec, podStatus } from "./core/v1/pods.js";
import type { Container } from "./core/v1/podspec.js";
import { reconcileEndpoints } from "./core/v1/endpoints-controller.js";
import { runProbe, type ProbeOutcome } from "./dataplane/connect.js";
import { parseProbe, type ProbeCommand } from "./dataplane/probe.js";
import { noEnforcement, type ReachabilityDecider } from "./dataplane/reachability.js";
import { podStages, type PodRuntime } from "./lifecycle/pod-stages.js";
import { StageEngine } from "./lifecycle/stages.js";
import type { Clock } from "../common/clock.js";
import { groupResource, resourceId } from "./machinery/kinds.js";
import { RestStorage } from "./machinery/rest.js";
import { errors } from "./machinery/status.js";
import { ObjectStore, type StoreEvent, type StoreSnapshot } from "./machinery/store.js";
import { clone, rfc3339, type KubeObject } from "./machinery/types.js";
import { networkPolicies } from "./networking/v1/networkpolicies.js";
import { ClusterIpam, type ClusterNetworkConfig } from "./network/ipam.js";
import { bootstrapCluster } from "./bootstrap.js";
import { nodes } from "./core/v1/nodes.js";
import type { AgentPoolRegistration } from "../common/agent-pools.js";
import { reconcileNodes, schedulingNode } from "./node-pools.js";
import { KINDS } from "./registry.js";
import { AzureRbacSource, type AccessEndpoint } from "./azure-rbac.js";
import { authorize, type Attributes, type AzureRbacPolicy, type Decision, type UserInfo } from "./authz.js";
import { ContainerRuntime } from "./runtime/containers.js";
import type { LogEntry } from "./runtime/logs.js";

export interface ClusterRegistration {
  resourceId: string;
  name: string;
  /** The control plane's version: what `/version` reports. */
  kubernetesVersion: string;
  /** The node pools (one Node per node); absent: AKS's default single-node pool. */
  agentPools?: AgentPoolRegistration[];
  network: ClusterNetworkConfig;
  tokenValidation?: { issuer: string; audience: string; jwks: { keys: object[] } };
  /** Entra ID integration: Azure RBAC decides access (assignments read at `access`), local accounts off. */
  aad?: ClusterAad;
}

export interface ClusterAad {
  managed: boolean;
  azureRBAC: boolean;
  disableLocalAccounts: boolean;
  tenantId?: string;
  access?: AccessEndpoint;
}

export interface ClusterState {
  registration: ClusterRegistration;
  adminToken: string;
  store: StoreSnapshot;
  /** Container logs by instance (`{podUid}/{containerID}`); older state files hold plain text. */
  logs: Record<string, LogEntry[] | string>;
  running: Record<string, Record<string, ProbeOutcome>>;
}

/** Kinds whose controllers own other objects, and the kinds the garbage collector follows. */
const OWNERS: readonly Kind[] = [deployments, replicaSets, jobs];
const DEPENDENTS: readonly Kind[] = [replicaSets, pods];

/** Emulated seconds a CNI takes to program a NetworkPolicy change (enforcement is eventual). */
export const POLICY_PROPAGATION_SECONDS = 0.5;
const NAMESPACE_FINALIZE_SECONDS = 1;
const PROTECTED_NAMESPACES = ["default", "kube-system", "kube-public"];

export class Cluster implements ClusterContext, ControllerHost {
  readonly store = new ObjectStore();
  readonly ipam: ClusterIpam;
  readonly rest: RestStorage<ClusterContext>;
  readonly ctx: ClusterContext = this;
  readonly runtime: ContainerRuntime;
  private readonly running = new Map<string, Record<string, ProbeOutcome>>();
  private readonly podEngine: StageEngine;
  private readonly namespaceEngine: StageEngine;
  private programmed: KubeObject[] = [];
  private readonly queue = new Map<string, () => void>();
  private flushScheduled = false;
  private unsubscribe: () => void = () => {};
  private cancelTimers: (() => void)[] = [];
  private timerCount = 0;

  constructor(
    readonly key: string,
    readonly registration: ClusterRegistration,
    readonly adminToken: string,
    readonly clock: Clock,
    private readonly decider: ReachabilityDecider,
    private readonly onChange: (event: StoreEvent) => void,
    private readonly caPem: string,
  ) {
    this.ipam = new ClusterIpam(registration.network);
    this.rest = new RestStorage<ClusterContext>(this);
    this.runtime = new ContainerRuntime({
      now: () => this.now(),
      after: (seconds, fn) => this.clock.after(seconds, fn),
      pod: (namespace, name) => this.store.get("/pods", namespace, name),
      network: (pod, argv) => {
        const command = parseProbe(argv, undefined);
        return command ? this.runNetwork(pod, command) : undefined;
      },
      mainExited: (pod, container, exitCode) => this.mainExited(pod, container, exitCode),
      subscribe: (listener) => this.store.subscribe(listener),
      dnsServiceIp: registration.network.dnsServiceIp,
    });
    const onError = (err: unknown) => console.error(`[kube ${key}]`, err);
    this.podEngine = new StageEngine(
      podStages(this.podRuntime()),
      clock,
      (p) => this.store.get("/pods", p.metadata.namespace, p.metadata.name!),
      onError,
    );
    this.namespaceEngine = new StageEngine(
      [
        {
          name: "finalize",
          when: (ns) => ns.metadata.deletionTimestamp !== undefined,
          delaySeconds: () => NAMESPACE_FINALIZE_SECONDS,
          next: (ns) => this.finalizeNamespace(ns),
        },
      ],
      clock,
      (ns) => this.store.get("/namespaces", undefined, ns.metadata.name!),
      onError,
    );
  }

  private rbacSource?: { url: string; source: AzureRbacSource };

  /** The Azure RBAC policy when the cluster has Azure RBAC for Kubernetes authorization. */
  async azureRbacPolicy(fresh = false): Promise<AzureRbacPolicy | undefined> {
    const aad = this.registration.aad;
    if (!aad?.azureRBAC || !aad.access) return undefined;
    if (this.rbacSource?.url !== aad.access.url)
      this.rbacSource = { url: aad.access.url, source: new AzureRbacSource(aad.access) };
    return this.rbacSource.source.policy(fresh);
  }

  /** The decision for one request; a refusal is checked again against a fresh read of Azure. */
  async decide(user: UserInfo, attributes: Attributes): Promise<Decision> {
    const since = Date.now();
    const decision = authorize(user, attributes, await this.azureRbacPolicy());
    // A read begun after this request arrived already holds every grant made before it.
    if (decision.allowed || this.rbacSource?.source.readSince(since) !== false) return decision;
    return authorize(user, attributes, await this.azureRbacPolicy(true));
  }

  get clusterName(): string {
    return this.registration.name;
  }

  now(): number {
    return this.clock.now();
  }

  checkNamespace(namespace: string, forCreate: boolean, def: Kind, name: string): void {
    const ns = this.store.get("/namespaces", undefined, namespace);
    if (!ns) throw errors.notFound({ group: "", resource: "namespaces" }, namespace);
    if (forCreate && ns.metadata.deletionTimestamp)
      throw errors.forbidden(
        groupResource(def),
        name,
        `unable to create new content in namespace ${namespace} because it is being terminated`,
      );
  }

  /** Creates the objects every AKS cluster starts with. */
  bootstrap(): void {
    bootstrapCluster(this);
  }

  restore(state: ClusterState): void {
    this.store.restore(state.store);
    this.runtime.logs.restore(state.logs);
    for (const [k, v] of Object.entries(state.running)) this.running.set(k, v);
    for (const p of this.store.list("/pods")) {
      const ip = podStatus(p).podIP;
      if (ip && !podSpec(p).hostNetwork) this.ipam.pods.markUsed(ip);
    }
    for (const s of this.store.list("/services")) {
      const ip = (s["spec"] as { clusterIP?: string }).clusterIP;
      if (ip && ip !== "None") this.ipam.services.markUsed(ip);
    }
    // In node-subnet mode nodes and pods share the subnet: a node's address is not a pod's.
    for (const n of this.store.list(resourceId(nodes))) {
      const addresses = (n["status"] as { addresses?: { type: string; address: string }[] } | undefined)
        ?.addresses;
      const ip = addresses?.find((a) => a.type === "InternalIP")?.address;
      if (ip && this.ipam.pods.contains(ip)) this.ipam.pods.markUsed(ip);
    }
  }

  /**
   * A changed registration (the Azure emulator completed a scale or an upgrade): the nodes follow the
   * pools, and `/version` the control plane.
   */
  reregister(update: Pick<ClusterRegistration, "kubernetesVersion" | "agentPools">): void {
    this.registration.kubernetesVersion = update.kubernetesVersion;
    if (update.agentPools) this.registration.agentPools = update.agentPools;
    reconcileNodes(this);
  }

  listSystem(def: Kind): KubeObject[] {
    return this.store.list(resourceId(def));
  }

  /** A node leaves (scale-in, pool deleted): its pods are deleted, as the pod garbage collector does. */
  removeNode(node: KubeObject): void {
    for (const pod of this.store.list("/pods"))
      if (podSpec(pod).nodeName === node.metadata.name) this.remove(pods, pod);
    this.remove(nodes, node);
  }

  toState(): ClusterState {
    return {
      registration: this.registration,
      adminToken: this.adminToken,
      store: this.store.snapshot(),
      logs: this.runtime.logs.snapshot(),
      running: Object.fromEntries(this.running),
    };
  }

  /** Starts controllers and stages (after bootstrap or restore). */
  start(): void {
    this.programmed = this.store.list(resourceId(networkPolicies));
    this.unsubscribe = this.store.subscribe((e) => this.onEvent(e));
    this.store.onWrite = this.onChange;
    for (const p of this.store.list("/pods")) this.podEngine.observe(p);
    for (const ns of this.store.list("/namespaces")) this.namespaceEngine.observe(ns);
    for (const def of OWNERS)
      for (const o of this.store.list(resourceId(def)))
        this.enqueue(`owner/${o.metadata.uid}`, () => this.reconcileOwner(def, o));
  }

  stop(): void {
    this.unsubscribe();
    this.podEngine.stop();
    this.namespaceEngine.stop();
    for (const cancel of this.cancelTimers) cancel();
    this.queue.clear();
  }

  private enqueue(key: string, fn: () => void): void {
    this.queue.set(key, fn);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      const work = [...this.queue.values()];
      this.queue.clear();
      for (const run of work) {
        try {
          run();
        } catch (err) {
          console.error(`[kube ${this.key}] controller`, err);
        }
      }
    });
  }

  private reconcileOwner(def: Kind, owner: KubeObject): void {
    const live = this.store.get(resourceId(def), owner.metadata.namespace, owner.metadata.name!);
    if (!live || live.metadata.uid !== owner.metadata.uid || live.metadata.deletionTimestamp) return;
    if (def === deployments) reconcileDeployment(this, live);
    else if (def === replicaSets) reconcileReplicaSet(this, live);
    else reconcileJob(this, live);
  }

  /** Wakes the controllers of the objects that own `o` (a pod's ReplicaSet, a ReplicaSet's Deployment). */
  private wakeOwners(o: KubeObject): void {
    for (const ref of o.metadata.ownerReferences ?? []) {
      const def = OWNERS.find((d) => d.kind === ref["kind"]);
      if (!def) continue;
      const found = this.store
        .list(resourceId(def), o.metadata.namespace)
        .find((x) => x.metadata.uid === ref["uid"]);
      if (found) this.enqueue(`owner/${found.metadata.uid}`, () => this.reconcileOwner(def, found));
    }
  }

  private onEvent(e: StoreEvent): void {
    const o = e.object;
    const ns = o.metadata.namespace;
    switch (e.resource) {
      case "/pods":
        if (e.type === "DELETED") {
          this.podEngine.forget(o.metadata.uid!);
          this.running.delete(o.metadata.uid!);
          this.runtime.forgetPod(o.metadata.uid!);
          const ip = podStatus(o).podIP;
          if (ip && !podSpec(o).hostNetwork) this.ipam.pods.release(ip);
        } else this.podEngine.observe(o);
        this.enqueue(`endpoints/${ns}`, () => reconcileEndpoints(this, ns!));
        this.wakeOwners(o);
        break;
      case "/services":
        this.enqueue(`endpoints/${ns}`, () => reconcileEndpoints(this, ns!));
        break;
      case "/namespaces":
        if (e.type === "ADDED")
          this.enqueue(`ns-init/${o.metadata.name}`, () => this.initNamespace(o.metadata.name!));
        if (e.type !== "DELETED") this.namespaceEngine.observe(o);
        break;
      case resourceId(networkPolicies):
        this.cancelTimers.push(
          this.clock.after(
            POLICY_PROPAGATION_SECONDS,
            () => (this.programmed = this.store.list(resourceId(networkPolicies))),
          ),
        );
        break;
      case resourceId(deployments):
      case resourceId(replicaSets):
      case resourceId(jobs): {
        const def = OWNERS.find((d) => resourceId(d) === e.resource)!;
        if (e.type !== "DELETED") this.enqueue(`owner/${o.metadata.uid}`, () => this.reconcileOwner(def, o));
        this.wakeOwners(o);
        break;
      }
    }
    if (e.type === "DELETED") this.enqueue(`gc/${o.metadata.uid}`, () => this.collectDependents(o));
  }

  /** Garbage collector: dependents of a deleted owner go too (background propagation). */
  private collectDependents(owner: KubeObject): void {
    for (const def of DEPENDENTS)
      for (const d of this.store.list(resourceId(def), owner.metadata.namespace))
        if ((d.metadata.ownerReferences ?? []).some((r) => r["uid"] === owner.metadata.uid))
          this.deleteObject(def, d);
  }

  private initNamespace(name: string): void {
    const ns = this.store.get("/namespaces", undefined, name);
    if (!ns || ns.metadata.deletionTimestamp) return;
    const opts = { query: new URLSearchParams(), warnings: [] };
    if (!this.store.get("/serviceaccounts", name, "default"))
      this.rest.create(
        serviceAccounts,
        { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default", namespace: name } },
        opts,
        "kube-controller-manager",
      );
    if (!this.store.get("/configmaps", name, "kube-root-ca.crt"))
      this.rest.create(
        configMaps,
        {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: "kube-root-ca.crt", namespace: name },
          data: { "ca.crt": this.caPem },
        },
        opts,
        "kube-controller-manager",
      );
  }

  private finalizeNamespace(ns: KubeObject): void {
    const name = ns.metadata.name!;
    for (const def of KINDS)
      if (def.namespaced) for (const o of this.store.list(resourceId(def), name)) this.remove(def, o);
    this.store.remove("/namespaces", undefined, name);
  }

  after(emulatedSeconds: number, fn: () => void): void {
    const id = ++this.timerCount;
    this.cancelTimers.push(this.clock.after(emulatedSeconds, () => this.enqueue(`timer/${id}`, fn)));
  }

  writeSystem(def: Kind, obj: KubeObject): KubeObject {
    return this.store.put(resourceId(def), obj);
  }

  private remove(def: Kind, obj: KubeObject): KubeObject | undefined {
    const gone = this.store.remove(resourceId(def), obj.metadata.namespace, obj.metadata.name!);
    if (gone) def.afterDelete?.(gone, this);
    return gone;
  }

  /** DELETE semantics per kind: namespaces terminate, running pods shut down gracefully. */
  deleteObject(def: Kind, live: KubeObject, gracePeriodSeconds?: number): KubeObject {
    if (def === namespaces) {
      if (PROTECTED_NAMESPACES.includes(live.metadata.name!))
        throw errors.forbidden(groupResource(def), live.metadata.name!, "this namespace may not be deleted");
      if (live.metadata.deletionTimestamp) return live;
      const next = clone(live);
      next.metadata.deletionTimestamp = rfc3339(this.now());
      next["status"] = { phase: "Terminating" };
      return this.store.put("/namespaces", next);
    }
    if (def === pods) {
      const grace =
        gracePeriodSeconds ??
        (podSpec(live) as { terminationGracePeriodSeconds?: number }).terminationGracePeriodSeconds ??
        30;
      const phase = podStatus(live).phase;
      const graceful = grace > 0 && !!podSpec(live).nodeName && phase !== "Succeeded" && phase !== "Failed";
      if (graceful) {
        if (live.metadata.deletionTimestamp) return live;
        const next = clone(live);
        next.metadata.deletionTimestamp = rfc3339(this.now() + grace * 1000);
        next.metadata.deletionGracePeriodSeconds = grace;
        return this.store.put("/pods", next);
      }
    }
    return this.remove(def, live) ?? live;
  }

  /** An interactive shell that was a container's main process exited: the kubelet reports it. */
  private mainExited(pod: KubeObject, container: string, exitCode: number): void {
    const uid = pod.metadata.uid!;
    const exited: ProbeOutcome = { exitCode, output: [], log: "", durationSeconds: 0 };
    this.running.set(uid, { ...(this.running.get(uid) ?? {}), [container]: exited });
    const live = this.store.get("/pods", pod.metadata.namespace, pod.metadata.name!);
    if (!live || live.metadata.uid !== uid) return;
    this.podEngine.forget(uid);
    this.podEngine.observe(live);
  }

  private podRuntime(): PodRuntime {
    return {
      clock: this.clock,
      // Read when a pod is scheduled: the nodes change with scale and pool operations.
      schedule: () => {
        const node = schedulingNode(this);
        return { nodeName: node?.name ?? "", nodeIp: node?.ip ?? this.ipam.nodeIp };
      },
      allocatePodIp: () => this.ipam.pods.allocate(),
      releasePodIp: (ip) => this.ipam.pods.release(ip),
      writePod: (pod) => this.store.put("/pods", pod),
      removePod: (pod) => void this.remove(pods, pod),
      runProbe: (pod, container) => this.probe(pod, container),
      startShell: (pod, container, id) => this.runtime.startShell(pod, container, id),
      appendLog: (pod, id, text, stream) => this.runtime.append(pod, id, text, stream),
      event: (pod, reason, message, component, type) => {
        if (!this.store.get("/namespaces", undefined, pod.metadata.namespace!)) return;
        this.store.put("/events", eventFor(pod, reason, message, component, rfc3339(this.now()), type));
      },
      running: this.running,
    };
  }

  private probe(pod: KubeObject, container: Container): ProbeOutcome | undefined {
    const command = parseProbe(container.command, container.args);
    return command ? this.runNetwork(pod, command) : undefined;
  }

  /** One network tool run from `pod`, decided by the programmed policies (probe pods and shells). */
  private runNetwork(pod: KubeObject, command: ProbeCommand): ProbeOutcome {
    const enforcing = this.registration.network.networkPolicy !== "none";
    return runProbe(
      pod,
      command,
      {
        namespaces: this.store.list("/namespaces"),
        pods: this.store.list("/pods"),
        services: this.store.list("/services"),
        endpoints: this.store.list("/endpoints"),
        policies: enforcing ? this.programmed : [],
        decider: enforcing ? this.decider : noEnforcement,
      },
      new Date(this.now()),
    );
  }
}
