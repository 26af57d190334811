// updateCluster: a change of an existing cluster (instance `<base>-g<generation>`, started by the
// API's PUT/PATCH). A placeholder until the real flow (apply the difference between previousSpec
// and spec, then verify again) lands: it publishes one running step for the length of an expected
// cluster operation, so the API's rules about running operations (OperationInProgress, a DELETE
// superseding an update) have a running update to act on, then reports the generation reached.
import { ORCHESTRATION } from "../shared/provision/durable.js";
import type { ProvisionCustomStatus, ProvisionOutput } from "../shared/provision/types.js";
import { orchestrator } from "./durable.js";

export const updateCluster = orchestrator(ORCHESTRATION.updateCluster, function* (ctx, input) {
  const startedAt = ctx.df.currentUtcDateTime.toISOString();
  const status: ProvisionCustomStatus = {
    phase: "Provisioning",
    steps: [{ name: "update", status: "Running", startedAt, attempts: 1 }],
    outputs: {},
    warnings: input.warnings,
  };
  ctx.df.setCustomStatus(status);
  const wait = input.timing.clusterCreateFirstPollSeconds * 1000;
  yield ctx.df.createTimer(new Date(ctx.df.currentUtcDateTime.getTime() + wait));
  const finishedAt = ctx.df.currentUtcDateTime.toISOString();
  ctx.df.setCustomStatus({
    ...status,
    phase: "Succeeded",
    steps: [{ name: "update", status: "Succeeded", startedAt, finishedAt, attempts: 1 }],
  });
  const output: ProvisionOutput = { phase: "Succeeded", generation: input.generation, outputs: {} };
  return output;
});
