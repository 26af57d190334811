// core/v1 Service (cluster IPs from the service CIDR) and Endpoints (kept in step with the ready
// pods a service selects by the endpoints controller in cluster.ts).
import type { Kind } from "../../context.js";
import { age, ageColumn, nameColumn } from "../../machinery/kinds.js";
import { errors, goValue, type FieldError } from "../../machinery/status.js";
import { isJsonObject, type KubeObject } from "../../machinery/types.js";

export interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
  protocol?: "TCP" | "UDP" | "SCTP";
}

export interface ServiceSpec {
  type?: string;
  selector?: Record<string, string>;
  clusterIP?: string;
  clusterIPs?: string[];
  ports?: ServicePort[];
}

export function serviceSpec(svc: KubeObject): ServiceSpec {
  return (svc["spec"] as ServiceSpec | undefined) ?? {};
}

function portErrors(spec: ServiceSpec): FieldError[] {
  const out: FieldError[] = [];
  const ports = spec.ports ?? [];
  if (ports.length === 0 && spec.clusterIP !== "None" && spec.type !== "ExternalName")
    out.push({ type: "FieldValueRequired", field: "spec.ports" });
  for (const [i, p] of ports.entries()) {
    if (typeof p.port !== "number" || p.port < 1 || p.port > 65535)
      out.push({
        type: "FieldValueInvalid",
        field: `spec.ports[${i}].port`,
        badValue: goValue(p.port ?? 0),
        detail: "must be between 1 and 65535, inclusive",
      });
    if (ports.length > 1 && !p.name) out.push({ type: "FieldValueRequired", field: `spec.ports[${i}].name` });
    if (p.protocol && !["TCP", "UDP", "SCTP"].includes(p.protocol))
      out.push({
        type: "FieldValueNotSupported",
        field: `spec.ports[${i}].protocol`,
        badValue: `${goValue(p.protocol)}: supported values: "SCTP", "TCP", "UDP"`,
      });
  }
  if (spec.type && !["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"].includes(spec.type))
    out.push({
      type: "FieldValueNotSupported",
      field: "spec.type",
      badValue: `${goValue(spec.type)}: supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"`,
    });
  return out;
}

export const services: Kind = {
  group: "",
  version: "v1",
  kind: "Service",
  plural: "services",
  singular: "service",
  shortNames: ["svc"],
  namespaced: true,
  categories: ["all"],
  subresources: ["status"],
  mergeKeys: { "spec.ports": "port" },
  nameRule: "dns1035",
  hasSpec: false,
  applyDefaults(obj) {
    const spec = isJsonObject(obj["spec"]) ? obj["spec"] : (obj["spec"] = {});
    spec["type"] ??= "ClusterIP";
    spec["sessionAffinity"] ??= "None";
    spec["ipFamilies"] ??= ["IPv4"];
    spec["ipFamilyPolicy"] ??= "SingleStack";
    spec["internalTrafficPolicy"] ??= "Cluster";
    if (Array.isArray(spec["ports"]))
      for (const p of spec["ports"]) {
        if (!isJsonObject(p)) continue;
        p["protocol"] ??= "TCP";
        p["targetPort"] ??= p["port"] ?? null;
      }
    obj["status"] ??= { loadBalancer: {} };
  },
  validate(obj, old) {
    const out = portErrors(serviceSpec(obj));
    const ip = serviceSpec(obj).clusterIP;
    const oldIp = old ? serviceSpec(old).clusterIP : undefined;
    if (old && ip !== undefined && ip !== "" && ip !== oldIp)
      out.push({
        type: "FieldValueInvalid",
        field: "spec.clusterIPs[0]",
        badValue: goValue(ip),
        detail: "may not change once set",
      });
    return out;
  },
  beforeCreate(obj, ctx) {
    const spec = obj["spec"] as ServiceSpec;
    if (spec.type === "ExternalName" || spec.clusterIP === "None") return;
    const name = obj.metadata.name!;
    let ip = spec.clusterIP;
    if (ip) {
      const problem = !ctx.ipam.services.contains(ip)
        ? `failed to allocate IP ${ip}: the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${ctx.ipam.config.serviceCidr}`
        : ctx.ipam.services.isUsed(ip)
          ? `failed to allocate IP ${ip}: provided IP is already allocated`
          : undefined;
      if (problem)
        throw errors.invalid("", "Service", name, [
          {
            type: "FieldValueInvalid",
            field: "spec.clusterIPs",
            badValue: `[]string{"${ip}"}`,
            detail: problem,
          },
        ]);
      ctx.ipam.services.markUsed(ip);
    } else {
      ip = ctx.ipam.services.allocate();
      if (!ip) throw errors.internal("failed to allocate a serviceIP: range is full");
    }
    spec.clusterIP = ip;
    spec.clusterIPs = [ip];
  },
  afterDelete(obj, ctx) {
    const ip = serviceSpec(obj).clusterIP;
    if (ip && ip !== "None") ctx.ipam.services.release(ip);
  },
  table: {
    columns: [
      nameColumn,
      { name: "Type", type: "string", description: "The type of the service.", priority: 0 },
      { name: "Cluster-IP", type: "string", description: "The cluster IP of the service.", priority: 0 },
      { name: "External-IP", type: "string", description: "The external IP of the service.", priority: 0 },
      { name: "Port(s)", type: "string", description: "The ports of the service.", priority: 0 },
      ageColumn,
      { name: "Selector", type: "string", description: "The selector of the service.", priority: 1 },
    ],
    cells(o, now) {
      const spec = serviceSpec(o);
      const ports = (spec.ports ?? []).map((p) => `${p.port}/${p.protocol ?? "TCP"}`).join(",");
      const selector = Object.entries(spec.selector ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(",");
      return [
        o.metadata.name!,
        spec.type ?? "ClusterIP",
        spec.clusterIP ?? "<none>",
        "<none>",
        ports || "<none>",
        age(o.metadata.creationTimestamp, now),
        selector || "<none>",
      ];
    },
  },
};

export interface EndpointSubset {
  addresses?: {
    ip: string;
    nodeName?: string;
    targetRef: { kind: "Pod"; namespace: string; name: string; uid: string };
  }[];
  notReadyAddresses?: EndpointSubset["addresses"];
  ports?: { name?: string; port: number; protocol: string }[];
}

export const endpoints: Kind = {
  group: "",
  version: "v1",
  kind: "Endpoints",
  plural: "endpoints",
  singular: "endpoints",
  shortNames: ["ep"],
  namespaced: true,
  categories: [],
  subresources: [],
  mergeKeys: {},
  hasSpec: false,
  table: {
    columns: [
      nameColumn,
      { name: "Endpoints", type: "string", description: "Endpoints of the service", priority: 0 },
      ageColumn,
    ],
    cells(o, now) {
      const subsets = (o["subsets"] as EndpointSubset[] | undefined) ?? [];
      const list = subsets.flatMap((s) =>
        (s.addresses ?? []).flatMap((a) => (s.ports ?? []).map((p) => `${a.ip}:${p.port}`)),
      );
      return [
        o.metadata.name!,
        list.length
          ? list.slice(0, 3).join(",") + (list.length > 3 ? ` + ${list.length - 3} more...` : "")
          : "<none>",
        age(o.metadata.creationTimestamp, now),
      ];
    },
  },
};
