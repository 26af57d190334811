// The scale run (issue 19): a task hub already holding thousands of instances, then N provisions
// over several teams, POSTed at a steady rate until all N run at once (peakRunningProvisions), with
// ARM's token buckets on, while GETs and lists are timed. Used by
// `bench/scale.ts` (`npm run bench:scale`) and by `bench/provision.ts --scale` (the `scale` key).
import { loadavg } from "node:os";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import * as df from "durable-functions";
import {
  callApi,
  devToken,
  durableClientOf,
  json,
  startStack,
  waitForPhase,
  type ClusterDoc,
  type HostProcess,
} from "../harness/stack.js";
import { DEFAULT_LATENCY } from "../emulators/azure/core/latency.js";
import { eachLimited } from "../shared/runtime/each-limited.js";
import { ORCHESTRATION } from "../shared/provision/durable.js";
import { childPids, cpuSeconds, peakRssMiB, workerPids } from "./proc.js";
import type { ClientInput, PostsDone, ReadsDone } from "./scale-client.js";

export interface ScaleOptions {
  timeScale: number;
  /** Provisions in the run (all running at once when POSTed faster than one takes). */
  concurrent: number;
  /** Instances put in the hub before the run. */
  fill: number;
  teams: number;
  /** HTTP triggers in a language worker of their own (Flex Consumption's HTTP group), or one for all. */
  httpWorker: "separate" | "shared";
  /** How often a round of reads (each team's list, a GET) starts while the clusters are provisioned. */
  sampleIntervalMs: number;
  /**
   * POSTs sent per second, open loop (each at its time, whether or not earlier ones were answered);
   * 0 sends all of them at once.
   */
  postRate: number;
}

/** ARM's documented buckets (emulators/azure README), per emulated second. */
const BUCKETS = { reads: { burst: 250, perSecond: 25 }, writes: { burst: 200, perSecond: 10 } };

interface Served {
  method: string;
  path: string;
  resourceType?: string;
}

/** A cluster's ARM requests: the ones under its resource group, in the order served. */
function byCluster(served: Served[], names: string[]): Map<string, Served[]> {
  const out = new Map<string, Served[]>(names.map((n) => [`/resourcegroups/rg-${n}/`, []]));
  for (const q of served) {
    const m = /\/resourcegroups\/rg-[^/]+\//i.exec(q.path + "/");
    out.get(m?.[0]?.toLowerCase() ?? "")?.push(q);
  }
  return out;
}

/**
 * The shortest time (emulated seconds) in which the buckets let all the clusters finish, from what
 * they spent. A bucket holding `burst` tokens and refilled at `perSecond` has given at most
 * burst + perSecond × t tokens by time t, so the tokens of n requests cannot all be spent before
 * (n − burst) / perSecond. The last cluster PUT is served only once every cluster's earlier
 * requests of that class were, and its cluster then still takes the whole AKS create; the whole
 * run needs every request. One cluster alone takes its critical path. The bound is the largest of
 * these, so no run, however fast the app, could finish sooner: clusters per minute ≤ n / bound.
 * With paced POSTs, the last cluster cannot finish before its POST and its critical path either.
 * After its AKS create, a cluster still has steps that need it (the Entra ID grants, the cluster's
 * settings, seeding and verification): they are counted as long as one cluster alone takes them.
 */
export function throttleBoundSeconds(
  perCluster: Served[][],
  criticalPathSeconds: number,
  clusterCreateSeconds: number,
  /** When the last POST was sent (emulated seconds after the first): paced POSTs, not all at once. */
  lastPostSeconds = 0,
  /** A cluster's steps after its AKS create, as one cluster alone takes them (emulated seconds). */
  afterCreateSeconds = 0,
): { seconds: number; binding: string } {
  const isWrite = (q: Served) => q.method !== "GET" && q.method !== "DELETE";
  const isRead = (q: Served) => q.method === "GET";
  const refill = (n: number, b: { burst: number; perSecond: number }) =>
    Math.max(0, (n - b.burst) / b.perSecond);
  const upToClusterPut = (qs: Served[], cls: (q: Served) => boolean) => {
    const put = qs.findIndex((q) => q.method === "PUT" && /managedclusters$/i.test(q.resourceType ?? ""));
    return (put < 0 ? qs : qs.slice(0, put + 1)).filter(cls).length;
  };
  const sum = (f: (qs: Served[]) => number) => perCluster.reduce((a, qs) => a + f(qs), 0);
  const candidates: [string, number][] = [
    ["one cluster's critical path", criticalPathSeconds + afterCreateSeconds],
    [
      "the last POST, then one cluster's critical path",
      lastPostSeconds + criticalPathSeconds + afterCreateSeconds,
    ],
    [
      "writes",
      refill(
        sum((qs) => qs.filter(isWrite).length),
        BUCKETS.writes,
      ),
    ],
    [
      "reads",
      refill(
        sum((qs) => qs.filter(isRead).length),
        BUCKETS.reads,
      ),
    ],
    [
      "writes up to the last cluster PUT, then its AKS create and the steps after it",
      refill(
        sum((qs) => upToClusterPut(qs, isWrite)),
        BUCKETS.writes,
      ) +
        clusterCreateSeconds +
        afterCreateSeconds,
    ],
    [
      "reads up to the last cluster PUT, then its AKS create and the steps after it",
      refill(
        sum((qs) => upToClusterPut(qs, isRead)),
        BUCKETS.reads,
      ) +
        clusterCreateSeconds +
        afterCreateSeconds,
    ],
  ];
  const [binding, seconds] = candidates.reduce((a, b) => (b[1] > a[1] ? b : a));
  return { seconds, binding };
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

type Step = { name: string; startedAt?: string; finishedAt?: string };

/** When the last of a cluster's steps ended (epoch ms; -Infinity when none has). */
function lastStepEnd(steps: Step[]): number {
  return Math.max(...steps.map((x) => Date.parse(x.finishedAt ?? "")).filter((x) => !Number.isNaN(x)));
}

/** The most intervals [start, end] that contain one instant. */
export function peakOverlap(intervals: [number, number][]): number {
  const edges = intervals.flatMap(([a, b]): [number, number][] => [
    [a, 1],
    [b, -1],
  ]);
  // At equal times, ends before starts: touching intervals do not overlap.
  edges.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let now = 0;
  let peak = 0;
  for (const [, d] of edges) peak = Math.max(peak, (now += d));
  return peak;
}

export async function runScale(stateDir: string, o: ScaleOptions): Promise<Record<string, unknown>> {
  const perTeam = Math.ceil(o.concurrent / o.teams);
  // Read by the Functions host (emulators/functions-host README), which inherits this environment.
  process.env["AKSV_FUNCTIONS_HTTP_WORKER"] = o.httpWorker;
  // The Functions host runs in a process of its own, the emulators in this one: ARM and AKS are
  // other machines' work in Azure, and on one event loop with the host every emulator request, state
  // write or controller round delayed the API's answers as no Azure service could.
  const s = await startStack({
    stateDir,
    timeScale: o.timeScale,
    env: { AKSV_TEAM_QUOTA: String(perTeam + 1) },
    faults: { throttling: { enabled: true } },
    hostProcess: true,
    hostLogLevel: process.env["AKSV_LOG_LEVEL"] ?? "warning",
  });
  const hostPid = (s.host as HostProcess).process.pid!;
  try {
    // A member of every team: each team's clusters' default access grant is the caller (Entra ID on).
    const teams = Array.from({ length: o.teams }, (_, t) => `team${t}`);
    const token = await devToken(s, { roles: ["Clusters.Admin"], teams });
    // First request: the app's one-time index backfill runs on the empty hub (the bench measures
    // the steady state, not the upgrade).
    await callApi(s.api, token, "/clusters?team=team0");

    // The hub is filled through the durable client, not by provisions: orchestrations that wait
    // for an event (one episode each), as in test/integration/api/constant-cost.test.ts.
    const client = durableClientOf(s.host);
    const f0 = Date.now();
    for (let i = 0; i < o.fill; i += 100)
      await Promise.all(
        Array.from({ length: Math.min(100, o.fill - i) }, (_, k) =>
          client.startNew(ORCHESTRATION.clusterQuotaSlot.name, {
            instanceId: `filler-${i + k}`,
            input: { team: `other${(i + k) % 100}`, holder: `filler-${i + k}`, cluster: `filler-${i + k}` },
          }),
        ),
      );
    // Present means started: their first episodes run before the burst, not during it.
    const pending = { runtimeStatus: [df.OrchestrationRuntimeStatus.Pending], showInput: false };
    while ((await client.getStatusBy(pending as df.OrchestrationFilter)).length > 0)
      await new Promise((r) => setTimeout(r, 200));
    const fillSeconds = (Date.now() - f0) / 1000;
    const instancesInHub = (await client.getStatusBy({ showInput: false } as df.OrchestrationFilter)).length;

    // One cluster alone first: how long its steps after the AKS create take with nothing else
    // running. The last cluster of the run cannot end sooner after its own create.
    const soloPost = await callApi(s.api, token, "/clusters", {
      method: "POST",
      body: JSON.stringify({ name: "solo", team: "team0", nodePool: { count: 1 } }),
    });
    if (soloPost.status !== 202) throw new Error(`the solo cluster's POST answered ${soloPost.status}`);
    const solo = await waitForPhase(s.api, token, "solo", ["Succeeded", "Failed"], 3_600_000);
    if (solo.phase !== "Succeeded") throw new Error(`the solo cluster ended ${solo.phase}`);
    const soloSteps = solo.steps as Step[];
    const soloCreateEnd = Date.parse(soloSteps.find((x) => x.name === "cluster")?.finishedAt ?? "");
    const afterCreateSecondsAlone = (lastStepEnd(soloSteps) - soloCreateEnd) / 1000;

    const before = s.azure.recorder.query({}).length;
    const names = Array.from({ length: o.concurrent }, (_, i) => `sc${String(i).padStart(4, "0")}`);
    // CPU seconds of each process: the Functions host, its language workers, this one (the Azure and
    // Kubernetes emulators, and the callers' thread), the storage emulator (Azurite: the app's tables).
    const cpu = () => ({
      host: cpuSeconds(hostPid),
      emulators: cpuSeconds(process.pid),
      workers: workerPids(hostPid).map(cpuSeconds),
      storage: childPids("table-process").map(cpuSeconds),
    });
    const since = (a: ReturnType<typeof cpu>, b: ReturnType<typeof cpu>) => ({
      host: b.host - a.host,
      emulators: b.emulators - a.emulators,
      workers: b.workers.map((x, i) => x - (a.workers[i] ?? 0)),
      storage: b.storage.map((x, i) => x - (a.storage[i] ?? 0)),
    });
    const eld = monitorEventLoopDelay({ resolution: 10 });
    const cpu0 = cpu();
    const input: ClientInput = {
      api: s.api,
      token,
      names,
      teams: o.teams,
      postRate: o.postRate,
      sampleIntervalMs: o.sampleIntervalMs,
    };
    const callers = new Worker(new URL("./scale-client.js", import.meta.url), { workerData: input });
    const message = <T extends PostsDone | ReadsDone>(kind: T["kind"]) =>
      new Promise<T>((resolve, reject) => {
        const onMessage = (m: PostsDone | ReadsDone) => {
          if (m.kind !== kind) return;
          callers.off("message", onMessage);
          resolve(m as T);
        };
        callers.on("message", onMessage);
        callers.once("error", reject);
        callers.once("exit", (code) => reject(new Error(`the callers' thread exited (${code}) early`)));
      });
    const posted = await message<PostsDone>("posted");
    const { c0, posts } = posted;
    const postsSeconds = (Date.now() - c0) / 1000;
    const cpuPosts = since(cpu0, cpu());
    eld.enable();
    const refused = posted.answers.filter((r) => r.status !== 202).map((r) => r.status);
    // When each cluster's POST was answered (ms from the first POST): it runs from then to its end.
    const answeredAt = new Map(posted.answers.map((a) => [a.name, a.atMs]));
    const lastPostSent = posted.lastPostSentMs;
    const read = await message<ReadsDone>("read");
    await callers.terminate();
    const { gets, lists, errors } = read;
    const phases = new Map(read.phases);
    // Until the reads saw every cluster ended (up to a round late: the time is taken below).
    const observedSeconds = (Date.now() - c0) / 1000;
    eld.disable();
    const cpuRun = since(cpu0, cpu());
    const succeeded = names.filter((n) => phases.get(n) === "Succeeded").length;

    // Why the others ended Failed (their error codes and steps, counted), and where each cluster's
    // time went: seconds from the burst to each step's start, each step's duration, and the burst to
    // its last step's end.
    const failures: Record<string, number> = {};
    const at = (iso: string | undefined) => (iso ? (Date.parse(iso) - c0) / 1000 : NaN);
    const lastStepEnds: number[] = [];
    const running: [number, number][] = [];
    // When each Succeeded cluster's create ended (seconds from the first POST).
    const endedAt: number[] = [];
    const stepTimes = new Map<string, { start: number[]; seconds: number[] }>();
    await eachLimited(names, 20, async (name) => {
      const doc = await json<ClusterDoc>(await callApi(s.api, token, `/clusters/${name}`));
      const steps = doc.steps as Step[];
      for (const x of steps) {
        const t = stepTimes.get(x.name) ?? { start: [], seconds: [] };
        stepTimes.set(x.name, t);
        t.start.push(at(x.startedAt));
        t.seconds.push(at(x.finishedAt) - at(x.startedAt));
      }
      const end = (lastStepEnd(steps) - c0) / 1000;
      lastStepEnds.push(end);
      running.push([answeredAt.get(name)! / 1000, end]);
      if (phases.get(name) === "Succeeded") {
        endedAt.push(at(doc.lastUpdatedAt));
        return;
      }
      const e = (doc as { error?: { code?: string; step?: string } }).error;
      const key = `${e?.step ?? "?"}: ${e?.code ?? phases.get(name) ?? "unknown"}`;
      failures[key] = (failures[key] ?? 0) + 1;
    });
    // From the first POST to the last cluster's end, as the task hub recorded it.
    const wallSeconds = Math.max(0, ...endedAt.filter((x) => !Number.isNaN(x)));
    const spread = (xs: number[]) => {
      const ok = xs.filter((x) => !Number.isNaN(x));
      return { p50: percentile(ok, 50), p99: percentile(ok, 99), max: Math.max(...ok) };
    };
    const requests = s.azure.recorder.query({}).slice(before);
    const served = requests.filter((q) => q.status !== 429 && q.path.startsWith("/subscriptions/"));
    const writeKinds: Record<string, number> = {};
    for (const q of served.filter((q) => q.method !== "GET"))
      writeKinds[`${q.method} ${q.resourceType ?? "operation"}`] =
        (writeKinds[`${q.method} ${q.resourceType ?? "operation"}`] ?? 0) + 1;
    const L = DEFAULT_LATENCY;
    const armCriticalPath =
      L.resourceGroupWrite +
      Math.max(L.virtualNetworkCreate, L.identityCreate) +
      L.roleAssignmentCreate +
      L.clusterCreate;
    const bound = throttleBoundSeconds(
      [...byCluster(served, names).values()],
      armCriticalPath,
      L.clusterCreate,
      lastPostSent / 1000 / o.timeScale,
      afterCreateSecondsAlone / o.timeScale,
    );
    const writesPerCluster =
      served.filter((q) => q.method !== "GET" && q.method !== "DELETE").length / o.concurrent;
    const readsPerCluster = served.filter((q) => q.method === "GET").length / o.concurrent;
    // The most clusters per wall minute the buckets allow this run (throttleBoundSeconds); the
    // steady state (refill rate over what a cluster spends) is what a run that never ends reaches.
    const throttleBoundClustersPerMinute = (o.concurrent / (bound.seconds * o.timeScale)) * 60;
    const steadyStateClustersPerMinute =
      (Math.min(BUCKETS.writes.perSecond / writesPerCluster, BUCKETS.reads.perSecond / readsPerCluster) *
        60) /
      o.timeScale;
    const clustersPerMinute = (succeeded / wallSeconds) * 60;
    // How well the app kept the write bucket busy until the last cluster PUT: the writes served by
    // then over what the bucket could have given in that time (burst + refill), 1 when none was lost.
    const isClusterPut = (q: (typeof served)[number]) =>
      q.method === "PUT" && /managedclusters$/i.test(q.resourceType ?? "");
    const lastPut = Math.max(...served.filter(isClusterPut).map((q) => Date.parse(q.time)));
    const lastClusterPutSeconds = (lastPut - c0) / 1000;
    const writesByLastPut = served.filter(
      (q) => q.method !== "GET" && q.method !== "DELETE" && Date.parse(q.time) <= lastPut,
    ).length;
    const writeBucketUse =
      writesByLastPut /
      (BUCKETS.writes.burst + (BUCKETS.writes.perSecond * lastClusterPutSeconds) / o.timeScale);
    const workers = workerPids(hostPid).map((pid) => peakRssMiB(pid) ?? 0);
    return {
      timeScale: o.timeScale,
      teams: o.teams,
      fillSeconds,
      instancesInHub,
      concurrentClusters: o.concurrent,
      postRate: o.postRate,
      // The most provisions running at one time (accepted, last step not ended).
      peakRunningProvisions: peakOverlap(running),
      refusedPosts: refused,
      // The burst of POSTs: until the last answer, and the CPU seconds each process spent meanwhile.
      postsSeconds,
      cpuSecondsDuringPosts: cpuPosts,
      cpuSecondsDuringRun: cpuRun,
      succeeded,
      failures,
      wallSeconds,
      observedSeconds,
      lastPostSentSeconds: lastPostSent / 1000,
      postP50Ms: percentile(posts, 50),
      postP99Ms: percentile(posts, 99),
      getP50Ms: percentile(gets, 50),
      getP99Ms: percentile(gets, 99),
      listP50Ms: percentile(lists, 50),
      listP99Ms: percentile(lists, 99),
      samples: { gets: gets.length, lists: lists.length },
      // This process (the emulators): how late its event loop ran, ms, from the last POST's answer
      // until the reads saw every cluster ended.
      emulatorsEventLoopDelayMs: {
        p50: eld.percentile(50) / 1e6,
        p99: eld.percentile(99) / 1e6,
        max: eld.max / 1e6,
      },
      readErrors: errors,
      httpWorker: o.httpWorker,
      sampleIntervalMs: o.sampleIntervalMs,
      // The larger of the language workers' peaks (one per process: with HTTP apart, two).
      workerPeakRssMiB: Math.max(...workers),
      workerPeakRssMiBEach: workers,
      // The Functions host's process (its task hub, the API's front door).
      hostPeakRssMiB: peakRssMiB(hostPid),
      // This process: the emulators (Azure, Kubernetes) and the callers' thread.
      emulatorsPeakRssMiB: peakRssMiB(process.pid),
      clustersPerMinute,
      throttleBoundClustersPerMinute,
      throttleBoundSeconds: bound.seconds * o.timeScale,
      throttleBoundBy: bound.binding,
      // Seconds one cluster alone took from its AKS create's end to its last step's (in the bound).
      afterCreateSecondsAlone,
      steadyStateClustersPerMinute,
      ofThrottleBound: clustersPerMinute / throttleBoundClustersPerMinute,
      lastClusterPutSeconds,
      writeBucketUse,
      // Seconds from the burst to the clusters' last steps' ends.
      lastStepEnd: spread(lastStepEnds),
      // Each step: when it started (seconds from the burst) and how long it took.
      steps: Object.fromEntries(
        [...stepTimes].map(([name, t]) => [name, { start: spread(t.start), seconds: spread(t.seconds) }]),
      ),
      armWritesPerCluster: writesPerCluster,
      armReadsPerCluster: readsPerCluster,
      armWriteKinds: writeKinds,
      throttled429: requests.filter((q) => q.status === 429).length,
      throttled429Reads: requests.filter((q) => q.status === 429 && q.method === "GET").length,
      loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
    };
  } finally {
    await s.stop();
  }
}

/**
 * The scale run's options from the command line (defaults: 500 provisions POSTed 25 a second, so
 * that all 500 run at once, 2,000 instances in the hub, 10 teams, time scale 0.1).
 */
export function scaleOptionsFrom(
  argv: string[],
  parseTimeScale: (value: string, what: string) => number,
  prefix: "" | "scale-" = "",
): ScaleOptions {
  const arg = (name: string, fallback: string) => {
    const i = argv.indexOf(`--${prefix}${name}`);
    return i >= 0 ? (argv[i + 1] ?? fallback) : fallback;
  };
  return {
    timeScale: parseTimeScale(arg("time-scale", "0.1"), `--${prefix}time-scale`),
    concurrent: Number(arg("concurrent", "500")),
    fill: Number(arg("fill", "2000")),
    teams: Number(arg("teams", "10")),
    httpWorker: arg("http-worker", "separate") === "shared" ? "shared" : "separate",
    sampleIntervalMs: Number(arg("sample-interval-ms", "1000")),
    postRate: Number(arg("post-rate", "25")),
  };
}
