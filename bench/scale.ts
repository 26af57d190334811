// Scale benchmark (issue 19), not a test: a task hub filled with instances, then N provisions at
// once over several teams with ARM's token buckets on; GET and list timed while they run. JSON on
// stdout (the `scale.*` figures of bench/README.md).
//   npm run bench:scale [-- --concurrent 500 --fill 2000 --teams 10 --time-scale 0.05]
import { fileURLToPath } from "node:url";
import { parseTimeScale } from "../shared/config/time-scale.js";
import { runInStackChild } from "./child.js";
import { runScale, scaleOptionsFrom } from "./scale-run.js";

await runInStackChild(fileURLToPath(import.meta.url), async (stateDir) => ({
  scale: await runScale(stateDir, scaleOptionsFrom(process.argv, parseTimeScale)),
}));
