// kill -9 at each step (issue 14 item 9), shared by test/e2e/kill-matrix.test.ts and
// bench/fault-matrix.ts. The Functions host runs in its own process; a cell provisions its own
// cluster, watches its status, and when the status shows its step running asks the one killer to
// kill -9 the host (then start it again on the same state) or only the language worker (the host
// starts a new one). The killer runs one kill at a time and checks the step is still running just
// before killing. ARM steps are aimed at by a `hold` on that cluster's own request (served as usual
// after HOLD_SECONDS, nothing fails): the kill is due once the rule fired, so it lands while the
// step's request is in flight even when other points' kills are queued first.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { Clients } from "./azure.js";
import {
  bystanderProblems,
  clusterRequest,
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
  /**
   * A `hold` on the step's own ARM request: the kill is due once it fired (the request is in
   * flight, held for HOLD_SECONDS). Absent for seeding and verification, aimed at by the status
   * alone; a `slow` rule for cluster polling (aimed at by the status's poll count).
   */
  hold?: FaultRule;
  /** The status shows the step running. */
  at: (d: ClusterDoc) => boolean;
  seeded: boolean;
  /** The kill is during the DELETE that follows a Succeeded provisioning. */
  onDelete: boolean;
}

/** Long enough for the kills queued before this one (a host start takes a few seconds under load). */
export const HOLD_SECONDS = 8;

const running = (d: ClusterDoc, step: string) =>
  d.steps.some((s) => s.name === step && s.status === "Running");
const rg = (name: string) => `^/subscriptions/[^/]+/resourcegroups/rg-${name}`;

/** Every kill point, for the host and for the worker, in table order. */
export function killPoints(): KillPoint[] {
  const out: KillPoint[] = [];
  for (const victim of ["host", "worker"] as const)
    for (const step of KILL_STEPS) {
      const name = `k${victim[0]}-${STEP_SHORT[step]}`;
      const cluster = `${rg(name)}/providers/microsoft\\.containerservice/managedclusters/${name}$`;
      const hold = (r: Partial<FaultRule>): FaultRule => ({
        kind: "hold",
        seconds: HOLD_SECONDS,
        times: 1,
        ...r,
      });
      const point = (at: (d: ClusterDoc) => boolean, h?: FaultRule, seeded = false, onDelete = false) =>
        out.push({ step, victim, name, at, ...(h ? { hold: h } : {}), seeded, onDelete });
      switch (step) {
        case "resource group":
          point((d) => running(d, "resourceGroup"), hold({ method: "PUT", path: `${rg(name)}$` }));
          break;
        case "VNet":
          point(
            (d) => running(d, "virtualNetwork"),
            hold({ method: "PUT", path: `${rg(name)}/providers/microsoft\\.network/virtualnetworks/[^/]+$` }),
          );
          break;
        case "identity":
          point(
            (d) => running(d, "identity"),
            hold({
              method: "PUT",
              path: `${rg(name)}/providers/microsoft\\.managedidentity/userassignedidentities/[^/]+$`,
            }),
          );
          break;
        case "role assignment":
          point(
            (d) => running(d, "roleAssignment"),
            hold({
              method: "PUT",
              path: `${rg(name)}/.*/providers/microsoft\\.authorization/roleassignments/`,
            }),
          );
          break;
        case "cluster submit":
          point((d) => running(d, "cluster"), hold({ method: "PUT", path: cluster }));
          break;
        case "cluster polling":
          // Polled at least once (each poll counts an attempt); the create is slowed to four times its
          // time (a `slow` rule: nothing fails) so that its polls last long enough to be seen.
          point(
            (d) => running(d, "cluster") && (d.steps.find((x) => x.name === "cluster")?.attempts ?? 0) >= 2,
            { kind: "slow", method: "PUT", path: cluster, factor: 4, times: 1 },
          );
          break;
        case "final GET":
          // The GET after the submit's own read-first GET: the poller's final GET.
          point((d) => running(d, "cluster"), hold({ method: "GET", path: cluster, skip: 1 }));
          break;
        case "seeding":
          point(
            (d) => d.steps.some((s) => s.name.startsWith("seed:") && s.status === "Running"),
            undefined,
            true,
          );
          break;
        case "verification":
          point((d) => running(d, "verification"), undefined, true);
          break;
        case "delete":
          point(
            (d) => d.phase === "Deleting" && running(d, "delete:cluster"),
            hold({ method: "DELETE", path: cluster }),
            false,
            true,
          );
          break;
      }
    }
  return out;
}

/** Whether this point's hold rule has fired: its request is in flight (or was). */
function holdFired(stack: Pick<Stack, "azure">, hold: FaultRule): boolean {
  const d = stack.azure.faults.describe();
  const i = (d.rules ?? []).findIndex((r) => JSON.stringify(r) === JSON.stringify(hold));
  return i >= 0 && (d.fired[i]?.fired ?? 0) > 0;
}

const run = promisify(execFile);

/** The language worker's pid: the host's child running worker/language-worker.js. */
async function workerPid(hostPid: number): Promise<number> {
  const { stdout } = await run("ps", ["-o", "pid=,args=", "--ppid", String(hostPid)]);
  const line = stdout.split("\n").find((l) => l.includes("language-worker"));
  if (!line) throw new Error(`no language worker under host ${hostPid}: ${stdout}`);
  return Number(line.trim().split(/\s+/)[0]);
}

/** A point watching for its kill: `still()` tells whether it is due now. */
export interface Watch {
  victim: Victim;
  still: () => Promise<boolean>;
  /** Set once a kill of its victim found it due. */
  killed: boolean;
}

/**
 * One kill at a time on the stack's host process. Before each kill it asks every point watching
 * the same victim whether it is due, and credits all that are: a kill restarts every cluster's
 * work in flight, so a point whose step another point's kill interrupted was killed at its step
 * (and a kill aimed at it later would find its step already past).
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

  watch(victim: Victim, still: () => Promise<boolean>): Watch {
    const w: Watch = { victim, still, killed: false };
    this.watches.add(w);
    return w;
  }

  unwatch(w: Watch): void {
    this.watches.delete(w);
  }

  /** Kills `victim` if any point watching it is due just before (and credits those). */
  kill(victim: Victim): Promise<void> {
    const next = this.chain.then(async () => {
      const candidates = [...this.watches].filter((w) => w.victim === victim && !w.killed);
      const due = await Promise.all(candidates.map((w) => w.still()));
      if (!due.some(Boolean)) return;
      await this.killNow(victim);
      candidates.forEach((w, i) => (w.killed ||= due[i]!));
    });
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async killNow(victim: Victim): Promise<void> {
    if (victim === "host") {
      await this.host.kill();
      this.host = await spawnHost(this.stateDir, this.env, false);
    } else process.kill(await workerPid(this.host.process.pid!), "SIGKILL");
    this.kills[victim]++;
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

const pause = () => new Promise((r) => setTimeout(r, 15));

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
  if (p.hold) stack.azure.faults.add([p.hold]);
  // Due: the held request is in flight and the status shows the step running.
  const due = (d: ClusterDoc) => p.at(d) && (!p.hold || p.hold.kind !== "hold" || holdFired(stack, p.hold));
  const problems: string[] = [];
  const body = JSON.stringify(clusterRequest(p.name, p.seeded));
  const created = await send(killer, token, { method: "POST", body }, "/clusters");
  if (created !== 202) return { killed: false, phase: "?", problems: [`POST answered ${created}`] };
  const final = ["Succeeded", "Failed"];
  const still = async () => {
    const now = await status(killer, token, p.name);
    return now !== undefined && due(now);
  };
  const w = killer.watch(p.victim, still);
  // Until a kill found this point due: ask for one whenever it is due.
  const watch = async (finalPhases: string[]) => {
    while (!w.killed) {
      const d = await until(
        killer,
        token,
        p.name,
        (x) => w.killed || due(x) || finalPhases.includes(x.phase),
      );
      if (w.killed || finalPhases.includes(d.phase)) return;
      await killer.kill(p.victim);
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
  const killed = w.killed;
  if (!killed) problems.push(`the ${p.victim} was never killed at ${p.step}: the step went by unseen`);
  const statusOf = (name: string) => until(killer, token, name, () => true);
  if (bystander) problems.push(...(await bystanderProblems(stack, clients, bystander, statusOf)));
  return { killed, phase: doc.phase, problems };
}
