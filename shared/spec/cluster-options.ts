// The cluster's security and operations settings (issue 15, "secure by default"): each a
// ClusterSpec field named as AKS names it, with a safe default. Cross-field rules (workload identity
// needs the OIDC issuer, a private cluster takes no authorized IP ranges, …) are in
// rules/cluster-options.ts; README.md's "Security posture" table gives each default's reason and source.
import { z } from "zod";
import { SPEC_DEFAULTS } from "./defaults.js";
import { boundedInt, patterned } from "./fields.js";

const enabled = (value: boolean, description: string) =>
  z
    .strictObject({ enabled: z.boolean().default(value) })
    .prefault({})
    .meta({ description });

export const SkuSchema = z
  .strictObject({
    tier: z.enum(["Standard", "Free"]).default(SPEC_DEFAULTS.skuTier).meta({
      description:
        "Standard: the financially backed API server uptime SLA and a control plane that scales; Free: no SLA, for tests",
    }),
  })
  .prefault({});

export const OidcIssuerProfileSchema = enabled(
  true,
  "The cluster's OIDC issuer (its service account tokens can be federated with Entra ID); once on, AKS cannot turn it off",
);

export const SecurityProfileSchema = z
  .strictObject({
    workloadIdentity: enabled(
      true,
      "Microsoft Entra Workload ID: pods use federated managed identities instead of secrets (needs the OIDC issuer)",
    ),
  })
  .prefault({});

export const AddonProfilesSchema = z
  .strictObject({
    azurepolicy: enabled(
      true,
      "The Azure Policy add-on (Gatekeeper): Azure Policy's Kubernetes policies are audited or enforced in the cluster",
    ),
  })
  .prefault({});

export const PodSecurityStandardSchema = z
  .strictObject({
    level: z.enum(["baseline", "restricted"]).default("baseline").meta({
      description:
        'The built-in initiative assigned at the cluster: "Kubernetes cluster pod security baseline (or restricted) standards for Linux-based workloads"',
    }),
    effect: z.enum(["audit", "deny"]).default("audit").meta({
      description: "audit reports non-compliant pods; deny refuses them at admission",
    }),
  })
  .meta({
    description:
      "The pod security initiative assigned to the cluster through Azure Policy; defaults to baseline/audit when the azurepolicy add-on is on",
  });

export const AutoUpgradeProfileSchema = z
  .strictObject({
    upgradeChannel: z
      .enum(["patch", "stable", "rapid", "node-image", "none"])
      .default(SPEC_DEFAULTS.upgradeChannel)
      .meta({ description: "Cluster auto-upgrade channel (patch: the latest patch of the current minor)" }),
    nodeOSUpgradeChannel: z
      .enum(["NodeImage", "SecurityPatch", "Unmanaged", "None"])
      .default(SPEC_DEFAULTS.nodeOSUpgradeChannel)
      .meta({ description: "Node OS upgrade channel (NodeImage: a new node image weekly)" }),
  })
  .prefault({});

const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"] as const;
const w = SPEC_DEFAULTS.maintenanceWindow;
export const MaintenanceWindowSchema = z
  .strictObject({
    dayOfWeek: z.enum(DAYS).default(w.dayOfWeek),
    startTime: patterned(
      /^(?:[01]\d|2[0-3]):[0-5]\d$/,
      "InvalidStartTime",
      'start time ("HH:mm", 00:00-23:59)',
    )
      .default(w.startTime)
      .meta({ description: "Start of the window, in utcOffset's time" }),
    durationHours: boundedInt(4, 24, "InvalidDurationHours", "durationHours")
      .default(w.durationHours)
      .meta({ description: "Length of the window: 4 to 24 hours, as AKS requires" }),
    utcOffset: patterned(
      /^[+-](?:0\d|1[0-4]):[0-5]\d$/,
      "InvalidUtcOffset",
      'UTC offset ("+HH:mm" or "-HH:mm")',
    )
      .default(w.utcOffset)
      .meta({ examples: ["+00:00", "+05:30", "-07:00"] }),
    intervalWeeks: boundedInt(1, 4, "InvalidIntervalWeeks", "intervalWeeks")
      .default(w.intervalWeeks)
      .meta({ description: "Every 1 to 4 weeks" }),
  })
  .prefault({})
  .meta({
    description:
      "When AKS may upgrade the cluster and its node images (the aksManagedAutoUpgradeSchedule and aksManagedNodeOSUpgradeSchedule maintenance configurations)",
  });

export const ApiServerAccessProfileSchema = z
  .strictObject({
    authorizedIPRanges: z
      .array(z.string())
      .max(SPEC_DEFAULTS.maxAuthorizedIPRanges)
      .optional()
      .meta({
        description:
          "Public IPv4 addresses or CIDRs allowed to reach the API server; the app's own outbound addresses must be among them",
        examples: [["203.0.113.0/24"]],
      }),
    enablePrivateCluster: z.boolean().default(false).meta({
      description:
        "API server on a private endpoint in the cluster's VNet only; the app must then reach that VNet to seed the cluster",
    }),
  })
  .prefault({});

const WORKSPACE_ID =
  /^\/subscriptions\/[0-9a-fA-F-]{36}\/resourceGroups\/[-\w._()]+\/providers\/Microsoft\.OperationalInsights\/workspaces\/[A-Za-z0-9][-A-Za-z0-9]{2,62}$/i;

export const MonitoringSchema = z
  .strictObject({
    containerInsights: z
      .strictObject({
        logAnalyticsWorkspaceId: patterned(
          WORKSPACE_ID,
          "InvalidWorkspaceId",
          "Log Analytics workspace resource id (/subscriptions/…/providers/Microsoft.OperationalInsights/workspaces/…)",
        ),
      })
      .meta({
        description: "Container Insights (the omsagent add-on, Entra ID authentication) into this workspace",
      }),
  })
  .meta({ description: "Monitoring: off unless asked for" });

export type ParsedPodSecurityStandard = z.output<typeof PodSecurityStandardSchema>;
export type ParsedMaintenanceWindow = z.output<typeof MaintenanceWindowSchema>;
