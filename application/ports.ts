// What the application needs from the outside, as interfaces it owns: the durable task hub (start
// an orchestration by its declaration, read instances, raise events), the app's index and quota rows
// in Table storage, and the cluster's kubeconfig.
// functions/ adapts durable-functions' DurableClient and ARM to them; tests pass stand-ins.
import type { ClusterTarget } from "../shared/azure/names.js";
import type { IndexEntry, IndexRow, QuotaHolder, QuotaRow } from "../shared/state/cluster-table.js";
import type { Orchestration } from "../shared/provision/durable.js";
import type { InstanceView } from "../shared/provision/status.js";

/** A durable instance as the task hub reports it. */
export interface Instance extends InstanceView {
  instanceId: string;
  /** The orchestration's name (see `isInstanceOf`). */
  name: string;
}

/** The durable client operations the application uses. */
export interface Orchestrations {
  /**
   * Starts `orchestration` as `instanceId` with an input of its declared type. Refused (rejects)
   * while an instance with that id is still running.
   */
  start<I, O>(
    orchestration: Orchestration<I, O>,
    options: { instanceId: string; input: NoInfer<I> },
  ): Promise<string>;
  /** The instance, or undefined when the task hub has none of that id. */
  getStatus(instanceId: string): Promise<Instance | undefined>;
  terminate(instanceId: string, reason: string): Promise<void>;
  raiseEvent(instanceId: string, eventName: string, eventData: unknown): Promise<void>;
}

/**
 * The index of clusters beside the task hub (shared/state/cluster-table.ts): what a name or a team
 * leads to, so that no request scans the hub. Point reads and one partition per team.
 */
export interface ClusterIndex {
  byName(name: string): Promise<IndexRow | undefined>;
  put(entry: IndexEntry): Promise<void>;
  /** Replaces the name's entry if its row is still at `etag` (false: another change came first). */
  advance(entry: IndexEntry, etag: string): Promise<boolean>;
  /** A team's clusters, or every team's when `team` is undefined. */
  list(team: string | undefined): Promise<IndexEntry[]>;
}

/** One row per team holding the clusters counted against its quota, changed with optimistic concurrency. */
export interface QuotaStore {
  quota(team: string): Promise<QuotaRow>;
  /** False when the row changed since it was read as `etag` (read again, decide again). */
  writeQuota(team: string, holders: QuotaHolder[], etag: string | undefined): Promise<boolean>;
}

/** Is `instance` a run of `orchestration`? */
export function isInstanceOf(
  instance: Pick<Instance, "name">,
  orchestration: Orchestration<never, unknown>,
): boolean {
  return instance.name === orchestration.name;
}

/** The cluster's user kubeconfig (ARM's listClusterUserCredential); never logged, never stored. */
export type UserKubeconfig = (target: ClusterTarget) => Promise<string>;
