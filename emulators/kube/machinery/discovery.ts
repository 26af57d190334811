// Discovery (/api, /apis, /api/v1, /apis/{group}/{version}), /version and /openapi: what kubectl's
// RESTMapper and client-node's KubernetesObjectApi read to turn kinds and short names into paths.
import { groupVersion, type KindDef } from "./kinds.js";

export function versionInfo(kubernetesVersion: string) {
  const [major = "1", minor = "33"] = kubernetesVersion.replace(/^v/, "").split(".");
  const patch = kubernetesVersion.split(".")[2] ?? "0";
  return {
    major,
    minor,
    gitVersion: `v${major}.${minor}.${patch}`,
    gitCommit: "0000000000000000000000000000000000000000",
    gitTreeState: "clean",
    buildDate: "2025-01-01T00:00:00Z",
    goVersion: "go1.24.0",
    compiler: "gc",
    platform: "linux/amd64",
  };
}

export function apiVersions(serverAddress: string) {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }],
  };
}

function groupsOf(kinds: readonly KindDef<never>[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const k of kinds) {
    if (!k.group) continue;
    const versions = groups.get(k.group) ?? [];
    if (!versions.includes(k.version)) versions.push(k.version);
    groups.set(k.group, versions);
  }
  return groups;
}

function apiGroup(name: string, versions: string[]) {
  const list = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }));
  return { name, versions: list, preferredVersion: list[0]! };
}

export function apiGroupList(kinds: readonly KindDef<never>[]) {
  return {
    kind: "APIGroupList",
    apiVersion: "v1",
    groups: [...groupsOf(kinds)].map(([name, versions]) => apiGroup(name, versions)),
  };
}

export function apiGroupDoc(kinds: readonly KindDef<never>[], group: string) {
  const versions = groupsOf(kinds).get(group);
  return versions ? { kind: "APIGroup", apiVersion: "v1", ...apiGroup(group, versions) } : undefined;
}

const SUBRESOURCE_KINDS: Record<string, string> = {
  log: "Pod",
  exec: "PodExecOptions",
  attach: "PodAttachOptions",
};
const SUBRESOURCE_VERBS: Record<string, string[]> = {
  log: ["get"],
  finalize: ["update"],
  exec: ["create", "get"],
  attach: ["create", "get"],
};

const VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

export function apiResourceList(kinds: readonly KindDef<never>[], gv: string) {
  const resources = kinds
    .filter((k) => groupVersion(k) === gv)
    .flatMap((k) => [
      {
        name: k.plural,
        singularName: k.singular,
        namespaced: k.namespaced,
        kind: k.kind,
        verbs: k.verbs ?? (k.plural === "namespaces" ? VERBS.filter((v) => v !== "deletecollection") : VERBS),
        ...(k.shortNames.length > 0 ? { shortNames: k.shortNames } : {}),
        ...(k.categories.length > 0 ? { categories: k.categories } : {}),
        storageVersionHash: Buffer.from(`${gv}/${k.kind}`).toString("base64").slice(0, 11),
      },
      ...k.subresources.map((sub) => ({
        name: `${k.plural}/${sub}`,
        singularName: "",
        namespaced: k.namespaced,
        kind: SUBRESOURCE_KINDS[sub] ?? k.kind,
        verbs: SUBRESOURCE_VERBS[sub] ?? ["get", "patch", "update"],
      })),
    ]);
  if (resources.length === 0) return undefined;
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion: gv, resources };
}
