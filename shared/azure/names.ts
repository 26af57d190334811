// Deterministic names and resource ids: the same request always means the same resources and the
// same orchestration, so a retry, a replay after a crash or a duplicate POST never creates twice.
import { createHash } from "node:crypto";

/** Built-in role definition ids (the same GUID in every tenant). */
export const ROLE_DEFINITIONS = {
  networkContributor: "4d97b98b-1d4f-4787-a291-c67834d212e7",
  // Azure RBAC for Kubernetes authorization (the built-in "Azure Kubernetes Service RBAC …" roles).
  aksRbacClusterAdmin: "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b",
  aksRbacAdmin: "3498e952-d568-435e-9b2c-8d77e338d7f7",
  aksRbacWriter: "a7ffa36f-339b-4b5c-8bdf-e2c188b2c0eb",
  aksRbacReader: "7f6c6a51-bcf8-42ba-9220-52d62157d7db",
} as const;

/** Entra ID's application id of the AKS AAD server: the audience of tokens for an AKS API server. */
export const AKS_SERVER_APP_ID = "6dae42f8-4368-4678-94ff-3960e28e3630";

/** RFC 4122 URL namespace, used as the namespace of our name-based UUIDs. */
const NAMESPACE_URL = "6ba7b811-9dad-11d1-80b4-00c04fd430c8";

/** A name-based (version 5, SHA-1) UUID, as Bicep's guid() and ARM templates produce stable names. */
export function uuidV5(name: string, namespace: string = NAMESPACE_URL): string {
  const ns = Buffer.from(namespace.replace(/-/g, ""), "hex");
  const hash = createHash("sha1").update(ns).update(name, "utf8").digest();
  const b = Buffer.from(hash.subarray(0, 16));
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = b.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The full role definition id ARM expects in a role assignment at a scope in `subscriptionId`. */
export function roleDefinitionId(subscriptionId: string, roleGuid: string): string {
  return `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`;
}

/**
 * guid(scope, principalId, roleDefinition): ARM allows one assignment per (scope, principal, role),
 * so deriving the name from exactly that triple makes a repeated PUT land on the same assignment.
 */
export function roleAssignmentName(scope: string, principalId: string, roleGuid: string): string {
  return uuidV5(`${scope.toLowerCase()}|${principalId.toLowerCase()}|${roleGuid.toLowerCase()}`);
}

export interface ClusterTarget {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}

function shortHash(text: string, chars: number): string {
  return createHash("sha256").update(text).digest("hex").slice(0, chars);
}

/**
 * The orchestration instance id of a cluster: readable (starts with the name, so operators can find
 * it) and unique per (subscription, resource group, name), compared case-insensitively as ARM does.
 */
export function provisionInstanceId(t: ClusterTarget): string {
  const key = `${t.subscriptionId}/${t.resourceGroup}/${t.name}`.toLowerCase();
  return `aksv-${t.name.toLowerCase()}-${shortHash(key, 16)}`;
}

/** The prefix every instance id of clusters named `name` starts with. */
export function instanceIdPrefix(name: string): string {
  return `aksv-${name.toLowerCase()}-`;
}

export function deprovisionInstanceId(provisionId: string): string {
  return `${provisionId}-delete`;
}

/** The instance id of the update that brings the cluster created as `provisionId` to `generation` (≥ 2). */
export function updateInstanceId(provisionId: string, generation: number): string {
  return `${provisionId}-g${generation}`;
}

/** The instance id of the cluster's drift monitor (one per cluster created as `provisionId`). */
export function driftInstanceId(provisionId: string): string {
  return `${provisionId}-drift`;
}

/** Resource names derived from a cluster name when the request does not give them. */
export function identityName(clusterName: string): string {
  return `id-${clusterName}`;
}

export const ids = {
  resourceGroup: (t: ClusterTarget) => `/subscriptions/${t.subscriptionId}/resourceGroups/${t.resourceGroup}`,
  vnet: (t: ClusterTarget, vnet: string) =>
    `${ids.resourceGroup(t)}/providers/Microsoft.Network/virtualNetworks/${vnet}`,
  subnet: (t: ClusterTarget, vnet: string, subnet: string) => `${ids.vnet(t, vnet)}/subnets/${subnet}`,
  identity: (t: ClusterTarget, name: string) =>
    `${ids.resourceGroup(t)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}`,
  cluster: (t: ClusterTarget) =>
    `${ids.resourceGroup(t)}/providers/Microsoft.ContainerService/managedClusters/${t.name}`,
  roleAssignment: (scope: string, name: string) =>
    `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`,
};

/** A DNS prefix AKS accepts: 1-54 letters, digits and '-', starting and ending alphanumeric. */
export function dnsPrefix(clusterName: string): string {
  const cleaned = clusterName
    .replace(/[^A-Za-z0-9-]/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 54)
    .replace(/-+$/, "");
  return cleaned || "aks";
}
