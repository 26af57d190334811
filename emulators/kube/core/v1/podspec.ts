// PodSpec defaulting and validation, shared by Pods and the pod templates of Deployments and Jobs.
import { checkDns1123Label } from "../../../../shared/kube/names.js";
import { goValue, type FieldError } from "../../machinery/status.js";
import { isJsonObject, type JsonObject } from "../../machinery/types.js";

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: string;
}

export interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  ports?: ContainerPort[];
}

export interface PodSpec {
  containers: Container[];
  restartPolicy?: "Always" | "OnFailure" | "Never";
  nodeName?: string;
  hostNetwork?: boolean;
}

export function defaultPodSpec(spec: JsonObject): void {
  spec["restartPolicy"] ??= "Always";
  spec["dnsPolicy"] ??= "ClusterFirst";
  spec["schedulerName"] ??= "default-scheduler";
  spec["terminationGracePeriodSeconds"] ??= 30;
  spec["securityContext"] ??= {};
  spec["enableServiceLinks"] ??= true;
  if (spec["serviceAccountName"] === undefined) spec["serviceAccountName"] = "default";
  spec["serviceAccount"] ??= spec["serviceAccountName"];
  for (const listName of ["containers", "initContainers"]) {
    const list = spec[listName];
    if (!Array.isArray(list)) continue;
    for (const c of list) {
      if (!isJsonObject(c)) continue;
      const image = typeof c["image"] === "string" ? c["image"] : "";
      const tag = image.includes("@") ? "digest" : (/:([^/:]+)$/.exec(image)?.[1] ?? "latest");
      c["imagePullPolicy"] ??= tag === "latest" ? "Always" : "IfNotPresent";
      c["terminationMessagePath"] ??= "/dev/termination-log";
      c["terminationMessagePolicy"] ??= "File";
      c["resources"] ??= {};
      if (Array.isArray(c["ports"])) for (const p of c["ports"]) if (isJsonObject(p)) p["protocol"] ??= "TCP";
    }
  }
}

export function podSpecErrors(spec: unknown, path: string): FieldError[] {
  const out: FieldError[] = [];
  if (!isJsonObject(spec)) return [{ type: "FieldValueRequired", field: path }];
  const containers = spec["containers"];
  if (!Array.isArray(containers) || containers.length === 0)
    out.push({ type: "FieldValueRequired", field: `${path}.containers` });
  const seen = new Set<string>();
  for (const [i, c] of (Array.isArray(containers) ? containers : []).entries()) {
    const at = `${path}.containers[${i}]`;
    if (!isJsonObject(c)) continue;
    const name = c["name"];
    if (typeof name !== "string" || name === "")
      out.push({ type: "FieldValueRequired", field: `${at}.name` });
    else if (checkDns1123Label(name))
      out.push({
        type: "FieldValueInvalid",
        field: `${at}.name`,
        badValue: goValue(name),
        detail:
          "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
      });
    else if (seen.has(name))
      out.push({ type: "FieldValueDuplicate", field: `${at}.name`, badValue: goValue(name) });
    if (typeof name === "string") seen.add(name);
    if (typeof c["image"] !== "string" || c["image"].trim() === "")
      out.push({ type: "FieldValueRequired", field: `${at}.image` });
    for (const [j, p] of (Array.isArray(c["ports"]) ? c["ports"] : []).entries()) {
      if (!isJsonObject(p)) continue;
      const port = p["containerPort"];
      if (typeof port !== "number" || port < 1 || port > 65535)
        out.push({
          type: "FieldValueInvalid",
          field: `${at}.ports[${j}].containerPort`,
          badValue: goValue(port ?? 0),
          detail: "must be between 1 and 65535, inclusive",
        });
    }
  }
  const restart = spec["restartPolicy"];
  if (restart !== undefined && !["Always", "OnFailure", "Never"].includes(restart as string))
    out.push({
      type: "FieldValueNotSupported",
      field: `${path}.restartPolicy`,
      badValue: `${goValue(restart)}: supported values: "Always", "OnFailure", "Never"`,
    });
  return out;
}
