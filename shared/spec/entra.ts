// The ClusterSpec's identity and access settings: AKS-managed Microsoft Entra ID with Azure RBAC for
// Kubernetes authorization, and whether the cluster's local accounts (the static admin credential)
// are disabled. Kept apart from schema.ts so the other cluster settings can grow beside them.
import { z } from "zod";
import { addProblem } from "../validation/problems.js";
import type { Problem } from "../validation/problems.js";

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export const AadProfileSchema = z
  .strictObject({
    managed: z.literal(true).default(true).meta({
      description:
        "AKS-managed Microsoft Entra integration (the legacy integration with client and server apps is retired)",
    }),
    enableAzureRBAC: z.literal(true).default(true).meta({
      description:
        "Azure RBAC for Kubernetes authorization: access to the cluster's API follows Azure role assignments",
    }),
    tenantID: z
      .string()
      .superRefine((value, ctx) => {
        if (!GUID.test(value))
          addProblem(ctx, "InvalidTenantId", `"${value}" is not a valid tenant id: expected a GUID`);
      })
      .optional()
      .meta({
        description: "The Entra tenant of the cluster's users; the subscription's tenant when absent",
        pattern: GUID.source,
      }),
  })
  .meta({
    description:
      "Microsoft Entra ID for the cluster's API (AKS's aadProfile): users and groups sign in with Entra ID and Azure role assignments decide what they may do",
  });

export const DisableLocalAccountsSchema = z.boolean().meta({
  description:
    "Disable the static admin credential (listClusterAdminCredential): every caller signs in with Entra ID. Default true with aadProfile, and it requires aadProfile",
});

/**
 * AKS's rule: local accounts can only be disabled on a cluster with Entra ID integration. And ours:
 * `access` is Azure RBAC for Kubernetes, which only a cluster with Entra ID has.
 */
export function checkLocalAccounts(doc: Record<string, unknown>): Problem[] {
  const entra = doc["aadProfile"] !== undefined && doc["aadProfile"] !== null;
  const problems: Problem[] = [];
  if (doc["disableLocalAccounts"] === true && !entra)
    problems.push({
      path: "disableLocalAccounts",
      code: "LocalAccountsRequireEntraId",
      message:
        "disableLocalAccounts can only be set on a cluster with Microsoft Entra ID integration: add aadProfile (as AKS requires since Kubernetes 1.25)",
    });
  if (doc["access"] !== undefined && !entra)
    problems.push({
      path: "access",
      code: "AccessRequiresEntraId",
      message:
        "access grants Azure RBAC for Kubernetes, which needs Microsoft Entra ID integration: add aadProfile",
    });
  return problems;
}

/** disableLocalAccounts after defaulting: on wherever Entra ID is. */
export function localAccountsDisabled(spec: {
  aadProfile?: unknown;
  disableLocalAccounts?: boolean;
}): boolean {
  return spec.disableLocalAccounts ?? spec.aadProfile !== undefined;
}
