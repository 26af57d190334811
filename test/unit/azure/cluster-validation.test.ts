// The managedClusters validation maps the ClusterSpec planner's problems to AKS's codes and targets.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  validateCluster,
  type ClusterRequest,
  type SubnetFacts,
} from "../../../emulators/azure/containerservice/validation.js";
import type { ArmError } from "../../../emulators/azure/core/errors.js";

const subnet: SubnetFacts = {
  id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/nodes",
  prefix: "10.240.0.0/16",
  vnetPrefix: "10.0.0.0/8",
  siblingPrefixes: ["10.1.0.0/24"],
  usedAddresses: 0,
};

function request(networkProfile: Record<string, unknown>, count = 1): ClusterRequest {
  return {
    name: "aks",
    location: "eastus",
    properties: {
      agentPoolProfiles: [{ name: "system", count, mode: "System", vnetSubnetID: subnet.id }],
      networkProfile: { networkPlugin: "azure", ...networkProfile },
    },
  };
}

function rejection(
  networkProfile: Record<string, unknown>,
  facts: SubnetFacts = subnet,
  count = 1,
): ArmError {
  try {
    validateCluster(request(networkProfile, count), facts);
  } catch (e) {
    return e as ArmError;
  }
  assert.fail(`${JSON.stringify(networkProfile)} was accepted`);
}

test("AKS codes and wire targets for the address rules", () => {
  const cases: [Record<string, unknown>, string, string][] = [
    [
      { serviceCidr: "10.0.0.0/16", dnsServiceIP: "10.1.0.10" },
      "DnsServiceIpOutOfServiceCidr",
      "networkProfile.dnsServiceIP",
    ],
    [
      { serviceCidr: "10.240.0.0/16", dnsServiceIP: "10.240.0.10" },
      "ServiceCidrOverlapExistingSubnetsCidr",
      "networkProfile.serviceCIDR",
    ],
    [
      { serviceCidr: "10.1.0.0/16", dnsServiceIP: "10.1.0.10" },
      "ServiceCidrOverlapExistingSubnetsCidr",
      "networkProfile.serviceCIDR",
    ],
    [
      { serviceCidr: "172.30.0.0/16", dnsServiceIP: "172.30.0.10" },
      "InvalidParameter",
      "networkProfile.serviceCIDR",
    ],
    [
      { networkPluginMode: "overlay", podCidr: "10.240.0.0/16" },
      "InvalidParameter",
      "networkProfile.podCIDR",
    ],
    [{ podCidr: "10.244.0.0/16" }, "InvalidParameter", "networkProfile.podCIDR"],
    [{ dockerBridgeCidr: "172.17.0.1/16" }, "InvalidParameter", "networkProfile.dockerBridgeCidr"],
  ];
  for (const [profile, code, target] of cases) {
    const e = rejection(profile);
    assert.equal(e.status, 400, JSON.stringify(profile));
    assert.equal(e.code, code, JSON.stringify(profile));
    assert.equal(e.target, target, JSON.stringify(profile));
  }
  const small = rejection({}, { ...subnet, prefix: "10.240.0.0/27", vnetPrefix: "10.240.0.0/16" }, 3);
  assert.equal(small.code, "InsufficientSubnetSize");
  const full = rejection({}, { ...subnet, usedAddresses: 65_500 });
  assert.equal(full.code, "SubnetIsFull");
});

test("AKS defaults: service 10.0.0.0/16 with DNS .10, overlay pods 10.244.0.0/16, dataplane from policy", () => {
  const overlay = validateCluster(request({ networkPluginMode: "overlay", networkPolicy: "cilium" }), subnet);
  assert.equal(overlay.serviceCidr, "10.0.0.0/16");
  assert.equal(overlay.dnsServiceIP, "10.0.0.10");
  assert.equal(overlay.podCidr, "10.244.0.0/16");
  assert.equal(overlay.networkDataplane, "cilium");
  const nodeSubnet = validateCluster(request({ networkPolicy: "azure" }), subnet);
  assert.equal(nodeSubnet.podCidr, undefined);
  assert.equal(nodeSubnet.networkDataplane, "azure");
});
