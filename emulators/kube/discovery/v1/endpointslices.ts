// discovery.k8s.io/v1 EndpointSlice: the endpointslice controller's view of a selector-bearing
// Service beside its Endpoints (one IPv4 slice per service here; the data plane reads Endpoints).
import { randomUUID } from "node:crypto";
import type { Kind } from "../../context.js";
import type { ControllerHost } from "../../controllers.js";
import { isPodReady, podSpec, podStatus } from "../../core/v1/pods.js";
import { serviceSpec, type ServicePort } from "../../core/v1/services.js";
import { age, ageColumn, nameColumn, resourceId } from "../../machinery/kinds.js";
import { randomSuffix } from "../../machinery/rest.js";
import { rfc3339, type KubeObject } from "../../machinery/types.js";

export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";
const MANAGED_BY = "endpointslice.kubernetes.io/managed-by";
const CONTROLLER = "endpointslice-controller.k8s.io";

interface SliceEndpoint {
  addresses: string[];
  conditions: { ready: boolean; serving: boolean; terminating: boolean };
  nodeName?: string;
  targetRef: { kind: "Pod"; namespace: string; name: string; uid: string };
}

export const endpointSlices: Kind = {
  group: "discovery.k8s.io",
  version: "v1",
  kind: "EndpointSlice",
  plural: "endpointslices",
  singular: "endpointslice",
  shortNames: [],
  namespaced: true,
  categories: [],
  subresources: [],
  mergeKeys: {},
  hasSpec: false,
  table: {
    columns: [
      nameColumn,
      { name: "AddressType", type: "string", description: "The IP protocol for this slice", priority: 0 },
      { name: "Ports", type: "string", description: "The ports for this slice", priority: 0 },
      { name: "Endpoints", type: "string", description: "First 3 endpoints in this slice", priority: 0 },
      ageColumn,
    ],
    cells(o, now) {
      const ports = ((o["ports"] as { port?: number }[] | undefined) ?? []).map((p) => String(p.port ?? ""));
      const addresses = ((o["endpoints"] as SliceEndpoint[] | undefined) ?? []).flatMap((e) => e.addresses);
      return [
        o.metadata.name!,
        String(o["addressType"] ?? "IPv4"),
        ports.length ? ports.join(",") : "<unset>",
        addresses.length
          ? addresses.slice(0, 3).join(",") +
            (addresses.length > 3 ? ` + ${addresses.length - 3} more...` : "")
          : "<unset>",
        age(o.metadata.creationTimestamp, now),
      ];
    },
  },
};

/** A selector-bearing Service, the pods it selects, and how its ports resolve on a pod. */
export interface SelectedPods {
  svc: KubeObject;
  pods: KubeObject[];
  targetPort(port: ServicePort, pod: KubeObject): number | undefined;
}

/** Keeps one EndpointSlice per selector-bearing Service of the namespace (keyed by service name). */
export function reconcileEndpointSlices(
  host: ControllerHost,
  namespace: string,
  selected: Map<string, SelectedPods>,
): void {
  const store = host.ctx.store;
  const id = resourceId(endpointSlices);
  const existing = store.list(id, namespace).filter((s) => s.metadata.labels?.[MANAGED_BY] === CONTROLLER);
  for (const { svc, pods, targetPort } of selected.values()) {
    const name = svc.metadata.name!;
    const ports = (serviceSpec(svc).ports ?? []).map((p) => ({
      name: p.name ?? "",
      port:
        pods.map((pod) => targetPort(p, pod)).find((n) => n !== undefined) ??
        (typeof p.targetPort === "number" ? p.targetPort : p.port),
      protocol: p.protocol ?? "TCP",
    }));
    const endpoints: SliceEndpoint[] = pods.map((p) => ({
      addresses: [podStatus(p).podIP!],
      conditions: { ready: isPodReady(p), serving: isPodReady(p), terminating: false },
      ...(podSpec(p).nodeName ? { nodeName: podSpec(p).nodeName } : {}),
      targetRef: { kind: "Pod", namespace, name: p.metadata.name!, uid: p.metadata.uid! },
    }));
    const current = existing.find((s) => s.metadata.labels?.[SERVICE_NAME_LABEL] === name);
    if (
      current &&
      JSON.stringify(current["endpoints"] ?? []) === JSON.stringify(endpoints) &&
      JSON.stringify(current["ports"] ?? []) === JSON.stringify(ports)
    )
      continue;
    const at = rfc3339(host.ctx.now());
    const slice: KubeObject = current ?? {
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: {
        name: `${name}-${randomSuffix()}`,
        generateName: `${name}-`,
        namespace,
        uid: randomUUID(),
        creationTimestamp: at,
        generation: 1,
        labels: { ...svc.metadata.labels, [SERVICE_NAME_LABEL]: name, [MANAGED_BY]: CONTROLLER },
        ownerReferences: [
          {
            apiVersion: "v1",
            kind: "Service",
            name,
            uid: svc.metadata.uid!,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      addressType: "IPv4",
    };
    if (current) slice.metadata.generation = (current.metadata.generation ?? 1) + 1;
    slice.metadata.annotations = { "endpoints.kubernetes.io/last-change-trigger-time": at };
    slice["endpoints"] = endpoints;
    slice["ports"] = ports;
    host.writeSystem(endpointSlices, slice);
  }
  for (const s of existing)
    if (![...selected.keys()].includes(s.metadata.labels?.[SERVICE_NAME_LABEL] ?? ""))
      store.remove(id, namespace, s.metadata.name!);
}
