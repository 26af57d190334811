// The security and operations surface of a managedClusters PUT, as AKS checks and answers it: sku,
// OIDC issuer (with its issuerURL), workload identity, add-ons (azurepolicy, omsagent: each gets the
// identity AKS creates for it in the node resource group), auto-upgrade channels, API server access
// (authorized ranges or a private cluster, with privateFQDN), and each pool's autoscaler and zones.
// Errors are AKS's: InvalidParameter with the wire property as target.
import { createHash } from "node:crypto";
import { parseCidr } from "../../../shared/network/cidr.js";
import { regionHasZones } from "../../../shared/spec/regions.js";
import type { Json, JsonObject } from "../core/store.js";
import { guidFrom } from "../identity/issuer.js";
import { ContainerServiceErrors } from "./errors.js";
import type { AgentPoolProfile } from "./validation.js";

const invalid = ContainerServiceErrors.InvalidParameter;
const SKU_TIERS = ["Free", "Standard", "Premium"];
const UPGRADE_CHANNELS = ["none", "patch", "stable", "rapid", "node-image"];
const NODE_OS_CHANNELS = ["None", "Unmanaged", "NodeImage", "SecurityPatch"];
const ADDONS_WITH_IDENTITY = ["azurepolicy", "omsagent"];

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {});

export interface ClusterFacts {
  sub: string;
  name: string;
  location: string;
  tenantId: string;
  nodeResourceGroup: string;
  dnsPrefix: string;
  clusterId: string;
  /** The stored properties before this PUT (an update). */
  before?: Obj;
}

/** Checks one pool's autoscaler and zones as AKS does. */
export function validatePoolOptions(pool: AgentPoolProfile, location: string): void {
  const target = "agentPoolProfile";
  if (pool["enableAutoScaling"] === true) {
    const min = pool["minCount"];
    const max = pool["maxCount"];
    if (typeof min !== "number" || typeof max !== "number")
      throw invalid(
        `Agent pool '${pool.name}': minCount and maxCount must be set when enableAutoScaling is true.`,
        `${target}.minCount`,
      );
    if (min > max)
      throw invalid(
        `Agent pool '${pool.name}': maxCount ${max} must be greater than or equal to minCount ${min}.`,
        `${target}.maxCount`,
      );
    if (pool.count < min || pool.count > max)
      throw invalid(
        `Agent pool '${pool.name}': count ${pool.count} must be between minCount ${min} and maxCount ${max}.`,
        `${target}.count`,
      );
  } else if (pool["minCount"] != null || pool["maxCount"] != null)
    throw invalid(
      `Agent pool '${pool.name}': minCount and maxCount may only be set when enableAutoScaling is true.`,
      `${target}.enableAutoScaling`,
    );
  const zones = pool["availabilityZones"];
  if (zones === undefined || zones === null) return;
  if (!Array.isArray(zones) || zones.some((z) => !["1", "2", "3"].includes(String(z))))
    throw invalid(
      `Agent pool '${pool.name}': availability zones must be "1", "2" or "3".`,
      `${target}.availabilityZones`,
    );
  if (zones.length > 0 && !regionHasZones(location))
    throw invalid(
      `The availability zones [${zones.join(" ")}] are not supported in region ${location}.`,
      `${target}.availabilityZones`,
    );
}

function validateAccess(p: Obj): void {
  const access = obj(p["apiServerAccessProfile"]);
  const ranges = access["authorizedIPRanges"];
  if (ranges === undefined || ranges === null) return;
  if (!Array.isArray(ranges))
    throw invalid("authorizedIPRanges must be a list.", "apiServerAccessProfile.authorizedIPRanges");
  if (ranges.length > 0 && access["enablePrivateCluster"] === true)
    throw invalid(
      "Private cluster cannot be enabled with AuthorizedIPRanges.",
      "apiServerAccessProfile.authorizedIPRanges",
    );
  if (ranges.length > 200)
    throw invalid(
      "At most 200 authorized IP ranges are allowed.",
      "apiServerAccessProfile.authorizedIPRanges",
    );
  for (const r of ranges) {
    const text = String(r);
    if (!parseCidr(text.includes("/") ? text : `${text}/32`).ok)
      throw invalid(
        `Authorized IP range '${text}' is not a valid IPv4 address or CIDR.`,
        "apiServerAccessProfile.authorizedIPRanges",
      );
  }
  if (ranges.includes("0.0.0.0/32") && ranges.length > 1)
    throw invalid(
      "Setting apiServerAuthorizedIPRange to 0.0.0.0/32 is not allowed with other IP ranges. Refer to https://aka.ms/aks/auth-ip-ranges for more details",
      "apiServerAccessProfile.authorizedIPRanges",
    );
}

/** Checks the options of a PUT (AKS's rules); throws AKS's error. */
export function validateClusterOptions(p: Obj, sku: unknown, before: Obj | undefined): void {
  const tier = obj(sku)["tier"];
  if (tier !== undefined && !SKU_TIERS.includes(String(tier)))
    throw invalid(
      `The SKU tier '${String(tier)}' is not supported; use Free, Standard or Premium.`,
      "sku.tier",
    );
  const oidc = obj(p["oidcIssuerProfile"])["enabled"] === true;
  if (obj(obj(before?.["oidcIssuerProfile"]))["enabled"] === true && !oidc)
    throw invalid("The OIDC issuer cannot be disabled once it is enabled.", "oidcIssuerProfile.enabled");
  if (obj(obj(p["securityProfile"])["workloadIdentity"])["enabled"] === true && !oidc)
    throw invalid(
      "Enabling workload identity requires enabling the OIDC issuer (oidcIssuerProfile.enabled).",
      "securityProfile.workloadIdentity.enabled",
    );
  const addons = obj(p["addonProfiles"]);
  for (const [name, raw] of Object.entries(addons)) {
    const addon = obj(raw);
    if (typeof addon["enabled"] !== "boolean")
      throw invalid(`Addon '${name}' must say whether it is enabled.`, `addonProfiles.${name}.enabled`);
    if (name === "omsagent" && addon["enabled"] && !obj(addon["config"])["logAnalyticsWorkspaceResourceID"])
      throw invalid(
        "The omsagent addon requires config.logAnalyticsWorkspaceResourceID.",
        "addonProfiles.omsagent.config.logAnalyticsWorkspaceResourceID",
      );
  }
  const upgrade = obj(p["autoUpgradeProfile"]);
  const channel = upgrade["upgradeChannel"];
  const nodeOS = upgrade["nodeOSUpgradeChannel"];
  if (channel !== undefined && !UPGRADE_CHANNELS.includes(String(channel)))
    throw invalid(
      `Upgrade channel '${String(channel)}' is not supported.`,
      "autoUpgradeProfile.upgradeChannel",
    );
  if (nodeOS !== undefined && !NODE_OS_CHANNELS.includes(String(nodeOS)))
    throw invalid(
      `Node OS upgrade channel '${String(nodeOS)}' is not supported.`,
      "autoUpgradeProfile.nodeOSUpgradeChannel",
    );
  if (channel === "node-image" && nodeOS !== undefined && nodeOS !== "NodeImage")
    throw invalid(
      "The node OS upgrade channel must be NodeImage when the upgrade channel is node-image.",
      "autoUpgradeProfile.nodeOSUpgradeChannel",
    );
  validateAccess(p);
}

/** The identity AKS creates for an add-on: `<addon>-<cluster>` in the node resource group. */
function addonIdentity(f: ClusterFacts, addon: string): JsonObject {
  const resourceId = `/subscriptions/${f.sub}/resourcegroups/${f.nodeResourceGroup}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${addon}-${f.name}`;
  const key = resourceId.toLowerCase();
  return { resourceId, clientId: guidFrom(`addon-client:${key}`), objectId: guidFrom(`addon-object:${key}`) };
}

/** What AKS adds to the options it stores: issuer URL, add-on identities, private FQDN, defaults. */
export function answeredOptions(
  p: Obj,
  sku: unknown,
  f: ClusterFacts,
): { properties: JsonObject; sku: JsonObject } {
  const out: JsonObject = {};
  const oidc = obj(p["oidcIssuerProfile"])["enabled"] === true;
  // As AKS: https://<region>.oic.prod-aks.azure.com/<tenant>/<cluster guid>/, stable for the cluster.
  out["oidcIssuerProfile"] = {
    enabled: oidc,
    ...(oidc
      ? {
          issuerURL: `https://${f.location}.oic.prod-aks.azure.com/${f.tenantId}/${guidFrom(`oidc:${f.clusterId.toLowerCase()}`)}/`,
        }
      : {}),
  };
  const addons = obj(p["addonProfiles"]);
  if (Object.keys(addons).length > 0)
    out["addonProfiles"] = Object.fromEntries(
      Object.entries(addons).map(([name, raw]) => {
        const addon = obj(raw);
        const withIdentity = addon["enabled"] === true && ADDONS_WITH_IDENTITY.includes(name);
        return [
          name,
          {
            // No `config` when none was given: the spec types it an object (never null).
            ...(addon as JsonObject),
            ...(withIdentity ? { identity: addonIdentity(f, name) } : {}),
          },
        ];
      }),
    );
  const access = obj(p["apiServerAccessProfile"]);
  if (access["enablePrivateCluster"] === true) {
    const hash = createHash("sha256").update(f.clusterId.toLowerCase()).digest("hex");
    out["privateFQDN"] =
      `${f.dnsPrefix.toLowerCase()}-${hash.slice(0, 8)}.${guidFrom(`private:${hash}`)}.privatelink.${f.location}.azmk8s.io`;
  }
  out["autoUpgradeProfile"] = {
    upgradeChannel: "none",
    nodeOSUpgradeChannel: "NodeImage",
    ...(obj(p["autoUpgradeProfile"]) as JsonObject),
  };
  out["securityProfile"] = (p["securityProfile"] as Json | undefined) ?? {};
  const tier = String(obj(sku)["tier"] ?? "Free");
  return { properties: out, sku: { name: "Base", tier } };
}
