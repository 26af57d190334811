// The ClusterSpec's identity and access settings: AKS-managed Microsoft Entra ID with Azure RBAC for
// Kubernetes authorization, and whether the cluster's local accounts (the static admin credential)
// are disabled. Both are on by default (README "Security posture"); Entra ID has no opt-out (AKS
// cannot turn it off on a cluster once on), local accounts have one (`disableLocalAccounts: false`).
// Kept apart from schema.ts so the other cluster settings can grow beside them.
import { z } from "zod";
import { addProblem } from "../validation/problems.js";

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
        description:
          "The Entra tenant of the cluster's users; the deployment's tenant (AKSV_TENANT_ID) when absent, else the subscription's",
        pattern: GUID.source,
      }),
  })
  .prefault({})
  .meta({
    description:
      "Microsoft Entra ID for the cluster's API (AKS's aadProfile), always on: users and groups sign in with Entra ID and Azure role assignments decide what they may do",
  });

export const DisableLocalAccountsSchema = z.boolean().default(true).meta({
  description:
    "Disable the static admin credential (listClusterAdminCredential): every caller signs in with Entra ID. false keeps local accounts (a break-glass credential ARM hands to whoever may list it)",
});
