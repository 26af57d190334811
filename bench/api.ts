// The API's caller path on the whole local stack (not a test): what authentication and the team
// quota add to a request. Prints JSON on stdout.
//   node dist/bench/api.js [--requests 200] [--racers 20] [--quota 5]
// - firstRequestMs: the first authenticated GET (the app fetches the issuer's metadata and JWKS);
// - getMs / listMs / unauthenticatedMs: percentiles of sequential requests after that;
// - createMs: POST of a new cluster (validation, quota claim, orchestration start), one at a time;
// - race: `racers` concurrent POSTs of distinct clusters for a team with `quota` free slots — how
//   many were accepted (must equal the quota) and how long the burst took.
import { fileURLToPath } from "node:url";
import { callApi, devToken, startStack } from "../harness/stack.js";
import { runInStackChild } from "./child.js";

function arg(name: string, fallback: string): number {
  const i = process.argv.indexOf(`--${name}`);
  return Number(i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback);
}

const requests = arg("requests", "200");
const racers = arg("racers", "20");
const quota = arg("quota", "5");

function percentiles(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number) => Math.round(s[Math.min(s.length - 1, Math.floor(p * s.length))]! * 10) / 10;
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), n: s.length };
}

async function timed(n: number, f: (i: number) => Promise<Response>, expect: number) {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const r = await f(i);
    await r.arrayBuffer();
    if (r.status !== expect) throw new Error(`expected ${expect}, got ${r.status}`);
    out.push(performance.now() - t);
  }
  return percentiles(out);
}

async function main(stateDir: string): Promise<Record<string, unknown>> {
  // A long time scale: the clusters created here stay Accepted/Provisioning while we measure.
  const s = await startStack({ stateDir, timeScale: 1, env: { AKSV_TEAM_QUOTA: String(quota) } });
  try {
    const admin = await devToken(s);
    const writer = await devToken(s, { teams: ["bench"], roles: ["Clusters.Write"] });
    const racer = await devToken(s, { teams: ["race"], roles: ["Clusters.Write"] });
    const t0 = performance.now();
    const first = await callApi(s.api, admin, "/clusters");
    const firstRequestMs = Math.round((performance.now() - t0) * 10) / 10;
    if (first.status !== 200) throw new Error(`first GET answered ${first.status}`);
    const post = (token: string, name: string, team: string) =>
      callApi(s.api, token, "/clusters", {
        method: "POST",
        body: JSON.stringify({ name, team, nodePool: { count: 1 } }),
      });
    const createMs = await timed(quota, (i) => post(writer, `bench${i}`, "bench"), 202);
    const getMs = await timed(requests, () => callApi(s.api, writer, "/clusters/bench0"), 202);
    const listMs = await timed(requests, () => callApi(s.api, writer, "/clusters"), 200);
    const unauthenticatedMs = await timed(requests, () => fetch(`${s.api}/clusters`), 401);

    const r0 = performance.now();
    const answers = await Promise.all(
      Array.from({ length: racers }, (_, i) => post(racer, `race${i}`, "race").then((r) => r.status)),
    );
    const race = {
      racers,
      quota,
      accepted: answers.filter((c) => c === 202).length,
      quotaExceeded: answers.filter((c) => c === 409).length,
      other: answers.filter((c) => c !== 202 && c !== 409).length,
      wallMs: Math.round(performance.now() - r0),
    };
    return { firstRequestMs, createMs, getMs, listMs, unauthenticatedMs, race };
  } finally {
    await s.stop();
  }
}

await runInStackChild(fileURLToPath(import.meta.url), main);
