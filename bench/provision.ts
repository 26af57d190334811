// Provisioning benchmark on the whole local stack (not a test): the tutorial's request end to end,
// then N clusters at once. Prints JSON on stdout.
//   node dist/bench/provision.js [--time-scale 0.1] [--concurrent 50] [--no-scale]
// Then it runs bench/scale-run.ts on a second stack and adds its figures as `scale` (options
// --scale-time-scale 0.1 --scale-concurrent 500 --scale-post-rate 25 --scale-fill 2000 --scale-teams 10); --no-scale
// leaves that out.
// The critical path is the chain of ARM operations the flow must wait for, from the Azure
// emulator's latency profile (resource group → max(VNet, identity) → role assignment → cluster),
// scaled, plus the Kubernetes part as measured; overheadRatio = wall time / that lower bound.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_LATENCY } from "../emulators/azure/core/latency.js";
import { parseTimeScale } from "../shared/config/time-scale.js";
import { callApi, devToken, ROOT, startStack, waitForPhase, type ClusterDoc } from "../harness/stack.js";
import { runInStackChild } from "./child.js";
import { runScale, scaleOptionsFrom } from "./scale-run.js";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const timeScale = parseTimeScale(arg("time-scale", "0.1"), "--time-scale");
const concurrent = Number(arg("concurrent", "50"));

const seconds = (a?: string, b?: string) => (a && b ? (Date.parse(b) - Date.parse(a)) / 1000 : 0);

/**
 * ARM reads of one provisioning (the GETs to ARM and its token endpoint; the issuer's OIDC reads are
 * the API's token check, not ARM) against the fewest the flow can do: one token, the GET before each
 * write that has one (resource group, identity, VNet, cluster: create-or-get), one poll and one
 * final GET per long-running operation (VNet, cluster), and one read of the cluster's life for the
 * Kubernetes part.
 */
function armReadFigures(requests: { method: string; path: string }[]): Record<string, number> {
  const armReads = requests.filter(
    (q) => q.method === "GET" && (q.path.startsWith("/subscriptions/") || q.path.startsWith("/msi/")),
  ).length;
  const armReadsMinimum = 1 + 4 + 2 * 2 + 1;
  return { armReads, armReadsMinimum, armReadsRatio: armReads / armReadsMinimum };
}

async function main(stateDir: string): Promise<Record<string, unknown>> {
  const figures = await provisionFigures(stateDir);
  if (process.argv.includes("--no-scale")) return figures;
  // The same state directory (its CA is the one this process trusts), reset by the new stack.
  const scale = await runScale(stateDir, scaleOptionsFrom(process.argv, parseTimeScale, "scale-"));
  return { ...figures, scale };
}

async function provisionFigures(stateDir: string): Promise<Record<string, unknown>> {
  // Every cluster of the benchmark is one team's: the quota must not be what is measured.
  const s = await startStack({ stateDir, timeScale, env: { AKSV_TEAM_QUOTA: String(concurrent + 1) } });
  try {
    // An admin of the example's team and the bench's: a team's default access grant is its caller.
    const token = await devToken(s, { roles: ["Clusters.Admin"], teams: ["platform", "bench"] });
    const body = readFileSync(join(ROOT, "examples/seed-tutorial.json"), "utf8");
    // The app's first request does its one-time work (the issuer's metadata and keys, the index
    // backfill's marker): done before the clock starts, since the critical path has none of it.
    await (await callApi(s.api, token, "/clusters?team=bench")).arrayBuffer();
    const t0 = Date.now();
    const r = await callApi(s.api, token, "/clusters", { method: "POST", body });
    if (r.status !== 202) throw new Error(`POST answered ${r.status}: ${await r.text()}`);
    const doc: ClusterDoc = await waitForPhase(
      s.api,
      token,
      "tipsAndTricksAKSCluster",
      ["Succeeded", "Failed"],
      3_600_000,
    );
    const wallSeconds = (Date.now() - t0) / 1000;
    const L = DEFAULT_LATENCY;
    const armCritical =
      (L.resourceGroupWrite +
        Math.max(L.virtualNetworkCreate, L.identityCreate) +
        L.roleAssignmentCreate +
        L.clusterCreate) *
      timeScale;
    const step = (name: string) =>
      doc.steps.find((x) => x.name === name) as { startedAt?: string; finishedAt?: string } | undefined;
    const kubeSeconds =
      seconds(step("seed:test")?.startedAt, step("seed:test")?.finishedAt) +
      seconds(step("verification")?.startedAt, step("verification")?.finishedAt);
    const requests = s.azure.recorder.query({});
    const armRequests: Record<string, number> = {};
    for (const q of requests) {
      const key = `${q.method} ${q.resourceType ?? (q.path.includes("/operations") || q.path.includes("/operationresults") ? "operationStatus" : q.path)}`;
      armRequests[key] = (armRequests[key] ?? 0) + 1;
    }
    const provision = {
      phase: doc.phase,
      wallSeconds,
      criticalPathSeconds: armCritical + kubeSeconds,
      armCriticalPathSeconds: armCritical,
      kubeSeconds,
      overheadRatio: wallSeconds / (armCritical + kubeSeconds),
      armRequests,
      armRequestsTotal: requests.length,
      // armReads: ARM's own (today's count of every GET is armRequests' sum of GETs).
      ...armReadFigures(requests),
      throttled429: requests.filter((q) => q.status === 429).length,
      clusterPolls: doc.steps.find((x) => x.name === "cluster")?.attempts,
      // Where the wall time goes: each step's start and duration, seconds from the POST.
      stepTimeline: (doc.steps as { name: string; startedAt?: string; finishedAt?: string }[]).map((x) => ({
        name: x.name,
        start: x.startedAt ? (Date.parse(x.startedAt) - t0) / 1000 : null,
        seconds: seconds(x.startedAt, x.finishedAt),
      })),
    };

    const names = Array.from({ length: concurrent }, (_, i) => `bench${String(i).padStart(3, "0")}`);
    const c0 = Date.now();
    await Promise.all(
      names.map((name) =>
        callApi(s.api, token, "/clusters", {
          method: "POST",
          body: JSON.stringify({ name, team: "bench", nodePool: { count: 1 } }),
        }),
      ),
    );
    const docs = await Promise.all(
      names.map((n) => waitForPhase(s.api, token, n, ["Succeeded", "Failed"], 3_600_000)),
    );
    return {
      timeScale,
      provision,
      concurrent: {
        clusters: concurrent,
        succeeded: docs.filter((d) => d.phase === "Succeeded").length,
        wallSeconds: (Date.now() - c0) / 1000,
        armCriticalPathSeconds:
          (L.resourceGroupWrite +
            Math.max(L.virtualNetworkCreate, L.identityCreate) +
            L.roleAssignmentCreate +
            L.clusterCreate) *
          timeScale,
        throttled429: s.azure.recorder.query({ status: 429 }).length - provision.throttled429,
      },
    };
  } finally {
    await s.stop();
  }
}

await runInStackChild(fileURLToPath(import.meta.url), main);
