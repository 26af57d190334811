// The secure-by-default ManagedCluster surface (issue 15) through the REAL SDKs: the body the app
// builds (shared/azure/models.ts) is accepted and answered as AKS answers it; AKS's rules refuse the
// rest with InvalidParameter; the maintenanceConfigurations subresource; the policy surface
// (built-in initiatives under their real ids, assignments at a managed cluster's scope).
import { test } from "node:test";
import assert from "node:assert/strict";
import type { MaintenanceConfiguration, ManagedCluster } from "@azure/arm-containerservice";
import {
  maintenanceConfigurationModels,
  managedClusterModel,
  podSecurityAssignmentModel,
  POD_SECURITY_INITIATIVES,
  POLICY_API_VERSION,
} from "../../../shared/azure/models.js";
import { validateClusterSpec, type ClusterSpec } from "../../../shared/spec/index.js";
import { FAST, clusterBody, prepareNetwork, type Clients } from "../../../harness/azure.js";
import { tutorialRequest } from "../../helpers/examples.js";
import { startForTest } from "./helpers.js";

function specOf(overrides: Record<string, unknown> = {}): ClusterSpec {
  const r = validateClusterSpec({ ...tutorialRequest(), resourceGroup: "rg", ...overrides });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.spec;
}

async function rejection(
  p: Promise<unknown>,
): Promise<{ statusCode?: number; code?: string; message?: string }> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  assert.ok(e, "expected a rejection");
  return e as { statusCode?: number; code?: string };
}

async function createSecure(c: Clients, name: string, spec: ClusterSpec) {
  const setup = await prepareNetwork(c, "rg");
  const body = managedClusterModel(spec, { identityId: setup.identityId, subnetId: setup.subnetId }, {});
  await c.aks.managedClusters.createOrUpdate("rg", name, body, FAST);
  return { setup, cluster: await c.aks.managedClusters.get("rg", name) };
}

test("the app's secure cluster body is stored and answered as AKS answers it, field by field", async (t) => {
  const c = await startForTest(t);
  const { cluster: mc } = await createSecure(c, "secure", specOf());
  assert.equal(mc.provisioningState, "Succeeded");
  assert.deepEqual(mc.sku, { name: "Base", tier: "Standard" });
  assert.equal(mc.oidcIssuerProfile?.enabled, true);
  assert.match(
    mc.oidcIssuerProfile?.issuerURL ?? "",
    new RegExp(`^https://eastus\\.oic\\.prod-aks\\.azure\\.com/${c.emulator.tenantId}/[0-9a-f-]{36}/$`),
  );
  assert.equal(mc.securityProfile?.workloadIdentity?.enabled, true);
  const policy = mc.addonProfiles?.["azurepolicy"];
  assert.equal(policy?.enabled, true);
  assert.match(
    policy?.identity?.resourceId ?? "",
    /\/resourcegroups\/MC_rg_secure_eastus\/providers\/Microsoft\.ManagedIdentity\/userAssignedIdentities\/azurepolicy-secure$/,
  );
  assert.match(policy?.identity?.objectId ?? "", /^[0-9a-f-]{36}$/);
  assert.deepEqual(mc.autoUpgradeProfile, { upgradeChannel: "patch", nodeOSUpgradeChannel: "NodeImage" });
  assert.equal(mc.apiServerAccessProfile?.enablePrivateCluster, false);
  const pool = mc.agentPoolProfiles![0]!;
  assert.equal(pool.enableAutoScaling, true);
  assert.equal(pool.minCount, 1);
  assert.equal(pool.maxCount, 5);
  assert.deepEqual(pool.availabilityZones, ["1", "2", "3"]);
  // What Azure always returns.
  assert.equal(mc.servicePrincipalProfile?.clientId, "msi");
  assert.match(mc.identityProfile?.["kubeletidentity"]?.resourceId ?? "", /secure-agentpool$/);
  assert.equal(mc.nodeResourceGroup, "MC_rg_secure_eastus");
  assert.match(mc.currentKubernetesVersion ?? "", /^\d+\.\d+\.\d+$/);
  assert.equal(mc.powerState?.code, "Running");
  assert.match(mc.fqdn ?? "", /\.hcp\.eastus\.azmk8s\.io$/);
  assert.equal(mc.privateFqdn, undefined);
  // The agentPools subresource is the same view.
  const pools = [];
  for await (const p of c.aks.agentPools.list("rg", "secure")) pools.push(p);
  assert.deepEqual(
    pools.map((p) => [p.name, p.enableAutoScaling, p.minCount, p.maxCount, p.availabilityZones]),
    [["system", true, 1, 5, ["1", "2", "3"]]],
  );
});

test("a private cluster answers privateFQDN; Free tier, user pools, authorized ranges and Container Insights are kept", async (t) => {
  const c = await startForTest(t);
  const workspace = `/subscriptions/${c.sub}/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/logs`;
  const priv = await createSecure(
    c,
    "priv",
    specOf({
      sku: { tier: "Free" },
      apiServerAccessProfile: { enablePrivateCluster: true },
      nodePools: [{ name: "apps", count: 2, maxCount: 4 }],
      monitoring: { containerInsights: { logAnalyticsWorkspaceId: workspace } },
    }),
  );
  const mc = priv.cluster;
  assert.equal(mc.sku?.tier, "Free");
  assert.match(mc.privateFqdn ?? "", /\.privatelink\.eastus\.azmk8s\.io$/);
  assert.deepEqual(
    mc.agentPoolProfiles!.map((p) => [p.name, p.mode, p.count, p.minCount, p.maxCount]),
    [
      ["system", "System", 1, 1, 5],
      ["apps", "User", 2, 2, 4],
    ],
  );
  const oms = mc.addonProfiles?.["omsagent"];
  assert.equal(oms?.config?.["logAnalyticsWorkspaceResourceID"], workspace);
  assert.match(oms?.identity?.resourceId ?? "", /omsagent-priv$/);

  const body = managedClusterModel(
    specOf({ apiServerAccessProfile: { authorizedIPRanges: ["203.0.113.0/24"] } }),
    { identityId: priv.setup.identityId, subnetId: priv.setup.subnetId },
    {},
  );
  await c.aks.managedClusters.createOrUpdate("rg", "ranges", body, FAST);
  const ranged = await c.aks.managedClusters.get("rg", "ranges");
  assert.deepEqual(ranged.apiServerAccessProfile?.authorizedIPRanges, ["203.0.113.0/24"]);
});

test("AKS's rules: each refused with InvalidParameter and AKS's message", async (t) => {
  const c = await startForTest(t);
  const setup = await prepareNetwork(c, "rg");
  const base = clusterBody(setup);
  const pool = base.agentPoolProfiles![0]!;
  const cases: { what: string; body: ManagedCluster; message: RegExp }[] = [
    {
      what: "workload identity without the OIDC issuer",
      body: { ...base, securityProfile: { workloadIdentity: { enabled: true } } },
      message: /workload identity requires enabling the OIDC issuer/,
    },
    {
      what: "a private cluster with authorized ranges",
      body: {
        ...base,
        apiServerAccessProfile: { enablePrivateCluster: true, authorizedIPRanges: ["203.0.113.0/24"] },
      },
      message: /Private cluster cannot be enabled with AuthorizedIPRanges/,
    },
    {
      what: "0.0.0.0/32 with other ranges",
      body: { ...base, apiServerAccessProfile: { authorizedIPRanges: ["0.0.0.0/32", "203.0.113.0/24"] } },
      message: /0\.0\.0\.0\/32 is not allowed with other IP ranges/,
    },
    {
      what: "zones in a region without zones",
      body: { ...base, location: "westus", agentPoolProfiles: [{ ...pool, availabilityZones: ["1"] }] },
      message: /not supported in region westus/,
    },
    {
      what: "the autoscaler without bounds",
      body: { ...base, agentPoolProfiles: [{ ...pool, enableAutoScaling: true }] },
      message: /minCount and maxCount must be set/,
    },
    {
      what: "autoscaler bounds the wrong way round",
      body: { ...base, agentPoolProfiles: [{ ...pool, enableAutoScaling: true, minCount: 3, maxCount: 2 }] },
      message: /maxCount 2 must be greater than or equal to minCount 3/,
    },
    {
      what: "bounds without the autoscaler",
      body: { ...base, agentPoolProfiles: [{ ...pool, minCount: 1, maxCount: 2 }] },
      message: /only be set when enableAutoScaling is true/,
    },
    {
      what: "node-image with a SecurityPatch node OS channel",
      body: {
        ...base,
        autoUpgradeProfile: { upgradeChannel: "node-image", nodeOSUpgradeChannel: "SecurityPatch" },
      },
      message: /must be NodeImage when the upgrade channel is node-image/,
    },
    {
      what: "Container Insights without a workspace",
      body: { ...base, addonProfiles: { omsagent: { enabled: true } } },
      message: /requires config\.logAnalyticsWorkspaceResourceID/,
    },
    {
      what: "an unknown tier",
      body: { ...base, sku: { name: "Base", tier: "Gold" as never } },
      message: /SKU tier 'Gold' is not supported/,
    },
  ];
  for (const { what, body, message } of cases) {
    const e = await rejection(c.aks.managedClusters.createOrUpdate("rg", "bad", body, FAST));
    assert.equal(e.statusCode, 400, what);
    assert.equal(e.code, "InvalidParameter", what);
    assert.match(e.message ?? "", message, what);
  }
  // The OIDC issuer cannot be turned off once on.
  await c.aks.managedClusters.createOrUpdate(
    "rg",
    "oidc",
    { ...base, oidcIssuerProfile: { enabled: true } },
    FAST,
  );
  const off = await rejection(
    c.aks.managedClusters.createOrUpdate(
      "rg",
      "oidc",
      { ...base, oidcIssuerProfile: { enabled: false } },
      FAST,
    ),
  );
  assert.equal(off.code, "InvalidParameter");
});

test("maintenanceConfigurations: AKS-managed schedules validated, listed, deleted with the cluster", async (t) => {
  const c = await startForTest(t);
  const spec = specOf({ maintenanceWindow: { dayOfWeek: "Saturday", startTime: "22:00", durationHours: 6 } });
  await createSecure(c, "mc", spec);
  for (const m of maintenanceConfigurationModels(spec))
    await c.aks.maintenanceConfigurations.createOrUpdate("rg", "mc", m.name, m.body);
  const got = await c.aks.maintenanceConfigurations.get("rg", "mc", "aksManagedAutoUpgradeSchedule");
  assert.deepEqual(got.maintenanceWindow?.schedule?.weekly, { intervalWeeks: 1, dayOfWeek: "Saturday" });
  assert.equal(got.maintenanceWindow?.durationHours, 6);
  assert.equal(got.maintenanceWindow?.startTime, "22:00");
  assert.equal(got.maintenanceWindow?.utcOffset, "+00:00");
  const names = [];
  for await (const m of c.aks.maintenanceConfigurations.listByManagedCluster("rg", "mc")) names.push(m.name);
  assert.deepEqual(names.sort(), ["aksManagedAutoUpgradeSchedule", "aksManagedNodeOSUpgradeSchedule"]);

  const window = got.maintenanceWindow!;
  for (const [what, body] of [
    ["3 hours", { maintenanceWindow: { ...window, durationHours: 3 } }],
    [
      "two schedule kinds",
      {
        maintenanceWindow: {
          ...window,
          schedule: { daily: { intervalDays: 1 }, weekly: window.schedule!.weekly },
        },
      },
    ],
    ["a start at 24:00", { maintenanceWindow: { ...window, startTime: "24:00" } }],
    ["no window", { timeInWeek: [{ day: "Monday", hourSlots: [1] }] }],
  ] as [string, MaintenanceConfiguration][]) {
    const e = await rejection(
      c.aks.maintenanceConfigurations.createOrUpdate("rg", "mc", "aksManagedAutoUpgradeSchedule", body),
    );
    assert.equal(e.statusCode, 400, what);
    assert.equal(e.code, "InvalidParameter", what);
  }
  const badName = await rejection(
    c.aks.maintenanceConfigurations.createOrUpdate("rg", "mc", "weekends", { maintenanceWindow: window }),
  );
  assert.equal(badName.code, "InvalidParameter");

  await c.aks.maintenanceConfigurations.delete("rg", "mc", "aksManagedNodeOSUpgradeSchedule");
  await assert.rejects(c.aks.maintenanceConfigurations.get("rg", "mc", "aksManagedNodeOSUpgradeSchedule"), {
    statusCode: 404,
  });
  await c.aks.managedClusters.delete("rg", "mc", FAST);
  await assert.rejects(c.aks.maintenanceConfigurations.get("rg", "mc", "aksManagedAutoUpgradeSchedule"), {
    statusCode: 404,
  });
});

test("policy: built-in initiatives under their real ids, assignment at the cluster's scope with AKS-relevant checks", async (t) => {
  const c = await startForTest(t);
  const baseline = await c.resources.resources.getById(POD_SECURITY_INITIATIVES.baseline, POLICY_API_VERSION);
  assert.equal(
    (baseline.properties as { displayName: string }).displayName,
    "Kubernetes cluster pod security baseline standards for Linux-based workloads",
  );
  const restricted = await c.resources.resources.getById(
    `/subscriptions/${c.sub}${POD_SECURITY_INITIATIVES.restricted}`,
    POLICY_API_VERSION,
  );
  assert.equal(
    (restricted.properties as { policyDefinitions: unknown[] }).policyDefinitions.length,
    8,
    "the restricted initiative's eight policies",
  );

  const spec = specOf({ podSecurityStandard: { level: "restricted", effect: "deny" } });
  const { cluster } = await createSecure(c, "pol", spec);
  const model = podSecurityAssignmentModel(spec, cluster.id!)!;
  const put = (properties: Record<string, unknown>, id = model.id) =>
    c.resources.resources.beginCreateOrUpdateByIdAndWait(id, POLICY_API_VERSION, { properties }, FAST);
  const assigned = await put(model.properties);
  assert.equal(assigned.id, model.id);
  const read = await c.resources.resources.getById(model.id, POLICY_API_VERSION);
  const props = read.properties as Record<string, unknown>;
  assert.equal(props["policyDefinitionId"], POD_SECURITY_INITIATIVES.restricted);
  assert.equal(props["scope"], cluster.id);
  assert.deepEqual(props["parameters"], { effect: { value: "Deny" } });
  assert.equal(props["enforcementMode"], "Default");

  const unknownSet = await rejection(
    put({
      policyDefinitionId:
        "/providers/Microsoft.Authorization/policySetDefinitions/00000000-0000-0000-0000-000000000000",
    }),
  );
  assert.deepEqual([unknownSet.statusCode, unknownSet.code], [404, "PolicySetDefinitionNotFound"]);
  const undefinedParam = await rejection(
    put({ ...model.properties, parameters: { effect: { value: "Audit" }, replicas: { value: 2 } } }),
  );
  assert.deepEqual([undefinedParam.statusCode, undefinedParam.code], [400, "UndefinedPolicyParameter"]);
  const notAllowed = await rejection(
    put({ ...model.properties, parameters: { effect: { value: "Mutate" } } }),
  );
  assert.deepEqual([notAllowed.statusCode, notAllowed.code], [400, "InvalidPolicyParameters"]);
  const noScope = await rejection(put(model.properties, model.id.replace("/pol/", "/gone/")));
  assert.equal(noScope.statusCode, 404);

  // The assignment goes with the cluster.
  await c.aks.managedClusters.delete("rg", "pol", FAST);
  await assert.rejects(c.resources.resources.getById(model.id, POLICY_API_VERSION), {
    statusCode: 404,
    code: "PolicyAssignmentNotFound",
  });
});
