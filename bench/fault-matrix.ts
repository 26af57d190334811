// Issue 14's tables for a closing note: runs the fault × step matrix (one stack, every cell at
// once, after a bystander) and the kill -9 points (host, then worker), then prints JSON and the
// markdown tables: per fault kind × step "ended right / tried" (or n/a), and per kill point.
// Usage: node dist/bench/fault-matrix.js [faults|kills|both]
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  armClients,
  createBystander,
  FAULT_KINDS,
  isApplicable,
  matrixCells,
  MATRIX_STEPS,
  runCell,
} from "../harness/fault-matrix.js";
import { KILL_STEPS, Killer, killPoints, runKillPoint } from "../harness/kill-matrix.js";
import { devToken, startStack, type HostProcess } from "../harness/stack.js";

const CALLER = { teams: ["platform"], roles: ["Clusters.Write"], user: "pipeline" } as const;

async function faults() {
  const dir = await mkdtemp(join(tmpdir(), "aksv-bench-faults-"));
  const stack = await startStack({ stateDir: dir, env: { AKSV_TEAM_QUOTA: "100" } });
  try {
    const token = await devToken(stack, { ...CALLER, teams: [...CALLER.teams], roles: [...CALLER.roles] });
    const clients = armClients(stack);
    const bystander = await createBystander(stack, token);
    const cells = matrixCells();
    return await Promise.all(
      cells.map(async (c) => {
        if (!isApplicable(c)) return { step: c.step, fault: c.fault, applicable: false, reason: c.reason };
        const o = await runCell(stack, token, clients, c, bystander).catch((e: Error) => ({
          phase: "?",
          problems: [e.message],
        }));
        return { step: c.step, fault: c.fault, applicable: true, phase: o.phase, problems: o.problems };
      }),
    );
  } finally {
    await stack.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

async function kills() {
  const dir = await mkdtemp(join(tmpdir(), "aksv-bench-kills-"));
  const stack = await startStack({
    stateDir: dir,
    hostProcess: true,
    timeScale: 0.02,
    env: { AKSV_TEAM_QUOTA: "100" },
  });
  const killer = new Killer(stack.host as HostProcess, dir, stack.env);
  try {
    const token = await devToken(stack, { ...CALLER, teams: [...CALLER.teams], roles: [...CALLER.roles] });
    const clients = armClients(stack);
    const bystander = await createBystander(stack, token);
    const out = [];
    for (const victim of ["host", "worker"] as const)
      out.push(
        ...(await Promise.all(
          killPoints()
            .filter((p) => p.victim === victim)
            .map(async (p) => {
              const o = await runKillPoint(stack, killer, token, clients, p, bystander).catch((e: Error) => ({
                killed: false,
                phase: "?",
                problems: [e.message],
              }));
              return { victim, step: p.step, killed: o.killed, phase: o.phase, problems: o.problems };
            }),
        )),
      );
    return { points: out, kills: killer.kills };
  } finally {
    await killer.stop();
    await stack.azure.stop();
    await stack.kube.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const which = process.argv[2] ?? "both";
const f = which === "kills" ? [] : await faults();
const k = which === "faults" ? undefined : await kills();
console.log(JSON.stringify({ faults: f, kills: k }, null, 2));

if (f.length) {
  const cell = (step: string, fault: string) => {
    const c = f.find((x) => x.step === step && x.fault === fault);
    if (!c || !c.applicable) return "n/a";
    return "problems" in c && c.problems?.length === 0 ? "1/1" : "0/1";
  };
  console.log(`\n| step | ${FAULT_KINDS.join(" | ")} |\n|---|${FAULT_KINDS.map(() => "---").join("|")}|`);
  for (const s of MATRIX_STEPS) console.log(`| ${s} | ${FAULT_KINDS.map((x) => cell(s, x)).join(" | ")} |`);
  const tried = f.filter((x) => x.applicable);
  const right = tried.filter((x) => "problems" in x && x.problems?.length === 0);
  console.log(
    `\nfault cells: ${tried.length} tried, ${right.length} ended right, ${f.length - tried.length} n/a`,
  );
}
if (k) {
  console.log(`\n| kill -9 at | host | worker |\n|---|---|---|`);
  for (const s of KILL_STEPS) {
    const mark = (v: string) => {
      const p = k.points.find((x) => x.victim === v && x.step === s);
      return !p ? "n/a" : p.killed && p.problems.length === 0 ? "ended right" : p.problems.join("; ");
    };
    console.log(`| ${s} | ${mark("host")} | ${mark("worker")} |`);
  }
  const right = k.points.filter((p) => p.killed && p.problems.length === 0).length;
  console.log(
    `\nkill points: ${k.points.length} tried, ${right} ended right; kills done: ${JSON.stringify(k.kills)}`,
  );
}
