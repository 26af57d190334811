// Valid documents: accepted, normalised with the documented defaults, warnings reported apart.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { validateClusterSpec, type ClusterSpec } from "../../../shared/spec/index.js";
import { tutorialNodePool, tutorialRequest } from "../../helpers/examples.js";

function accept(doc: unknown): { spec: ClusterSpec; warnings: string[] } {
  const result = validateClusterSpec(doc);
  if (!result.ok) assert.fail(`rejected: ${JSON.stringify(result.errors)}`);
  return { spec: result.spec, warnings: result.warnings.map((w) => `${w.path}:${w.code}`).sort() };
}

/** The example from the Foundation issue, verbatim. */
const issueExample = {
  name: "tipsAndTricksAKSCluster",
  team: "platform",
  location: "eastus",
  resourceGroup: "akstips",
  kubernetesVersion: "1.33",
  nodePool: { vmSize: "Standard_D2s_v5", count: 1 },
  network: {
    pluginMode: "overlay",
    policy: "cilium",
    vnetAddressSpace: "10.0.0.0/8",
    subnetPrefix: "10.240.0.0/16",
    serviceCidr: "10.0.0.0/16",
    dnsServiceIp: "10.0.0.10",
    podCidr: "10.244.0.0/16",
  },
  namespaces: [
    {
      name: "test",
      labels: { purpose: "test" },
      defaultDeny: ["Ingress"],
      workloads: [
        {
          name: "backend",
          image: "nginx",
          labels: { app: "webapp", role: "backend" },
          ports: [{ name: "http", port: 80 }],
          expose: true,
        },
      ],
      networkPolicies: [
        {
          name: "backend-policy",
          spec: {
            podSelector: { matchLabels: { app: "webapp", role: "backend" } },
            ingress: [
              {
                from: [
                  {
                    namespaceSelector: {},
                    podSelector: { matchLabels: { app: "webapp", role: "frontend" } },
                  },
                ],
              },
            ],
          },
        },
      ],
      expectations: [
        {
          from: { namespace: "test", labels: { app: "webapp", role: "frontend" } },
          to: { service: "backend", port: 80 },
          allowed: true,
        },
        { from: { namespace: "test", labels: {} }, to: { service: "backend", port: 80 }, allowed: false },
      ],
    },
  ],
  tags: { costCenter: "1234" },
  driftPolicy: "report",
  onFailure: "keep",
};

describe("valid ClusterSpec documents", () => {
  test("the tutorial's request keeps its names and ranges and gets the modern defaults", () => {
    const { spec, warnings } = accept(tutorialRequest());
    assert.equal(spec.name, "tipsAndTricksAKSCluster");
    assert.equal(spec.resourceGroup, "akstips");
    // The tutorial's one node, with the autoscaler up to 5 and spread over eastus's zones.
    assert.deepEqual(spec.nodePool, tutorialNodePool());
    assert.deepEqual(spec.network, {
      pluginMode: "overlay",
      policy: "cilium",
      dataplane: "cilium",
      vnetName: "myVnet",
      subnetName: "myAKSSubnet",
      vnetAddressSpace: "10.0.0.0/8",
      subnetPrefix: "10.240.0.0/16",
      serviceCidr: "10.0.0.0/16",
      dnsServiceIp: "10.0.0.10",
      // 10.244.0.0/16 lies inside the tutorial's 10.0.0.0/8, so the default moves out of the VNet.
      podCidr: "172.20.0.0/14",
    });
    assert.deepEqual(spec.namespaces[0]!.networkPolicies[0]!.spec.policyTypes, ["Ingress"]);
    assert.equal(spec.namespaces[0]!.workloads[0]!.replicas, 1);
    // Real AKS accepts the tutorial's service CIDR inside the VNet (no subnet there): a warning.
    assert.deepEqual(warnings, ["network.serviceCidr:ServiceCidrOverlapsVnetAddressSpace"]);
  });

  test("a minimal request gets every default", () => {
    const { spec, warnings } = accept({ name: "c1", team: "platform" });
    assert.deepEqual(spec, {
      name: "c1",
      team: "platform",
      location: "eastus",
      resourceGroup: "rg-c1",
      nodePool: {
        name: "system",
        vmSize: "Standard_D2s_v5",
        count: 3,
        mode: "System",
        enableAutoScaling: true,
        minCount: 3,
        maxCount: 5,
        availabilityZones: ["1", "2", "3"],
      },
      aadProfile: { managed: true, enableAzureRBAC: true },
      disableLocalAccounts: true,
      nodePools: [],
      sku: { tier: "Standard" },
      oidcIssuerProfile: { enabled: true },
      securityProfile: { workloadIdentity: { enabled: true } },
      addonProfiles: { azurepolicy: { enabled: true } },
      podSecurityStandard: { level: "baseline", effect: "audit" },
      autoUpgradeProfile: { upgradeChannel: "patch", nodeOSUpgradeChannel: "NodeImage" },
      maintenanceWindow: {
        dayOfWeek: "Sunday",
        startTime: "00:00",
        durationHours: 4,
        utcOffset: "+00:00",
        intervalWeeks: 1,
      },
      apiServerAccessProfile: { enablePrivateCluster: false },
      network: {
        pluginMode: "overlay",
        policy: "cilium",
        dataplane: "cilium",
        vnetName: "vnet-c1",
        subnetName: "aks-nodes",
        vnetAddressSpace: "10.224.0.0/12",
        subnetPrefix: "10.224.0.0/16",
        serviceCidr: "10.0.0.0/16",
        dnsServiceIp: "10.0.0.10",
        podCidr: "10.244.0.0/16",
      },
      namespaces: [],
      tags: {},
      driftPolicy: "report",
      onFailure: "rollback",
    });
    assert.deepEqual(warnings, []);
  });

  test("the issue's example document is accepted, with the overlaps it has reported as warnings", () => {
    const { spec, warnings } = accept(issueExample);
    assert.equal(spec.network.podCidr, "10.244.0.0/16");
    assert.equal(spec.kubernetesVersion, "1.33");
    assert.deepEqual(warnings, [
      "network.podCidr:PodCidrOverlapsVnetAddressSpace",
      "network.serviceCidr:ServiceCidrOverlapsVnetAddressSpace",
    ]);
  });

  test("calico in node-subnet mode: no pod CIDR, azure dataplane", () => {
    const { spec, warnings } = accept({
      name: "c2",
      team: "t",
      network: { pluginMode: "nodeSubnet", policy: "calico" },
    });
    assert.equal(spec.network.podCidr, undefined);
    assert.equal(spec.network.dataplane, "azure");
    assert.deepEqual(warnings, []);
  });

  test("Azure NPM is accepted with a retirement warning", () => {
    const { spec, warnings } = accept({ name: "c3", team: "t", network: { policy: "azure" } });
    assert.equal(spec.network.policy, "azure");
    assert.deepEqual(warnings, ["network.policy:AzureNetworkPolicyManagerRetiring"]);
  });

  test("a VNet alone gets its first /16 (or itself) as the subnet", () => {
    const { spec } = accept({ name: "c4", team: "t", network: { vnetAddressSpace: "192.168.0.0/16" } });
    assert.equal(spec.network.subnetPrefix, "192.168.0.0/16");
    const small = accept({ name: "c4", team: "t", network: { vnetAddressSpace: "172.16.8.0/22" } });
    assert.equal(small.spec.network.subnetPrefix, "172.16.8.0/22");
  });

  test("a subnet alone outside the default VNet becomes its own VNet", () => {
    const { spec } = accept({ name: "c5", team: "t", network: { subnetPrefix: "172.16.0.0/20" } });
    assert.equal(spec.network.vnetAddressSpace, "172.16.0.0/20");
  });

  test("default service and pod CIDRs avoid the caller's VNet, and the DNS IP follows the service CIDR", () => {
    const { spec, warnings } = accept({
      name: "c6",
      team: "t",
      network: { vnetAddressSpace: "10.0.0.0/8", subnetPrefix: "10.1.0.0/16" },
    });
    assert.equal(spec.network.serviceCidr, "172.16.0.0/16");
    assert.equal(spec.network.dnsServiceIp, "172.16.0.10");
    assert.equal(spec.network.podCidr, "172.20.0.0/14");
    assert.deepEqual(warnings, []);
  });

  test("a display-name location is normalised", () => {
    assert.equal(accept({ name: "c7", team: "t", location: "West Europe" }).spec.location, "westeurope");
  });

  test("a full policy document: egress, ipBlock with except, endPort, named ports, expressions, two namespaces", () => {
    const doc = {
      name: "shop",
      team: "payments",
      namespaces: [
        {
          name: "web",
          defaultDeny: ["Ingress", "Egress"],
          workloads: [
            { name: "frontend", image: "nginx:1.27", ports: [{ port: 8080, name: "http" }], expose: true },
          ],
          networkPolicies: [
            {
              name: "frontend-egress",
              spec: {
                podSelector: { matchLabels: { app: "frontend" } },
                egress: [
                  {
                    to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "api" } } }],
                    ports: [{ port: "grpc" }],
                  },
                  {
                    to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8", "169.254.169.254/32"] } }],
                    ports: [{ port: 443 }, { port: 8000, endPort: 8100 }],
                  },
                ],
              },
            },
          ],
        },
        {
          name: "api",
          labels: { tier: "backend" },
          workloads: [
            {
              name: "orders",
              image: "myregistry.azurecr.io/orders:2.1.0",
              labels: { app: "orders" },
              ports: [{ port: 9090, name: "grpc" }],
              expose: true,
              replicas: 2,
            },
          ],
          networkPolicies: [
            {
              name: "orders-ingress",
              spec: {
                podSelector: { matchExpressions: [{ key: "app", operator: "In", values: ["orders"] }] },
                ingress: [
                  {
                    from: [
                      {
                        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "web" } },
                        podSelector: { matchExpressions: [{ key: "app", operator: "Exists" }] },
                      },
                    ],
                  },
                ],
              },
            },
          ],
          expectations: [
            {
              from: { namespace: "web", labels: { app: "frontend" } },
              to: { service: "orders", port: "grpc" },
              allowed: true,
            },
          ],
        },
      ],
    };
    const { spec, warnings } = accept(doc);
    const egress = spec.namespaces[0]!.networkPolicies[0]!.spec;
    assert.deepEqual(
      egress.policyTypes,
      ["Ingress", "Egress"],
      "egress rules add Egress to the defaulted policyTypes",
    );
    assert.deepEqual(egress.egress![1]!.ports, [
      { port: 443, protocol: "TCP" },
      { port: 8000, endPort: 8100, protocol: "TCP" },
    ]);
    assert.deepEqual(
      spec.namespaces[0]!.workloads[0]!.labels,
      { app: "frontend" },
      "labels default to app=<name>",
    );
    assert.deepEqual(warnings, []);
  });

  test("a namespace with workloads and no policy is accepted with a lock-down warning", () => {
    const { warnings } = accept({
      name: "c8",
      team: "t",
      namespaces: [{ name: "open", workloads: [{ name: "web", image: "nginx" }] }],
    });
    assert.deepEqual(warnings, ["namespaces[0].defaultDeny:NamespaceNotIsolated"]);
  });

  test("validation does not change the caller's document", () => {
    const doc = tutorialRequest();
    const before = structuredClone(doc);
    accept(doc);
    assert.deepEqual(doc, before);
  });
});
