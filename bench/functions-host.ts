// Benchmark of the local Functions host's task hub (not a test): prints JSON.
//   npm run build && node dist/bench/functions-host.js [--orchestrations 1000] [--activities 5] [--long 500]
// 1. throughput: N orchestrations × M sequential activities started at once (episodes/s, activities/s,
//    start-to-complete latency percentiles); 2. idle latency of one such orchestration; 3. replay cost: one
//    orchestration with L sequential activities, orchestrator invocation time as its history grows.
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import * as df from "durable-functions";
import azureFunctions from "@azure/functions";
import { DatabaseSync } from "../emulators/functions-host/durable/sqlite.js";
import { startFunctionsHost } from "../emulators/functions-host/index.js";

const { values } = parseArgs({
  options: {
    orchestrations: { type: "string", default: "1000" },
    activities: { type: "string", default: "5" },
    long: { type: "string", default: "500" },
  },
});
const N = Number(values.orchestrations);
const M = Number(values.activities);
const L = Number(values.long);
const appDir = fileURLToPath(new URL("../../harness/functions-apps/durable", import.meta.url));

function client(bindingData: object): df.DurableClient {
  const binding = df.input.durableClient();
  const context = new azureFunctions.InvocationContext({
    options: { trigger: { type: "httpTrigger", name: "req" }, extraInputs: [binding] },
  });
  context.extraInputs.set(binding, bindingData);
  return df.getClient(context);
}

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const round = (x: number): number => Math.round(x * 10) / 10;

async function waitAllDone(db: DatabaseSync, prefix: string, count: number, pollMs = 100): Promise<void> {
  const q = db.prepare(
    "SELECT COUNT(*) AS n FROM instances WHERE substr(instance_id, 1, ?) = ? AND runtime_status IN ('Completed','Failed')",
  );
  for (;;) {
    if ((q.get(prefix.length, prefix) as { n: number }).n >= count) return;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

async function hostStats(
  url: string,
  masterKey: string,
): Promise<{ completedEpisodes: number; completedActivities: number }> {
  const res = await fetch(`${url}/admin/host/status`, { headers: { "x-functions-key": masterKey } });
  return ((await res.json()) as { durableTask: { completedEpisodes: number; completedActivities: number } })
    .durableTask;
}

const loadAtStart = loadavg()[0] ?? 0;
const stateDir = await mkdtemp(join(tmpdir(), "aksv-fh-bench-"));
const invocationLog: { fn: string; ms: number }[] = [];
const host = await startFunctionsHost({
  appDir,
  port: 0,
  stateDir,
  logLevel: "information",
  logSink: (line) => {
    const m = /Executed 'Functions\.(\w+)' \(Succeeded, Id=[^,]+, Duration=([\d.]+)ms\)/.exec(line);
    if (m) invocationLog.push({ fn: m[1]!, ms: Number(m[2]) });
  },
  hostJson: { maxConcurrentActivityFunctions: 10, maxConcurrentOrchestratorFunctions: 10 },
  env: { FIXTURE_STATE_DIR: stateDir },
});
const db = new DatabaseSync(join(stateDir, "functions-host", "FixtureHub.sqlite"), { readOnly: true });
const durable = client(host.durableClientData());

try {
  // 1. Throughput.
  const before = await hostStats(host.url, host.keys.masterKey);
  const t0 = performance.now();
  const ids = Array.from({ length: N }, (_, i) => `tp-${i}`);
  for (let i = 0; i < ids.length; i += 50) {
    await Promise.all(
      ids.slice(i, i + 50).map((id) => durable.startNew("LongSequence", { instanceId: id, input: M })),
    );
  }
  const startedMs = performance.now() - t0;
  await waitAllDone(db, "tp-", N);
  const wallS = (performance.now() - t0) / 1000;
  const after = await hostStats(host.url, host.keys.masterKey);
  const rows = db
    .prepare(
      "SELECT created_time AS c, last_updated_time AS u, runtime_status AS s FROM instances WHERE instance_id LIKE 'tp-%'",
    )
    .all() as { c: number; u: number; s: string }[];
  const latencies = rows.map((r) => r.u - r.c).sort((a, b) => a - b);
  const episodes = after.completedEpisodes - before.completedEpisodes;
  const activities = after.completedActivities - before.completedActivities;

  // 2. Idle latency of one orchestration.
  const idle: number[] = [];
  for (let i = 0; i < 20; i++) {
    const s = performance.now();
    await durable.startNew("LongSequence", { instanceId: `idle-${i}`, input: M });
    await waitAllDone(db, `idle-${i}`, 1, 2);
    idle.push(performance.now() - s);
  }
  idle.sort((a, b) => a - b);

  // 3. Replay cost as history grows.
  invocationLog.length = 0;
  const l0 = performance.now();
  await durable.startNew("LongSequence", { instanceId: "long-1", input: L });
  await waitAllDone(db, "long-1", 1, 10);
  const longS = (performance.now() - l0) / 1000;
  const replays = invocationLog.filter((e) => e.fn === "LongSequence").map((e) => e.ms);
  const at = (episode: number): number => round(replays[Math.min(replays.length - 1, episode - 1)] ?? NaN);
  const mean = (xs: number[]): number => round(xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length));
  const historyEvents = (
    db.prepare("SELECT COUNT(*) AS n FROM history WHERE instance_id = 'long-1'").get() as { n: number }
  ).n;

  console.log(
    JSON.stringify(
      {
        machine: {
          cpus: availableParallelism(),
          model: cpus()[0]?.model ?? "unknown",
          node: process.version,
          loadAverage1mAtStart: round(loadAtStart),
        },
        settings: {
          maxConcurrentActivityFunctions: 10,
          maxConcurrentOrchestratorFunctions: 10,
          sqliteSynchronous: "NORMAL (WAL)",
        },
        throughput: {
          orchestrations: N,
          activitiesPerOrchestration: M,
          completed: rows.filter((r) => r.s === "Completed").length,
          startAllMs: Math.round(startedMs),
          wallSeconds: round(wallS),
          episodes,
          episodesPerSecond: round(episodes / wallS),
          activities,
          activitiesPerSecond: round(activities / wallS),
          orchestrationsPerSecond: round(N / wallS),
          startToCompleteMs: {
            p50: percentile(latencies, 50),
            p99: percentile(latencies, 99),
            max: latencies.at(-1),
          },
        },
        idleStartToCompleteMs: {
          runs: idle.length,
          p50: round(percentile(idle, 50)),
          p99: round(percentile(idle, 99)),
        },
        replay: {
          sequentialActivities: L,
          wallSeconds: round(longS),
          historyEvents,
          episodes: replays.length,
          orchestratorInvocationMs: {
            episode1: at(1),
            episode100: at(100),
            episode250: at(250),
            episode500: at(500),
            meanFirst50: mean(replays.slice(0, 50)),
            meanLast50: mean(replays.slice(-50)),
            total: round(replays.reduce((a, b) => a + b, 0)),
          },
        },
      },
      null,
      2,
    ),
  );
} finally {
  db.close();
  await host.stop();
  await rm(stateDir, { recursive: true, force: true });
}
