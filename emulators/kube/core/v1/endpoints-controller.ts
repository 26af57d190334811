// The endpoints controller: each selector-bearing Service gets an Endpoints object listing the
// IPs of the pods it selects (ready ones under addresses, others under notReadyAddresses), and
// the endpointslice controller an EndpointSlice with the same pods.
import type { ControllerHost } from "../../controllers.js";
import { matchesLabels } from "../../machinery/selectors.js";
import { rfc3339, type KubeObject } from "../../machinery/types.js";
import { isPodReady, podSpec, podStatus } from "./pods.js";
import { endpoints, serviceSpec, type EndpointSubset, type ServicePort } from "./services.js";
import { randomUUID } from "node:crypto";
import { reconcileEndpointSlices, type SelectedPods } from "../../discovery/v1/endpointslices.js";

function targetPort(port: ServicePort, pod: KubeObject): number | undefined {
  const target = port.targetPort ?? port.port;
  if (typeof target === "number") return target;
  for (const c of podSpec(pod).containers ?? [])
    for (const p of c.ports ?? []) if (p.name === target) return p.containerPort;
  return undefined;
}

export function reconcileEndpoints(host: ControllerHost, namespace: string): void {
  const store = host.ctx.store;
  if (!store.get("/namespaces", undefined, namespace)) return;
  const services = store.list("/services", namespace);
  const pods = store
    .list("/pods", namespace)
    .filter(
      (p) =>
        podStatus(p).podIP &&
        !p.metadata.deletionTimestamp &&
        !["Succeeded", "Failed"].includes(podStatus(p).phase ?? ""),
    );
  const bySlice = new Map<string, SelectedPods>();
  for (const svc of services) {
    const spec = serviceSpec(svc);
    if (!spec.selector) continue;
    const selected = pods.filter((p) =>
      matchesLabels(
        Object.entries(spec.selector!).map(([key, v]) => ({ key, op: "=" as const, values: [v] })),
        p.metadata.labels,
      ),
    );
    bySlice.set(svc.metadata.name!, { svc, pods: selected, targetPort });
    const subsets: EndpointSubset[] = [];
    for (const port of spec.ports ?? []) {
      const byPort = new Map<number, KubeObject[]>();
      for (const p of selected) {
        const n = targetPort(port, p);
        if (n !== undefined) byPort.set(n, [...(byPort.get(n) ?? []), p]);
      }
      for (const [n, group] of byPort) {
        const address = (p: KubeObject) => ({
          ip: podStatus(p).podIP!,
          nodeName: podSpec(p).nodeName,
          targetRef: { kind: "Pod" as const, namespace, name: p.metadata.name!, uid: p.metadata.uid! },
        });
        const ready = group.filter(isPodReady).map(address);
        const notReady = group.filter((p) => !isPodReady(p)).map(address);
        subsets.push({
          ...(ready.length ? { addresses: ready } : {}),
          ...(notReady.length ? { notReadyAddresses: notReady } : {}),
          ports: [{ ...(port.name ? { name: port.name } : {}), port: n, protocol: port.protocol ?? "TCP" }],
        });
      }
    }
    const existing = store.get("/endpoints", namespace, svc.metadata.name!);
    if (existing && JSON.stringify(existing["subsets"] ?? []) === JSON.stringify(subsets)) continue;
    const obj: KubeObject = existing ?? {
      apiVersion: "v1",
      kind: "Endpoints",
      metadata: {
        name: svc.metadata.name!,
        namespace,
        uid: randomUUID(),
        creationTimestamp: rfc3339(host.ctx.now()),
        labels: svc.metadata.labels ?? {},
      },
    };
    if (subsets.length > 0) obj["subsets"] = subsets;
    else delete obj["subsets"];
    host.writeSystem(endpoints, obj);
  }
  reconcileEndpointSlices(host, namespace, bySlice);
  for (const ep of store.list("/endpoints", namespace))
    if (!services.some((s) => s.metadata.name === ep.metadata.name && serviceSpec(s).selector))
      store.remove("/endpoints", namespace, ep.metadata.name!);
}
