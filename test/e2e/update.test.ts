// The day-2 update end to end on the whole local stack (update-scenario.ts, in its own process).
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { runScenarioProcess } from "../helpers/scenario-process.js";

const SCRIPT = fileURLToPath(new URL("./update-scenario.js", import.meta.url));

describe("updates end to end", () => {
  it("after the tutorial's create, updateCluster scales to 3 nodes, adds a namespace with a workload, a policy and expectations, upgrades one minor version and verifies again; a later update prunes the namespace", () =>
    runScenarioProcess(SCRIPT, [], "update"));
});
