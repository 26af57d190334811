// clusterQuotaSlot: one held quota slot of a team (see shared/provision/quota.ts). It waits for
// `release` events and completes only on one naming its own holder, so a late or stale release
// (for a holder that has since lost the slot) can never free the slot of the cluster now holding it.
import { ORCHESTRATION } from "../shared/provision/durable.js";
import { RELEASE_EVENT, releases } from "../shared/provision/quota.js";
import { orchestrator } from "./durable.js";

export const clusterQuotaSlot = orchestrator(ORCHESTRATION.clusterQuotaSlot, function* (ctx, input) {
  for (;;) {
    const event: unknown = yield ctx.df.waitForExternalEvent(RELEASE_EVENT);
    if (releases(input, ctx.df.instanceId, event)) return input;
  }
});
