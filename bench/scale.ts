// Scale benchmark (issue 19), not a test: a task hub filled with instances, then N provisions over
// several teams, all running at once, with ARM's token buckets on; GET and list timed while they
// run. JSON on stdout (the `scale.*` figures of bench/README.md).
//   npm run bench:scale [-- --concurrent 500 --post-rate 25 --fill 2000 --teams 10 --time-scale 0.1]
// --post-rate 0 sends every POST at once (a burst: its answers wait for the CPU the others take).
import { fileURLToPath } from "node:url";
import { parseTimeScale } from "../shared/config/time-scale.js";
import { runInStackChild } from "./child.js";
import { runScale, scaleOptionsFrom } from "./scale-run.js";

await runInStackChild(fileURLToPath(import.meta.url), async (stateDir) => ({
  scale: await runScale(stateDir, scaleOptionsFrom(process.argv, parseTimeScale)),
}));
