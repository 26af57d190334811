// Runs an end-to-end scenario script in its own Node process, so that NODE_EXTRA_CA_CERTS (the
// emulators' CA, made for a fresh state directory) is in place when Node starts. The script gets
// its arguments and the state directory last; it exits 0 when it passed.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureCa } from "../../harness/stack.js";

export async function runScenarioProcess(script: string, args: string[], label: string): Promise<void> {
  const stateDir = await mkdtemp(join(tmpdir(), `aksv-e2e-${label}-`));
  try {
    const ca = await ensureCa(stateDir);
    const child = spawn(process.execPath, [script, ...args, stateDir], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: ca },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    assert.equal(
      code,
      0,
      `scenario ${label} failed:\n${output
        .split("\n")
        .filter((l) => !l.startsWith("WARNING"))
        .join("\n")}`,
    );
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
}

/**
 * The other side: a scenario script's main. Runs `scenario` with the state directory (exit 0), or
 * prints the failure (exit 1); wrong arguments print `usage` (exit 2).
 */
export async function scenarioMain(
  scenario: ((stateDir: string) => Promise<void>) | undefined,
  stateDir: string | undefined,
  usage: string,
): Promise<never> {
  if (!scenario || !stateDir) {
    console.error(`usage: ${usage}`);
    process.exit(2);
  }
  try {
    await scenario(stateDir);
    process.exit(0);
  } catch (e) {
    console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
    process.exit(1);
  }
}
