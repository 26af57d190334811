// What benchmarks read of processes from /proc (Linux): the Functions host's language workers
// (children of the host's process: the benchmark's own, or the host it spawned) and resident memory.
import { readdirSync, readFileSync } from "node:fs";

function status(pid: number, field: "VmHWM" | "VmRSS"): number | undefined {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Math.round(Number(m[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

/** Peak resident memory of `pid` so far (VmHWM), MiB. */
export const peakRssMiB = (pid: number) => status(pid, "VmHWM");

/** Resident memory of `pid` now (VmRSS), MiB. */
export const rssMiB = (pid: number) => status(pid, "VmRSS");

/** The children of `parent` (default: this process) whose command line includes `what`. */
export function childPids(what: string, parent = process.pid): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid !== parent) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(what)) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids.sort((a, b) => a - b);
}

/** The Functions host's language workers: its children running language-worker.js. */
export const workerPids = (host = process.pid) => childPids("language-worker", host);

/** CPU seconds `pid` has used so far (user + system), from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime are fields 14 and 15 of stat(5), in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** The Functions host's (first) language worker: the one that runs orchestrations and activities. */
export function workerPid(): number | undefined {
  return workerPids()[0];
}
