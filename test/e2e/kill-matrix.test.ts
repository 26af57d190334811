// Issue 14's kill -9 points on the whole local stack: the Functions host (its own process) killed
// with SIGKILL while each step runs, and separately only its language worker, one cluster per
// point, all at once on one stack after a bystander cluster. Each point asserts that it was killed
// at its step, the final phase (Succeeded, or Deleted for the delete), exactly one of each ARM
// resource, zero orphans after the delete, and that nothing of the bystander was touched. The
// points, and how each is aimed at, are harness/kill-matrix.ts.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Clients } from "../../harness/azure.js";
import { armClients, createBystander, type Bystander } from "../../harness/fault-matrix.js";
import { Killer, killPoints, runKillPoint } from "../../harness/kill-matrix.js";
import { devToken, startStack, type HostProcess, type Stack } from "../../harness/stack.js";

const points = killPoints();
let stack: Stack;
let killer: Killer;
let stateDir: string;
let token: string;
let clients: Clients;
let bystander: Bystander;

before(async () => {
  stateDir = await mkdtemp(join(tmpdir(), "aksv-kill-matrix-"));
  // Time scale 0.02: the create, seeding and deletes last long enough to be seen running.
  stack = await startStack({ stateDir, hostProcess: true, timeScale: 0.02, env: { AKSV_TEAM_QUOTA: "100" } });
  token = await devToken(stack, { teams: ["platform"], roles: ["Clusters.Write"], user: "pipeline" });
  clients = armClients(stack);
  bystander = await createBystander(stack, token);
  killer = new Killer(stack.host as HostProcess, stateDir, stack.env);
});

after(async () => {
  await killer?.stop();
  await stack?.azure.stop();
  await stack?.kube.stop();
  await rm(stateDir, { recursive: true, force: true });
});

const label = (p: { victim: string; step: string }) => `kill -9 ${p.victim} × ${p.step}`;

// The host's points, then the worker's: a kill of either restarts every cluster's work in flight,
// so one victim's kills would carry the other's points past their steps unkilled.
for (const victim of ["host", "worker"] as const)
  describe(`kill -9 ${victim} × step`, { concurrency: true }, () => {
    for (const p of points.filter((x) => x.victim === victim)) {
      const end = p.onDelete ? "Deleted, zero orphans" : "Succeeded, one of each";
      it(`${label(p)} → ${end}, bystander untouched`, async () => {
        const outcome = await runKillPoint(stack, killer, token, clients, p, bystander);
        assert.deepEqual(outcome.problems, [], `${p.name}: ${outcome.phase}`);
      });
    }
  });
