// core/v1 Event: storage, kubectl's table, and the events the scheduler and kubelet record.
import { randomUUID } from "node:crypto";
import type { Kind } from "../../context.js";
import { age } from "../../machinery/kinds.js";
import type { KubeObject } from "../../machinery/types.js";

/** Events: the scheduler's and kubelet's records of what happened to a pod (kubectl describe). */
export const events: Kind = {
  group: "",
  version: "v1",
  kind: "Event",
  plural: "events",
  singular: "event",
  shortNames: ["ev"],
  namespaced: true,
  categories: [],
  subresources: [],
  mergeKeys: {},
  hasSpec: false,
  table: {
    columns: [
      { name: "Last Seen", type: "string", description: "Time since the event was last seen", priority: 0 },
      { name: "Type", type: "string", description: "Normal or Warning", priority: 0 },
      { name: "Reason", type: "string", description: "Why the event happened", priority: 0 },
      { name: "Object", type: "string", description: "The object the event is about", priority: 0 },
      { name: "Message", type: "string", description: "A human-readable description", priority: 0 },
    ],
    cells: (o, now) => {
      const involved = (o["involvedObject"] as { kind?: string; name?: string } | undefined) ?? {};
      return [
        age(o["lastTimestamp"] as string | undefined, now),
        String(o["type"] ?? ""),
        String(o["reason"] ?? ""),
        `${(involved.kind ?? "").toLowerCase()}/${involved.name ?? ""}`,
        String(o["message"] ?? ""),
      ];
    },
  },
};

let eventSequence = 0;

/** An Event about `involved`, as the scheduler or kubelet records it. */
export function eventFor(
  involved: KubeObject,
  reason: string,
  message: string,
  component: "default-scheduler" | "kubelet",
  at: string,
  type: "Normal" | "Warning" = "Normal",
): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: {
      // Like the kubelet's names: the object's name and a hex timestamp (so names sort in time order).
      name: `${involved.metadata.name}.${(BigInt(Date.parse(at)) * 1_000_000n + BigInt(++eventSequence % 1_000_000)).toString(16)}`,
      namespace: involved.metadata.namespace ?? "default",
      uid: randomUUID(),
      creationTimestamp: at,
    },
    involvedObject: {
      kind: involved.kind,
      namespace: involved.metadata.namespace,
      name: involved.metadata.name,
      uid: involved.metadata.uid,
      apiVersion: involved.apiVersion,
      resourceVersion: involved.metadata.resourceVersion,
    },
    reason,
    message,
    source: {
      component,
      ...(component === "kubelet"
        ? { host: String((involved["spec"] as { nodeName?: string } | undefined)?.nodeName ?? "") }
        : {}),
    },
    firstTimestamp: at,
    lastTimestamp: at,
    count: 1,
    type,
    eventTime: null,
    reportingComponent: component,
    reportingInstance: "",
  };
}
