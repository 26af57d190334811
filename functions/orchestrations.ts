// The application's Orchestrations port over durable-functions' DurableClient. Kept apart from the
// HTTP routes (which register themselves on import) so that tests can put it over a client of their own.
import type * as df from "durable-functions";
import type { Instance, Orchestrations } from "../application/ports.js";

/** The port over `client`; a 404 from the extension is "no such instance". */
export function orchestrationsOf(client: df.DurableClient): Orchestrations {
  return {
    start: (orchestration, options) => client.startNew(orchestration.name, options),
    getStatus: async (instanceId): Promise<Instance | undefined> => {
      try {
        return await client.getStatus(instanceId);
      } catch (e) {
        if (e instanceof Error && /\b404\b/.test(e.message)) return undefined;
        throw e;
      }
    },
    terminate: (instanceId, reason) => client.terminate(instanceId, reason),
    raiseEvent: (instanceId, eventName, eventData) => client.raiseEvent(instanceId, eventName, eventData),
  };
}

/**
 * Every instance in the task hub (the client follows the continuation tokens). For the one-time
 * index backfill (application/backfill.ts) only: no request lists the hub.
 */
export function allInstancesOf(client: df.DurableClient): () => Promise<Instance[]> {
  return () => client.getStatusBy({});
}
