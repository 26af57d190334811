// PLACEHOLDER, replaced at merge by the real updateCluster (issue 16, item 1): declared here so
// that the drift monitor can call it for a repair. It changes nothing and says so; the monitor
// repairs Kubernetes drift on its own (seedNamespace) and reports the rest as not repaired.
import { ORCHESTRATION } from "../shared/provision/durable.js";
import type { ProvisionOutput } from "../shared/provision/types.js";
import { orchestrator, type Flow } from "./durable.js";

export const updateCluster = orchestrator(
  ORCHESTRATION.updateCluster,
  // eslint-disable-next-line require-yield -- a placeholder that schedules nothing
  function* (_ctx, input): Flow<ProvisionOutput> {
    return {
      phase: "Failed",
      generation: input.observedGeneration,
      outputs: {},
      error: {
        code: "UpdateNotAvailable",
        message: "updates are not available in this build",
        step: "update",
      },
    };
  },
);
