// `npm run bench`, small: the provisioning benchmark and its scale run on the whole local stack, as a
// maintainer runs them, with a handful of clusters at a small time scale. Not a measurement (the
// figures are bench/README.md's): it proves the benchmarks still run against the app as it is now
// (every cluster Succeeded, no POST refused) and that their JSON carries every key issue 19 names.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { ROOT } from "../../../harness/stack.js";

const run = promisify(execFile);

const SCALE_KEYS = [
  "instancesInHub",
  "concurrentClusters",
  "succeeded",
  "wallSeconds",
  "postP50Ms",
  "postP99Ms",
  "getP99Ms",
  "listP99Ms",
  "workerPeakRssMiB",
  "hostPeakRssMiB",
  "clustersPerMinute",
  "throttleBoundClustersPerMinute",
] as const;
const PROVISION_KEYS = ["overheadRatio", "armReads", "armReadsMinimum", "armReadsRatio"] as const;

test("npm run bench, small: the tutorial, N at once and the scale run all Succeeded, with every figure", async () => {
  const { stdout } = await run(
    process.execPath,
    [
      join(ROOT, "dist/bench/provision.js"),
      ...["--time-scale", "0.01", "--concurrent", "2"],
      ...[
        "--scale-time-scale",
        "0.01",
        "--scale-concurrent",
        "6",
        "--scale-fill",
        "30",
        "--scale-teams",
        "2",
      ],
    ],
    { cwd: ROOT, maxBuffer: 16 * 1024 * 1024, timeout: 300_000 },
  );
  const out = JSON.parse(stdout) as {
    provision: Record<string, unknown>;
    concurrent: { clusters: number; succeeded: number };
    scale: Record<string, unknown>;
  };
  assert.equal(out.provision["phase"], "Succeeded");
  assert.deepEqual(out.concurrent, { ...out.concurrent, clusters: 2, succeeded: 2 });
  for (const k of PROVISION_KEYS) assert.equal(typeof out.provision[k], "number", `provision.${k}`);
  assert.ok((out.provision["armReads"] as number) >= (out.provision["armReadsMinimum"] as number));

  const scale = out.scale;
  for (const k of SCALE_KEYS) assert.equal(typeof scale[k], "number", `scale.${k}`);
  assert.deepEqual(scale["refusedPosts"], []);
  assert.deepEqual(scale["failures"], {});
  assert.equal(scale["concurrentClusters"], 6);
  assert.equal(scale["succeeded"], 6);
  // POSTed 25 a second, the six ran at once (one takes seconds even at this time scale); the wall
  // time runs to the last cluster's end as the task hub recorded it, before the reads saw it.
  assert.equal(scale["peakRunningProvisions"], 6);
  assert.ok((scale["wallSeconds"] as number) > 0);
  assert.ok((scale["wallSeconds"] as number) <= (scale["observedSeconds"] as number));
  // The filled instances are in the hub when the run starts (and every cluster's own after them).
  assert.ok((scale["instancesInHub"] as number) >= 30, `instancesInHub ${String(scale["instancesInHub"])}`);
  assert.ok((scale["workerPeakRssMiB"] as number) > 0 && (scale["hostPeakRssMiB"] as number) > 0);
});
