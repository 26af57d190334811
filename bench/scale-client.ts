// The scale run's callers (bench/scale-run.ts), in a worker thread of their own: the POSTs, then
// rounds of lists and GETs until every cluster has ended, each timed. The bench's main thread runs
// the emulators (and ran the Functions host too, before it got a process of its own) and is busy for
// the whole run; a caller sharing its event loop waited for it too, and counted that wait in every
// answer it timed (a third of a slow GET's time), which no caller of the deployed app, on a machine
// of its own, does.
import { parentPort, workerData } from "node:worker_threads";
import { callApi, json } from "../harness/stack.js";

export interface ClientInput {
  api: string;
  token: string;
  names: string[];
  teams: number;
  /** POSTs per second, open loop; 0: all at once. */
  postRate: number;
  sampleIntervalMs: number;
}

export interface PostsDone {
  kind: "posted";
  /** Epoch ms of the first POST's send (what every other time counts from). */
  c0: number;
  posts: number[];
  /** Each cluster's POST answer: when (ms from c0) and its status. */
  answers: { name: string; atMs: number; status: number }[];
  lastPostSentMs: number;
}

export interface ReadsDone {
  kind: "read";
  gets: number[];
  lists: number[];
  phases: [string, string][];
  errors: Record<string, number>;
}

const sleepUntil = (at: number) => new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));

async function timed<T>(out: number[], work: () => Promise<T>): Promise<T> {
  const t = performance.now();
  try {
    return await work();
  } finally {
    out.push(performance.now() - t);
  }
}

async function run(o: ClientInput): Promise<void> {
  const teamOf = (i: number) => `team${i % o.teams}`;
  const posts: number[] = [];
  const answers: PostsDone["answers"] = [];
  let lastPostSentMs = 0;
  const c0 = Date.now();
  await Promise.all(
    o.names.map(async (name, i) => {
      if (o.postRate > 0) await sleepUntil(c0 + (i * 1000) / o.postRate);
      lastPostSentMs = Math.max(lastPostSentMs, Date.now() - c0);
      const r = await timed(posts, () =>
        callApi(o.api, o.token, "/clusters", {
          method: "POST",
          body: JSON.stringify({ name, team: teamOf(i), nodePool: { count: 1 } }),
        }),
      );
      answers.push({ name, atMs: Date.now() - c0, status: r.status });
      await r.arrayBuffer();
    }),
  );
  parentPort!.postMessage({ kind: "posted", c0, posts, answers, lastPostSentMs } satisfies PostsDone);

  // Until every cluster has ended, a round every `sampleIntervalMs`: each team's list (which also
  // tells the phases) and a GET of a spread-out cluster, one after the other, timed. Paced as portals
  // poll: back to back, the bench's own reads kept the HTTP worker busy (80 % of a core) and took
  // the CPU the provisions it measures needed.
  const gets: number[] = [];
  const lists: number[] = [];
  const phases = new Map<string, string>();
  const errors: Record<string, number> = {};
  const deadline = Date.now() + 3_600_000;
  for (let round = 0; Date.now() < deadline; round++) {
    const roundStarted = Date.now();
    for (let t = 0; t < o.teams; t++) {
      const r = await timed(lists, () => callApi(o.api, o.token, `/clusters?team=team${t}&top=1000`));
      // An answer other than 200 is counted (and its time kept), not fatal to the run.
      if (r.status === 200)
        for (const c of (await json<{ value: { name: string; phase: string }[] }>(r)).value)
          phases.set(c.name, c.phase);
      else errors[`list ${r.status}`] = (errors[`list ${r.status}`] ?? 0) + 1;
      const name = o.names[(round * 7919 + t * 104_729) % o.names.length]!;
      const g = await timed(gets, () => callApi(o.api, o.token, `/clusters/${name}`));
      if (g.status !== 200 && g.status !== 202)
        errors[`get ${g.status}`] = (errors[`get ${g.status}`] ?? 0) + 1;
      await g.arrayBuffer();
    }
    const done = o.names.filter((n) => ["Succeeded", "Failed"].includes(phases.get(n) ?? "")).length;
    if (done === o.names.length) break;
    await sleepUntil(roundStarted + o.sampleIntervalMs);
  }
  parentPort!.postMessage({ kind: "read", gets, lists, phases: [...phases], errors } satisfies ReadsDone);
}

if (parentPort) await run(workerData as ClientInput);
