// Worker memory during concurrent provisions (issue 19), not a test: the Functions host's language
// worker (the app) is sampled from /proc while N clusters are provisioned at once, and with
// --snapshot it writes a heap snapshot of the worker (--heapsnapshot-signal) while all of them wait
// for their AKS create, and one before they start; the JSON names the constructors whose live heap
// grew most between the two.
//   node dist/bench/memory.js [--concurrent 100] [--time-scale 0.2] [--snapshot] [--poll-seconds 1]
//     [--worker-flags "--max-old-space-size=256" | none]
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { DEFAULT_LATENCY } from "../emulators/azure/core/latency.js";
import { WORKER_NODE_OPTIONS } from "../emulators/stack.js";
import { callApi, devToken, json, startStack } from "../harness/stack.js";
import { parseTimeScale } from "../shared/config/time-scale.js";
import { runInStackChild } from "./child.js";
import { peakRssMiB, rssMiB, workerPid } from "./proc.js";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const concurrent = Number(arg("concurrent", "100"));
const timeScale = parseTimeScale(arg("time-scale", "0.2"), "--time-scale");
const snapshot = process.argv.includes("--snapshot");
/** How often the run's end is checked (a team's list: one Table query and two hub reads per cluster). */
const pollSeconds = Number(arg("poll-seconds", "1"));
/** V8 flags for the worker (NODE_OPTIONS; default the app's own), "none" for none: to compare peaks. */
const workerFlagsArg = arg("worker-flags", WORKER_NODE_OPTIONS);
const workerFlags = workerFlagsArg === "none" ? "" : workerFlagsArg;

/** Live heap by constructor (self sizes, bytes) of a .heapsnapshot file. */
function heapByConstructor(file: string): Map<string, { bytes: number; count: number }> {
  const snap = JSON.parse(readFileSync(file, "utf8")) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const fields = snap.snapshot.meta.node_fields;
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ["type", "name", "self_size"].map((f) => fields.indexOf(f)) as [
    number,
    number,
    number,
  ];
  const types = snap.snapshot.meta.node_types[0];
  const out = new Map<string, { bytes: number; count: number }>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]!]!;
    const name =
      type === "object" || type === "closure" ? snap.strings[snap.nodes[i + nameAt]!]! : `(${type})`;
    const e = out.get(name) ?? { bytes: 0, count: 0 };
    e.bytes += snap.nodes[i + sizeAt]!;
    e.count++;
    out.set(name, e);
  }
  return out;
}

/** Asks the worker for a heap snapshot and waits for the file (V8 writes it after a full GC). */
async function takeSnapshot(pid: number, dir: string): Promise<string> {
  const before = new Set(readdirSync(dir));
  process.kill(pid, "SIGUSR2");
  for (let i = 0; i < 600; i++) {
    await sleep(500);
    const added = readdirSync(dir).filter((f) => f.endsWith(".heapsnapshot") && !before.has(f));
    // Done once its size stops changing.
    if (added.length > 0) {
      const f = join(dir, added[0]!);
      const size = () => readFileSync(f).length;
      const a = size();
      await sleep(1000);
      if (a > 0 && size() === a) return f;
    }
  }
  throw new Error("no heap snapshot");
}

async function main(stateDir: string): Promise<Record<string, unknown>> {
  const s = await startStack({
    stateDir,
    timeScale,
    env: {
      AKSV_TEAM_QUOTA: String(concurrent + 1),
      NODE_OPTIONS: [
        workerFlags,
        snapshot ? `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${stateDir}` : "",
      ]
        .join(" ")
        .trim(),
    },
  });
  try {
    // A member of the team: its clusters' default access grant is the caller (Entra ID on).
    const token = await devToken(s, { roles: ["Clusters.Admin"], teams: ["mem"] });
    await callApi(s.api, token, "/clusters?team=mem");
    const pid = workerPid();
    if (!pid) throw new Error("no language worker found");
    const idleRss = rssMiB(pid) ?? 0;
    const base = snapshot ? heapByConstructor(await takeSnapshot(pid, stateDir)) : undefined;
    const names = Array.from({ length: concurrent }, (_, i) => `mem${String(i).padStart(4, "0")}`);
    const samples: number[] = [];
    const sampler = setInterval(() => samples.push(rssMiB(pid) ?? 0), 250);
    const t0 = Date.now();
    await Promise.all(
      names.map((name) =>
        callApi(s.api, token, "/clusters", {
          method: "POST",
          body: JSON.stringify({ name, team: "mem", nodePool: { count: 1 } }),
        }),
      ),
    );
    const postsAnsweredAfterSeconds = (Date.now() - t0) / 1000;
    let grown: { name: string; MiB: number; count: number }[] | undefined;
    if (base) {
      // Halfway through the AKS create every provision is waiting on it.
      const create = DEFAULT_LATENCY.clusterCreate * timeScale * 1000;
      await sleep(Math.max(0, t0 + create * 0.5 + 10 * timeScale * 1000 - Date.now()));
      const during = heapByConstructor(await takeSnapshot(pid, stateDir));
      grown = [...during]
        .map(([name, v]) => ({
          name,
          MiB: (v.bytes - (base.get(name)?.bytes ?? 0)) / 2 ** 20,
          count: v.count - (base.get(name)?.count ?? 0),
        }))
        .sort((a, b) => b.MiB - a.MiB)
        .slice(0, 25)
        .map((g) => ({ ...g, MiB: Math.round(g.MiB * 100) / 100 }));
    }
    const phases = new Map<string, string>();
    while (Date.now() - t0 < 3_600_000) {
      const r = await callApi(s.api, token, "/clusters?team=mem&top=1000");
      for (const c of (await json<{ value: { name: string; phase: string }[] }>(r)).value)
        phases.set(c.name, c.phase);
      if (names.every((n) => ["Succeeded", "Failed"].includes(phases.get(n) ?? ""))) break;
      await sleep(pollSeconds * 1000);
    }
    clearInterval(sampler);
    const peak = peakRssMiB(pid) ?? 0;
    return {
      workerFlags,
      concurrent,
      timeScale,
      succeeded: names.filter((n) => phases.get(n) === "Succeeded").length,
      wallSeconds: (Date.now() - t0) / 1000,
      workerIdleRssMiB: idleRss,
      workerPeakRssMiB: peak,
      perProvisionMiB: (peak - idleRss) / concurrent,
      postsAnsweredAfterSeconds,
      // RSS every 2 s from the first POST: where in the run the peak is.
      rssEvery2sMiB: samples.filter((_, i) => i % 8 === 0),
      ...(grown ? { heapGrowthWhileWaiting: grown } : {}),
    };
  } finally {
    await s.stop();
  }
}

await runInStackChild(fileURLToPath(import.meta.url), main);
