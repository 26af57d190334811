// The secure-by-default settings (issue 15): every new field's rules with its exact (path, code),
// the defaults a request gets, and what a request may choose instead.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { validateClusterSpec, type ClusterSpec } from "../../../shared/spec/index.js";
import { tutorialRequest } from "../../helpers/examples.js";

type Doc = Record<string, any>;
const WORKSPACE =
  "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-logs/providers/Microsoft.OperationalInsights/workspaces/logs-1";

function errorPairs(doc: Doc): string[] {
  const r = validateClusterSpec(doc);
  return r.ok ? [] : r.errors.map((e) => `${e.path}:${e.code}`).sort();
}

function accept(doc: Doc): { spec: ClusterSpec; warnings: string[] } {
  const r = validateClusterSpec(doc);
  assert.ok(r.ok, r.ok ? "" : JSON.stringify(r.errors));
  return { spec: r.spec, warnings: r.warnings.map((w) => `${w.path}:${w.code}`) };
}

const cases: { name: string; mutate: (d: Doc) => void; errors: string[] }[] = [
  {
    name: "sku tier other than Standard or Free",
    mutate: (d) => void (d.sku = { tier: "Premium" }),
    errors: ["sku.tier:InvalidValue"],
  },
  {
    name: "workload identity without the OIDC issuer",
    mutate: (d) => void (d.oidcIssuerProfile = { enabled: false }),
    errors: ["securityProfile.workloadIdentity.enabled:WorkloadIdentityRequiresOidcIssuer"],
  },
  {
    name: "a pod security initiative without the Azure Policy add-on",
    mutate: (d) => {
      d.addonProfiles = { azurepolicy: { enabled: false } };
      d.podSecurityStandard = { level: "restricted" };
    },
    errors: ["podSecurityStandard:AzurePolicyAddonRequired"],
  },
  {
    name: "an unknown pod security level",
    mutate: (d) => void (d.podSecurityStandard = { level: "privileged" }),
    errors: ["podSecurityStandard.level:InvalidValue"],
  },
  {
    name: "an unknown policy effect",
    mutate: (d) => void (d.podSecurityStandard = { effect: "Disabled" }),
    errors: ["podSecurityStandard.effect:InvalidValue"],
  },
  {
    name: "an unknown upgrade channel",
    mutate: (d) => void (d.autoUpgradeProfile = { upgradeChannel: "latest" }),
    errors: ["autoUpgradeProfile.upgradeChannel:InvalidValue"],
  },
  {
    name: "node-image channel with another node OS channel",
    mutate: (d) =>
      void (d.autoUpgradeProfile = { upgradeChannel: "node-image", nodeOSUpgradeChannel: "SecurityPatch" }),
    errors: ["autoUpgradeProfile.nodeOSUpgradeChannel:NodeOSUpgradeChannelConflict"],
  },
  {
    name: "a maintenance window shorter than AKS's 4 hours",
    mutate: (d) => void (d.maintenanceWindow = { durationHours: 3 }),
    errors: ["maintenanceWindow.durationHours:InvalidDurationHours"],
  },
  {
    name: "a maintenance window longer than 24 hours",
    mutate: (d) => void (d.maintenanceWindow = { durationHours: 25 }),
    errors: ["maintenanceWindow.durationHours:InvalidDurationHours"],
  },
  {
    name: "a start time past 23:59",
    mutate: (d) => void (d.maintenanceWindow = { startTime: "24:00" }),
    errors: ["maintenanceWindow.startTime:InvalidStartTime"],
  },
  {
    name: "a UTC offset without a sign",
    mutate: (d) => void (d.maintenanceWindow = { utcOffset: "05:30" }),
    errors: ["maintenanceWindow.utcOffset:InvalidUtcOffset"],
  },
  {
    name: "a weekly interval beyond 4",
    mutate: (d) => void (d.maintenanceWindow = { intervalWeeks: 5 }),
    errors: ["maintenanceWindow.intervalWeeks:InvalidIntervalWeeks"],
  },
  {
    name: "an unknown day",
    mutate: (d) => void (d.maintenanceWindow = { dayOfWeek: "Funday" }),
    errors: ["maintenanceWindow.dayOfWeek:InvalidValue"],
  },
  {
    name: "autoscaler minimum above its maximum",
    mutate: (d) => void Object.assign(d.nodePool, { minCount: 4, maxCount: 2, count: 3 }),
    errors: ["nodePool.minCount:AutoscalerMinGreaterThanMax"],
  },
  {
    name: "node count outside the autoscaler's range",
    mutate: (d) => void Object.assign(d.nodePool, { minCount: 2, maxCount: 4, count: 1 }),
    errors: ["nodePool.count:NodeCountOutsideAutoscalerRange"],
  },
  {
    name: "autoscaler bounds on a pool without autoscaling",
    mutate: (d) => void Object.assign(d.nodePool, { enableAutoScaling: false, maxCount: 4 }),
    errors: ["nodePool.maxCount:AutoscalerCountWithoutAutoscaling"],
  },
  {
    name: "a system pool scaling down to zero",
    mutate: (d) => void Object.assign(d.nodePool, { minCount: 0 }),
    errors: ["nodePool.minCount:NodeCountOutOfRange"],
  },
  {
    name: "zones in a region without availability zones",
    mutate: (d) => {
      d.location = "westus";
      d.nodePool.availabilityZones = ["1"];
    },
    errors: ["nodePool.availabilityZones:AvailabilityZoneNotSupported"],
  },
  {
    name: "an availability zone that does not exist",
    mutate: (d) => void (d.nodePool.availabilityZones = ["4"]),
    errors: ["nodePool.availabilityZones[0]:InvalidValue"],
  },
  {
    name: "the same zone twice",
    mutate: (d) => void (d.nodePool.availabilityZones = ["1", "1"]),
    errors: ["nodePool.availabilityZones:DuplicateAvailabilityZone"],
  },
  {
    name: "a user pool named like the system pool",
    mutate: (d) => void (d.nodePools = [{ name: "system" }]),
    errors: ["nodePools[0].name:DuplicateNodePoolName"],
  },
  {
    name: "a user pool with an invalid name",
    mutate: (d) => void (d.nodePools = [{ name: "User_Pool" }]),
    errors: ["nodePools[0].name:InvalidNodePoolName"],
  },
  {
    name: "a user pool without a name",
    mutate: (d) => void (d.nodePools = [{ count: 2 }]),
    errors: ["nodePools[0].name:MissingField"],
  },
  {
    name: "a private cluster with authorized IP ranges",
    mutate: (d) =>
      void (d.apiServerAccessProfile = {
        enablePrivateCluster: true,
        authorizedIPRanges: ["203.0.113.0/24"],
      }),
    errors: ["apiServerAccessProfile.authorizedIPRanges:PrivateClusterWithAuthorizedIPRanges"],
  },
  {
    name: "an authorized range that is not an IPv4 CIDR",
    mutate: (d) =>
      void (d.apiServerAccessProfile = { authorizedIPRanges: ["203.0.113.0/24", "2001:db8::/32"] }),
    errors: ["apiServerAccessProfile.authorizedIPRanges[1]:InvalidAuthorizedIPRange"],
  },
  {
    name: "0.0.0.0/32 beside other ranges",
    mutate: (d) => void (d.apiServerAccessProfile = { authorizedIPRanges: ["0.0.0.0/32", "203.0.113.7"] }),
    errors: ["apiServerAccessProfile.authorizedIPRanges[0]:InvalidAuthorizedIPRange"],
  },
  {
    name: "more than AKS's 200 authorized ranges",
    mutate: (d) =>
      void (d.apiServerAccessProfile = {
        authorizedIPRanges: Array.from({ length: 201 }, (_, i) => `203.0.${i % 256}.0/24`),
      }),
    errors: ["apiServerAccessProfile.authorizedIPRanges:ValueTooLarge"],
  },
  {
    name: "Container Insights with something other than a Log Analytics workspace id",
    mutate: (d) =>
      void (d.monitoring = {
        containerInsights: { logAnalyticsWorkspaceId: WORKSPACE.replace("OperationalInsights", "Monitor") },
      }),
    errors: ["monitoring.containerInsights.logAnalyticsWorkspaceId:InvalidWorkspaceId"],
  },
  {
    name: "a misspelt setting is named with a suggestion",
    mutate: (d) => void (d.oidcIssuerProfile = { enable: true }),
    errors: ["oidcIssuerProfile.enable:UnknownField"],
  },
];

describe("secure-by-default settings: each rule's exact path and code", () => {
  for (const c of cases)
    test(c.name, () => {
      const doc = tutorialRequest();
      c.mutate(doc);
      assert.deepEqual(errorPairs(doc), [...c.errors].sort());
    });

  test("one broken network field does not hide a settings problem", () => {
    const doc = tutorialRequest();
    doc.network.serviceCidr = "not-a-cidr";
    doc.oidcIssuerProfile = { enabled: false };
    const pairs = errorPairs(doc);
    assert.ok(pairs.includes("securityProfile.workloadIdentity.enabled:WorkloadIdentityRequiresOidcIssuer"));
    assert.ok(
      pairs.some((p) => p.startsWith("network.serviceCidr:")),
      pairs.join(),
    );
  });
});

describe("secure-by-default settings: defaults and choices", () => {
  test("defaults: Standard tier, OIDC + workload identity, Azure Policy with baseline/audit, patch + NodeImage, Sunday window, public API server", () => {
    const { spec, warnings } = accept({ name: "c1", team: "platform" });
    assert.deepEqual(spec.sku, { tier: "Standard" });
    assert.equal(spec.oidcIssuerProfile.enabled, true);
    assert.equal(spec.securityProfile.workloadIdentity.enabled, true);
    assert.equal(spec.addonProfiles.azurepolicy.enabled, true);
    assert.deepEqual(spec.podSecurityStandard, { level: "baseline", effect: "audit" });
    assert.deepEqual(spec.autoUpgradeProfile, { upgradeChannel: "patch", nodeOSUpgradeChannel: "NodeImage" });
    assert.equal(spec.maintenanceWindow.durationHours, 4);
    assert.equal(spec.monitoring, undefined);
    assert.deepEqual(warnings, []);
  });

  test("Free tier, restricted/deny and a window of the request's own are taken as given", () => {
    const { spec } = accept({
      ...tutorialRequest(),
      sku: { tier: "Free" },
      podSecurityStandard: { level: "restricted", effect: "deny" },
      maintenanceWindow: { dayOfWeek: "Saturday", startTime: "22:30", durationHours: 6, utcOffset: "+05:30" },
    });
    assert.equal(spec.sku.tier, "Free");
    assert.deepEqual(spec.podSecurityStandard, { level: "restricted", effect: "deny" });
    assert.deepEqual(spec.maintenanceWindow, {
      dayOfWeek: "Saturday",
      startTime: "22:30",
      durationHours: 6,
      utcOffset: "+05:30",
      intervalWeeks: 1,
    });
  });

  test("without the Azure Policy add-on no initiative is assigned", () => {
    const { spec } = accept({ ...tutorialRequest(), addonProfiles: { azurepolicy: { enabled: false } } });
    assert.equal(spec.podSecurityStandard, undefined);
  });

  test("zones where the region has them, none where it has not", () => {
    assert.deepEqual(
      accept({ name: "c1", team: "t", location: "westeurope" }).spec.nodePool.availabilityZones,
      ["1", "2", "3"],
    );
    assert.equal(
      accept({ name: "c1", team: "t", location: "West US" }).spec.nodePool.availabilityZones,
      undefined,
    );
  });

  test("user pools: mode User, autoscaler from count to max(count, 5), zero minimum allowed", () => {
    const { spec } = accept({
      ...tutorialRequest(),
      nodePools: [
        { name: "apps", count: 2 },
        { name: "batch", count: 0, minCount: 0, maxCount: 10, vmSize: "Standard_D4s_v5" },
      ],
    });
    assert.deepEqual(spec.nodePools, [
      {
        name: "apps",
        vmSize: "Standard_D2s_v5",
        count: 2,
        mode: "User",
        enableAutoScaling: true,
        minCount: 2,
        maxCount: 5,
        availabilityZones: ["1", "2", "3"],
      },
      {
        name: "batch",
        vmSize: "Standard_D4s_v5",
        count: 0,
        mode: "User",
        enableAutoScaling: true,
        minCount: 0,
        maxCount: 10,
        availabilityZones: ["1", "2", "3"],
      },
    ]);
  });

  test("a pool without the autoscaler keeps its fixed count", () => {
    const { spec } = accept({ ...tutorialRequest(), nodePool: { count: 2, enableAutoScaling: false } });
    assert.equal(spec.nodePool.enableAutoScaling, false);
    assert.equal(spec.nodePool.minCount, undefined);
    assert.equal(spec.nodePool.maxCount, undefined);
  });

  test("the node subnet must hold every pool at its autoscaler maximum", () => {
    // node-subnet mode: (nodes + 1) × 31 addresses; a /24 holds 251, i.e. 7 nodes.
    const doc = {
      name: "c1",
      team: "t",
      network: { pluginMode: "nodeSubnet", vnetAddressSpace: "10.1.0.0/16", subnetPrefix: "10.1.0.0/24" },
      nodePool: { count: 3, maxCount: 5 },
    };
    assert.ok(validateClusterSpec(doc).ok);
    assert.deepEqual(errorPairs({ ...doc, nodePools: [{ name: "apps", count: 1, maxCount: 3 }] }), [
      "network.subnetPrefix:SubnetTooSmall",
    ]);
  });

  test("authorized ranges and a private cluster are accepted with a reachability warning", () => {
    const ranges = accept({
      ...tutorialRequest(),
      apiServerAccessProfile: { authorizedIPRanges: ["203.0.113.0/24", "198.51.100.7"] },
    });
    assert.deepEqual(ranges.spec.apiServerAccessProfile.authorizedIPRanges, [
      "203.0.113.0/24",
      "198.51.100.7",
    ]);
    assert.ok(ranges.warnings.includes("apiServerAccessProfile.authorizedIPRanges:ApiServerReachability"));
    const priv = accept({ ...tutorialRequest(), apiServerAccessProfile: { enablePrivateCluster: true } });
    assert.equal(priv.spec.apiServerAccessProfile.enablePrivateCluster, true);
    assert.ok(priv.warnings.includes("apiServerAccessProfile.enablePrivateCluster:ApiServerReachability"));
  });

  test("Container Insights takes a Log Analytics workspace id", () => {
    const { spec } = accept({
      ...tutorialRequest(),
      monitoring: { containerInsights: { logAnalyticsWorkspaceId: WORKSPACE } },
    });
    assert.equal(spec.monitoring?.containerInsights.logAnalyticsWorkspaceId, WORKSPACE);
  });
});
