// Benchmarks that run the whole local stack: the app must trust the emulators' CA from process
// start (NODE_EXTRA_CA_CERTS is read once), so the benchmark re-runs itself in a child that has it,
// with a temporary state directory, and prints what `main` returns as JSON.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureCa } from "../harness/stack.js";

export async function runInStackChild(
  script: string,
  main: (stateDir: string) => Promise<Record<string, unknown>>,
): Promise<void> {
  if (process.env["AKSV_BENCH_CHILD"]) {
    console.log(JSON.stringify(await main(process.env["AKSV_STATE_DIR"]!), null, 2));
    return;
  }
  const stateDir = mkdtempSync(join(tmpdir(), "aksv-bench-"));
  try {
    const ca = await ensureCa(stateDir);
    const r = spawnSync(process.execPath, [script, ...process.argv.slice(2)], {
      env: {
        AKSV_LOG_LEVEL: "error",
        ...process.env,
        NODE_EXTRA_CA_CERTS: ca,
        AKSV_STATE_DIR: stateDir,
        AKSV_BENCH_CHILD: "1",
      },
      stdio: ["ignore", "inherit", "inherit"],
    });
    process.exitCode = r.status ?? 1;
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}
