// The day-2 update end to end on the whole local stack, in a child process so that
// NODE_EXTRA_CA_CERTS (the emulators' CA) is in place when Node starts (update-scenario.ts).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { ensureCa } from "../../harness/stack.js";

const SCRIPT = fileURLToPath(new URL("./update-scenario.js", import.meta.url));

describe("updates end to end", () => {
  it("after the tutorial's create, updateCluster scales to 3 nodes, adds a namespace with a workload, a policy and expectations, upgrades one minor version and verifies again; a later update prunes the namespace", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "aksv-e2e-update-"));
    try {
      const ca = await ensureCa(stateDir);
      const child = spawn(process.execPath, [SCRIPT, stateDir], {
        env: { ...process.env, NODE_EXTRA_CA_CERTS: ca },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout.on("data", (d: Buffer) => (output += d.toString()));
      child.stderr.on("data", (d: Buffer) => (output += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
      assert.equal(code, 0, `update scenario failed:\n${output}`);
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
