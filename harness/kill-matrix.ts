// kill -9 at each step (issue 14 item 9), shared by test/e2e/kill-matrix.test.ts and
// bench/fault-matrix.ts. The Functions host runs in its own process; a cell provisions its own
// cluster and holds every request of its step (a `hold` rule on that cluster's requests, in the
// Azure emulator or in the cluster's API server, untilReleased): once one is held, the step is
// surely running and its request in flight, whatever the machine's load, so the point asks the one
// killer to kill -9 the host (then start it again on the same state) or only the language worker
// (the host starts a new one). No kill is aimed by elapsed time or by the status's timing. After
// the kill, once the killed process's held connections have closed, the held requests are served
// (ARM and the API server apply what they had received, as they would) and the rule retired.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { KubeFaultRule } from "../emulators/kube/faults.js";
import type { Clients } from "./azure.js";
import {
  bystanderProblems,
  clusterRequest,
  atClusterScope,
  MATRIX_STEPS,
  orphanProblems,
  STEP_SHORT,
  succeededProblems,
  type MatrixStep,
  type Bystander,
} from "./fault-matrix.js";
import {
  callApi,
  json,
  spawnHost,
  type ClusterDoc,
  type FaultRule,
  type HostProcess,
  type Stack,
} from "./stack.js";

/** Kill points: every step of the fault × step matrix. */
export const KILL_STEPS = MATRIX_STEPS;
export type KillStep = MatrixStep;
export type Victim = "host" | "worker";

export interface KillPoint {
  step: KillStep;
  victim: Victim;
  name: string;
  /** Holds the step's requests until the kill: ARM requests, or ones to the cluster's API server. */
  hold: { arm: FaultRule[] } | { kube: KubeFaultRule };
  seeded: boolean;
  /** The kill is during the DELETE that follows a Succeeded provisioning. */
  onDelete: boolean;
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const rg = (name: string) => `^/subscriptions/[^/]+/resourcegroups/rg-${esc(name)}`;

/** Every kill point, for the host and for the worker, in table order. */
export function killPoints(): KillPoint[] {
  const out: KillPoint[] = [];
  for (const victim of ["host", "worker"] as const)
    for (const step of KILL_STEPS) {
      const name = `k${victim[0]}-${STEP_SHORT[step]}`;
      const clusterId = `/providers/microsoft\\.containerservice/managedclusters/${esc(name)}$`;
      const arm = (...rules: Partial<FaultRule>[]) => ({
        arm: rules.map((r) => ({ kind: "hold", untilReleased: true, ...r }) as FaultRule),
      });
      // Seeding and verification: requests of that step only, to this cluster's API server.
      const kube = (r: Omit<KubeFaultRule, "kind" | "cluster">) => ({
        kube: { kind: "hold", cluster: clusterId, ...r } as KubeFaultRule,
      });
      const point = (hold: KillPoint["hold"], seeded = false, onDelete = false) =>
        out.push({ step, victim, name, hold, seeded, onDelete });
      const put = (type: string) => arm({ method: "PUT", path: `${rg(name)}/providers/${type}/[^/]+$` });
      switch (step) {
        case "resource group":
          point(arm({ method: "PUT", path: `${rg(name)}$` }));
          break;
        case "VNet":
          point(put("microsoft\\.network/virtualnetworks"));
          break;
        case "identity":
          point(put("microsoft\\.managedidentity/userassignedidentities"));
          break;
        case "role assignment":
          // The identity's on the subnet (the step), not the access grants on the cluster after it.
          point(
            arm({
              method: "PUT",
              path: `${rg(name)}/providers/microsoft\\.network/virtualnetworks/[^/]+/subnets/[^/]+/providers/microsoft\\.authorization/roleassignments/`,
            }),
          );
          break;
        case "cluster submit":
          point(arm({ method: "PUT", path: `${rg(name)}${clusterId}` }));
          break;
        case "access grants":
          point(arm({ method: "PUT", path: atClusterScope(name, "roleassignments") }));
          break;
        case "policy assignment":
          point(arm({ method: "PUT", path: atClusterScope(name, "policyassignments") }));
          break;
        case "cluster polling":
          // The create's operation status polls (ARM names no resource in their URLs: `operationOf`),
          // or, when another point's kill restarted the submit while the cluster was Creating (the
          // submit's outcome, the poller, lost with it), the cluster's GET re-reads that wait instead:
          // any GET of it after the submit's own read-first GET.
          point(
            arm(
              { method: "GET", operationOf: clusterId },
              { method: "GET", path: `${rg(name)}${clusterId}`, skip: 1 },
            ),
          );
          break;
        case "final GET":
          // The GETs after the submit's own read-first GET: the poller's final GET.
          point(arm({ method: "GET", path: `${rg(name)}${clusterId}`, skip: 1 }));
          break;
        case "seeding":
          // The NetworkPolicies each namespace's seeding applies (nothing else writes them).
          point(kube({ path: "/networkpolicies" }), true);
          break;
        case "verification":
          // The probe pods' creation (seeding creates no pod itself: its workloads are Deployments).
          point(kube({ method: "POST", path: "/namespaces/[^/]+/pods$" }), true);
          break;
        case "delete":
          point(arm({ method: "DELETE", path: `${rg(name)}${clusterId}` }), false, true);
          break;
      }
    }
  return out;
}

/** A point's hold in its emulator: the requests it holds now, and their release. */
export interface Hold {
  /** The held requests whose clients are still connected; each tells later whether it still is. */
  holding(): { open: () => boolean }[];
  /** Serves every request held and retires the rule. */
  release(): void;
}

function addHold(stack: Pick<Stack, "azure" | "kube">, hold: KillPoint["hold"]): Hold {
  const faults = "arm" in hold ? stack.azure.faults : stack.kube.faults;
  const rules = "arm" in hold ? stack.azure.faults.add(hold.arm) : stack.kube.faults.add([hold.kube]);
  return {
    holding: () => rules.flatMap((i) => faults.holding(i)),
    release: () => rules.forEach((i) => faults.release(i)),
  };
}

const run = promisify(execFile);
const pause = () => new Promise((r) => setTimeout(r, 15));

/** The language worker's pid: the host's child running worker/language-worker.js. */
async function workerPid(hostPid: number): Promise<number> {
  const { stdout } = await run("ps", ["-o", "pid=,args=", "--ppid", String(hostPid)]);
  const line = stdout.split("\n").find((l) => l.includes("language-worker"));
  if (!line) throw new Error(`no language worker under host ${hostPid}: ${stdout}`);
  return Number(line.trim().split(/\s+/)[0]);
}

/** A point watching for its kill. */
export interface Watch {
  victim: Victim;
  hold: Hold;
  /** Set once a kill of its victim found a request of its step held. */
  killed: boolean;
}

/** Resolves once every one of these connections has closed (the killed process is gone). */
async function closed(conns: { open: () => boolean }[], what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (conns.some((c) => c.open())) {
    if (Date.now() > deadline) throw new Error(`${what}: a held request's client outlived the kill`);
    await pause();
  }
}

/**
 * One kill at a time on the stack's host process. Before each kill it asks every point watching
 * the same victim whether a request of its step is held now, and credits all that have one: a
 * kill restarts every cluster's work in flight, so a point whose step another point's kill
 * interrupted was killed at its step. After the kill, once the killed process's held connections
 * have closed, a credited point's requests are served and its hold retired.
 */
export class Killer {
  private chain: Promise<unknown> = Promise.resolve();
  private readonly watches = new Set<Watch>();
  kills = { host: 0, worker: 0 };

  constructor(
    private host: HostProcess,
    private readonly stateDir: string,
    private readonly env: Record<string, string>,
  ) {}

  get api(): string {
    return `${this.host.url}/api`;
  }

  watch(victim: Victim, hold: Hold): Watch {
    const w: Watch = { victim, hold, killed: false };
    this.watches.add(w);
    return w;
  }

  unwatch(w: Watch): void {
    this.watches.delete(w);
  }

  /** Kills `victim` if a point watching it has a request of its step held (and credits those). */
  kill(victim: Victim): Promise<void> {
    const next = this.chain.then(async () => {
      const due = [...this.watches]
        .filter((w) => w.victim === victim && !w.killed)
        .map((w) => ({ w, held: w.hold.holding() }))
        .filter((x) => x.held.length > 0);
      if (due.length === 0) return;
      if (victim === "host") await this.host.kill();
      else process.kill(await workerPid(this.host.process.pid!), "SIGKILL");
      this.kills[victim]++;
      for (const { w, held } of due) {
        w.killed = true;
        // Served only once its client is gone: the killed process never sees the answer.
        await closed(held, `kill -9 ${victim}`);
        w.hold.release();
      }
      if (victim === "host") this.host = await spawnHost(this.stateDir, this.env, false);
    });
    this.chain = next.catch(() => undefined);
    return next;
  }

  stop(): Promise<void> {
    return this.host.stop();
  }
}

/** The cluster's status through whichever host is up (undefined while none answers). */
async function status(k: Killer, token: string, name: string): Promise<ClusterDoc | undefined> {
  try {
    const r = await callApi(k.api, token, `/clusters/${name}`);
    return r.status === 200 || r.status === 202 ? await json<ClusterDoc>(r) : undefined;
  } catch {
    return undefined; // the host is being killed or started again
  }
}

async function until(
  k: Killer,
  token: string,
  name: string,
  done: (d: ClusterDoc) => boolean,
  timeoutMs = 150_000,
): Promise<ClusterDoc> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = await status(k, token, name);
    if (d && done(d)) return d;
    if (Date.now() > deadline) throw new Error(`${name}: no end in time (last ${d?.phase})`);
    await pause();
  }
}

/**
 * A POST or DELETE (both idempotent) sent again while the host is down or its worker restarts
 * after another point's kill (the host answers 500 then; 503 is what issue 14 asks for).
 */
async function send(k: Killer, token: string, init: RequestInit, path: string): Promise<number> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const status = (await callApi(k.api, token, path, init)).status;
      if (status < 500 || Date.now() > deadline) return status;
    } catch {
      // the host is being started again
    }
    await pause();
  }
}

export interface KillOutcome {
  killed: boolean;
  phase: string;
  problems: string[];
}

/** Runs one kill point: provision (and delete) its cluster, killing at its step; tells how it ended. */
export async function runKillPoint(
  stack: Stack,
  killer: Killer,
  token: string,
  clients: Clients,
  p: KillPoint,
  bystander: Bystander | undefined,
): Promise<KillOutcome> {
  const hold = addHold(stack, p.hold);
  const problems: string[] = [];
  const body = JSON.stringify(clusterRequest(p.name, p.seeded));
  const created = await send(killer, token, { method: "POST", body }, "/clusters");
  if (created !== 202) return { killed: false, phase: "?", problems: [`POST answered ${created}`] };
  const final = ["Succeeded", "Failed"];
  const w = killer.watch(p.victim, hold);
  // Until a kill found a request of this step held: ask for one whenever one is (or stop at the end).
  const watch = async (finalPhases: string[]) => {
    const deadline = Date.now() + 150_000;
    while (!w.killed && Date.now() < deadline) {
      if (hold.holding().length > 0) {
        await killer.kill(p.victim);
        continue;
      }
      const d = await status(killer, token, p.name);
      if (d && finalPhases.includes(d.phase)) return;
      await pause();
    }
  };
  if (!p.onDelete) await watch(final);
  let doc = await until(killer, token, p.name, (d) => final.includes(d.phase));
  if (p.onDelete) {
    if (doc.phase !== "Succeeded") problems.push(`provisioning before the delete: ${doc.phase}`);
    const del = await send(killer, token, { method: "DELETE" }, `/clusters/${p.name}`);
    if (del !== 202) problems.push(`DELETE answered ${del}`);
    await watch(["Deleted", "Failed"]);
    doc = await until(killer, token, p.name, (d) => ["Deleted", "Failed"].includes(d.phase));
    if (doc.phase !== "Deleted") problems.push(`delete ended ${doc.phase}: ${JSON.stringify(doc.error)}`);
    problems.push(...(await orphanProblems(stack, clients, p.name)));
  } else problems.push(...(await succeededProblems(stack, clients, doc, p.seeded)));
  killer.unwatch(w);
  hold.release(); // a step that never came (the point then fails) holds nothing after it
  const killed = w.killed;
  if (!killed) problems.push(`the ${p.victim} was never killed at ${p.step}: the step went by unseen`);
  const statusOf = (name: string) => until(killer, token, name, () => true);
  if (bystander) problems.push(...(await bystanderProblems(stack, clients, bystander, statusOf)));
  return { killed, phase: doc.phase, problems };
}
