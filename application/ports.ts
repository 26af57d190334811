// What the application needs from the outside, as interfaces it owns: the durable task hub (start
// an orchestration by its declaration, read instances, raise events) and the cluster's kubeconfig.
// functions/ adapts durable-functions' DurableClient and ARM to them; tests pass stand-ins.
import type { ClusterTarget } from "../shared/azure/names.js";
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
  getStatusAll(): Promise<Instance[]>;
  terminate(instanceId: string, reason: string): Promise<void>;
  raiseEvent(instanceId: string, eventName: string, eventData: unknown): Promise<void>;
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
