// Table-driven: each invalid document must produce exactly the listed (path, code) errors.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { validateClusterSpec, validateClusterSpecText } from "../../../shared/spec/index.js";
import { tutorialRequest } from "../../helpers/examples.js";

type Doc = Record<string, any>;
interface Case {
  name: string;
  mutate: (doc: Doc) => Doc | void;
  errors: [path: string, code: string][];
}

const ns = (d: Doc) => d.namespaces[0];
const backend = (d: Doc) => ns(d).workloads[0];
const policy = (d: Doc) => ns(d).networkPolicies[0].spec;
const peer = (d: Doc) => policy(d).ingress[0].from[0];
const P = "namespaces[0].networkPolicies[0].spec";
const PEER = `${P}.ingress[0].from[0]`;
const withPorts = (d: Doc, ports: unknown[]) => {
  policy(d).ingress[0].ports = ports;
};

const cases: Case[] = [
  // Azure naming rules
  {
    name: "cluster name starting with a hyphen",
    mutate: (d) => void (d.name = "-bad"),
    errors: [["name", "InvalidClusterName"]],
  },
  {
    name: "cluster name longer than 63",
    mutate: (d) => void (d.name = "a".repeat(64)),
    errors: [["name", "InvalidClusterName"]],
  },
  {
    name: "cluster name with a dot",
    mutate: (d) => void (d.name = "my.cluster"),
    errors: [["name", "InvalidClusterName"]],
  },
  { name: "cluster name missing", mutate: (d) => void delete d.name, errors: [["name", "MissingField"]] },
  { name: "cluster name not a string", mutate: (d) => void (d.name = 42), errors: [["name", "InvalidType"]] },
  {
    name: "team not a DNS label",
    mutate: (d) => void (d.team = "Platform Team"),
    errors: [["team", "InvalidName"]],
  },
  { name: "team missing", mutate: (d) => void delete d.team, errors: [["team", "MissingField"]] },
  {
    name: "unknown location",
    mutate: (d) => void (d.location = "mooncentral"),
    errors: [["location", "UnknownLocation"]],
  },
  {
    name: "resource group ending in a dot",
    mutate: (d) => void (d.resourceGroup = "rg."),
    errors: [["resourceGroup", "InvalidResourceGroupName"]],
  },
  {
    name: "resource group longer than 90",
    mutate: (d) => void (d.resourceGroup = "r".repeat(91)),
    errors: [["resourceGroup", "InvalidResourceGroupName"]],
  },
  {
    name: "resource group with a slash",
    mutate: (d) => void (d.resourceGroup = "bad/rg"),
    errors: [["resourceGroup", "InvalidResourceGroupName"]],
  },
  {
    name: "subscription id not a GUID",
    mutate: (d) => void (d.subscriptionId = "not-a-guid"),
    errors: [["subscriptionId", "InvalidSubscriptionId"]],
  },
  {
    name: "kubernetes version not a version",
    mutate: (d) => void (d.kubernetesVersion = "latest"),
    errors: [["kubernetesVersion", "InvalidKubernetesVersion"]],
  },
  {
    name: "node count zero",
    mutate: (d) => void (d.nodePool.count = 0),
    errors: [["nodePool.count", "NodeCountOutOfRange"]],
  },
  {
    name: "node count above 1000",
    mutate: (d) => void (d.nodePool.count = 1001),
    errors: [["nodePool.count", "NodeCountOutOfRange"]],
  },
  {
    name: "node count fractional",
    mutate: (d) => void (d.nodePool.count = 1.5),
    errors: [["nodePool.count", "InvalidType"]],
  },
  {
    name: "VM size without Standard_ prefix",
    mutate: (d) => void (d.nodePool.vmSize = "D2s_v5"),
    errors: [["nodePool.vmSize", "InvalidVmSize"]],
  },
  {
    name: "node pool name with capitals",
    mutate: (d) => void (d.nodePool.name = "System"),
    errors: [["nodePool.name", "InvalidNodePoolName"]],
  },
  {
    name: "node pool name longer than 12",
    mutate: (d) => void (d.nodePool.name = "toolongnodepool"),
    errors: [["nodePool.name", "InvalidNodePoolName"]],
  },
  {
    name: "unknown node pool field",
    mutate: (d) => void (d.nodePool.osDisk = 30),
    errors: [["nodePool.osDisk", "UnknownField"]],
  },
  {
    name: "unknown top-level field",
    mutate: (d) => void (d.subnetPrefx = "10.240.0.0/16"),
    errors: [["subnetPrefx", "UnknownField"]],
  },
  {
    name: "typo in a network field",
    mutate: (d) => void (d.network.subnetPrefx = "10.240.0.0/16"),
    errors: [["network.subnetPrefx", "UnknownField"]],
  },
  // Address planning
  {
    name: "kubenet is not a plugin mode",
    mutate: (d) => void (d.network.pluginMode = "kubenet"),
    errors: [["network.pluginMode", "InvalidValue"]],
  },
  {
    name: "unknown policy engine",
    mutate: (d) => void (d.network.policy = "weave"),
    errors: [["network.policy", "InvalidValue"]],
  },
  {
    name: "prefix length above 32",
    mutate: (d) => void (d.network.vnetAddressSpace = "10.0.0.0/33"),
    errors: [["network.vnetAddressSpace", "InvalidCidr"]],
  },
  {
    name: "VNet with host bits set",
    mutate: (d) => void (d.network.vnetAddressSpace = "10.0.0.1/8"),
    errors: [["network.vnetAddressSpace", "CidrHostBitsSet"]],
  },
  {
    name: "IPv6 subnet",
    mutate: (d) => void (d.network.subnetPrefix = "fd00::/64"),
    errors: [["network.subnetPrefix", "InvalidCidr"]],
  },
  {
    name: "subnet outside the VNet",
    mutate: (d) => void (d.network.subnetPrefix = "192.168.0.0/24"),
    errors: [["network.subnetPrefix", "SubnetNotInVnet"]],
  },
  {
    name: "service CIDR equal to the subnet",
    mutate: (d) => void (d.network.serviceCidr = "10.240.0.0/16"),
    errors: [
      ["network.dnsServiceIp", "DnsServiceIpOutOfServiceCidr"],
      ["network.serviceCidr", "ServiceCidrOverlapExistingSubnetsCidr"],
    ],
  },
  {
    name: "service CIDR larger than /12",
    mutate: (d) => void (d.network.serviceCidr = "10.0.0.0/11"),
    errors: [["network.serviceCidr", "ServiceCidrTooLarge"]],
  },
  {
    name: "DNS IP outside the service CIDR",
    mutate: (d) => void (d.network.dnsServiceIp = "10.1.0.10"),
    errors: [["network.dnsServiceIp", "DnsServiceIpOutOfServiceCidr"]],
  },
  {
    name: "DNS IP is the first address",
    mutate: (d) => void (d.network.dnsServiceIp = "10.0.0.1"),
    errors: [["network.dnsServiceIp", "InvalidDnsServiceIp"]],
  },
  {
    name: "DNS IP is the network address",
    mutate: (d) => void (d.network.dnsServiceIp = "10.0.0.0"),
    errors: [["network.dnsServiceIp", "InvalidDnsServiceIp"]],
  },
  {
    name: "DNS IP is the broadcast address",
    mutate: (d) => void (d.network.dnsServiceIp = "10.0.255.255"),
    errors: [["network.dnsServiceIp", "InvalidDnsServiceIp"]],
  },
  {
    name: "DNS IP not an address",
    mutate: (d) => void (d.network.dnsServiceIp = "10.0.0.300"),
    errors: [["network.dnsServiceIp", "InvalidIpAddress"]],
  },
  {
    name: "pod CIDR overlapping the subnet",
    mutate: (d) => void (d.network.podCidr = "10.240.0.0/16"),
    errors: [["network.podCidr", "PodCidrOverlapsSubnet"]],
  },
  {
    name: "pod CIDR overlapping the service CIDR",
    mutate: (d) => void (d.network.podCidr = "10.0.0.0/16"),
    errors: [["network.podCidr", "PodCidrOverlapsServiceCidr"]],
  },
  {
    name: "pod CIDR in a reserved range",
    mutate: (d) => void (d.network.podCidr = "172.30.0.0/16"),
    errors: [["network.podCidr", "ReservedRangeOverlap"]],
  },
  {
    name: "pod CIDR smaller than a /24",
    mutate: (d) => void (d.network.podCidr = "10.244.0.0/25"),
    errors: [["network.podCidr", "PodCidrTooSmall"]],
  },
  {
    name: "pod CIDR too small for the node count",
    mutate: (d) => {
      d.network.podCidr = "172.20.0.0/23";
      d.nodePool.count = 2;
    },
    errors: [["network.podCidr", "PodCidrTooSmall"]],
  },
  {
    name: "pod CIDR in node-subnet mode",
    mutate: (d) => {
      d.network.pluginMode = "nodeSubnet";
      d.network.podCidr = "172.20.0.0/16";
    },
    errors: [["network.podCidr", "PodCidrNotAllowed"]],
  },
  {
    name: "cilium policy on the azure dataplane",
    mutate: (d) => void (d.network.dataplane = "azure"),
    errors: [["network.dataplane", "CiliumPolicyRequiresCiliumDataplane"]],
  },
  {
    name: "calico policy on the cilium dataplane",
    mutate: (d) => {
      d.network.policy = "calico";
      d.network.dataplane = "cilium";
    },
    errors: [["network.policy", "CiliumDataplaneRequiresCiliumPolicy"]],
  },
  {
    name: "subnet too small for the nodes (overlay)",
    mutate: (d) => {
      d.network.subnetPrefix = "10.240.0.0/29";
      d.nodePool.count = 5;
    },
    errors: [["network.subnetPrefix", "SubnetTooSmall"]],
  },
  {
    name: "subnet too small for nodes and pods (node-subnet mode)",
    mutate: (d) => {
      d.network.pluginMode = "nodeSubnet";
      d.network.subnetPrefix = "10.240.0.0/24";
      d.nodePool.count = 10;
    },
    errors: [["network.subnetPrefix", "SubnetTooSmall"]],
  },
  {
    name: "VNet and subnet in the link-local range AKS reserves",
    mutate: (d) => {
      d.network.vnetAddressSpace = "169.254.0.0/16";
      d.network.subnetPrefix = "169.254.0.0/24";
    },
    errors: [
      ["network.vnetAddressSpace", "ReservedRangeOverlap"],
      ["network.subnetPrefix", "ReservedRangeOverlap"],
    ],
  },
  {
    name: "service CIDR in 192.0.2.0/24",
    mutate: (d) => {
      d.network.serviceCidr = "192.0.2.0/24";
      d.network.dnsServiceIp = "192.0.2.10";
    },
    errors: [["network.serviceCidr", "ReservedRangeOverlap"]],
  },
  // Kubernetes rules: namespaces
  {
    name: "namespace name with capitals",
    mutate: (d) => void (ns(d).name = "Test"),
    errors: [["namespaces[0].name", "InvalidName"]],
  },
  {
    name: "reserved kube- namespace",
    mutate: (d) => {
      ns(d).name = "kube-system";
      ns(d).expectations = [];
    },
    errors: [["namespaces[0].name", "ReservedNamespace"]],
  },
  {
    name: "namespace declared twice",
    mutate: (d) => void d.namespaces.push(structuredClone(ns(d))),
    errors: [["namespaces[1].name", "DuplicateName"]],
  },
  {
    name: "namespace label key with a space",
    mutate: (d) => void (ns(d).labels["bad key"] = "x"),
    errors: [['namespaces[0].labels["bad key"]', "InvalidLabelKey"]],
  },
  {
    name: "namespace label value too long",
    mutate: (d) => void (ns(d).labels.purpose = "v".repeat(64)),
    errors: [["namespaces[0].labels.purpose", "InvalidLabelValue"]],
  },
  {
    name: "namespace name label that contradicts the name",
    mutate: (d) => void (ns(d).labels["kubernetes.io/metadata.name"] = "prod"),
    errors: [['namespaces[0].labels["kubernetes.io/metadata.name"]', "ReservedLabel"]],
  },
  {
    name: "defaultDeny repeating a direction",
    mutate: (d) => void (ns(d).defaultDeny = ["Ingress", "Ingress"]),
    errors: [["namespaces[0].defaultDeny", "DuplicatePolicyType"]],
  },
  {
    name: "defaultDeny with an unknown direction",
    mutate: (d) => void (ns(d).defaultDeny = ["Both"]),
    errors: [["namespaces[0].defaultDeny[0]", "InvalidValue"]],
  },
  {
    name: "too many namespaces",
    mutate: (d) => void (d.namespaces = Array.from({ length: 51 }, (_, i) => ({ name: `ns${i}` }))),
    errors: [["namespaces", "ValueTooLarge"]],
  },
  {
    name: "namespaces not an array",
    mutate: (d) => void (d.namespaces = { test: {} }),
    errors: [["namespaces", "InvalidType"]],
  },
  // Workloads
  {
    name: "workload name with capitals",
    mutate: (d) => void (backend(d).name = "Backend"),
    errors: [["namespaces[0].workloads[0].name", "InvalidName"]],
  },
  {
    name: "workload name starting with a digit",
    mutate: (d) => void (backend(d).name = "1backend"),
    errors: [["namespaces[0].workloads[0].name", "InvalidName"]],
  },
  {
    name: "image with capitals",
    mutate: (d) => void (backend(d).image = "NGINX"),
    errors: [["namespaces[0].workloads[0].image", "InvalidImage"]],
  },
  {
    name: "empty image",
    mutate: (d) => void (backend(d).image = ""),
    errors: [["namespaces[0].workloads[0].image", "InvalidImage"]],
  },
  {
    name: "container port zero",
    mutate: (d) => void (backend(d).ports[0].port = 0),
    errors: [["namespaces[0].workloads[0].ports[0].port", "PortOutOfRange"]],
  },
  {
    name: "container port above 65535",
    mutate: (d) => void (backend(d).ports[0].port = 70000),
    errors: [["namespaces[0].workloads[0].ports[0].port", "PortOutOfRange"]],
  },
  {
    name: "port name with a double hyphen",
    mutate: (d) => void (backend(d).ports[0].name = "http--x"),
    errors: [["namespaces[0].workloads[0].ports[0].name", "InvalidPortName"]],
  },
  {
    name: "port name longer than 15",
    mutate: (d) => void (backend(d).ports[0].name = "a-very-long-port-name"),
    errors: [["namespaces[0].workloads[0].ports[0].name", "InvalidPortName"]],
  },
  {
    name: "port protocol ICMP",
    mutate: (d) => void (backend(d).ports[0].protocol = "ICMP"),
    errors: [["namespaces[0].workloads[0].ports[0].protocol", "InvalidValue"]],
  },
  {
    name: "same container port twice",
    mutate: (d) => void backend(d).ports.push({ port: 80 }),
    errors: [["namespaces[0].workloads[0].ports[1].port", "DuplicatePort"]],
  },
  {
    name: "exposed workload without ports",
    mutate: (d) => void (backend(d).ports = []),
    errors: [
      ["namespaces[0].workloads[0].ports", "ServiceWithoutPorts"],
      ["namespaces[0].expectations[0].to.port", "UnknownServicePort"],
      ["namespaces[0].expectations[1].to.port", "UnknownServicePort"],
    ],
  },
  {
    name: "zero replicas",
    mutate: (d) => void (backend(d).replicas = 0),
    errors: [["namespaces[0].workloads[0].replicas", "ReplicasOutOfRange"]],
  },
  {
    name: "workload declared twice",
    mutate: (d) => void ns(d).workloads.push(structuredClone(backend(d))),
    errors: [["namespaces[0].workloads[1].name", "DuplicateName"]],
  },
  // NetworkPolicies, as the API server validates them
  {
    name: "policy name with underscore",
    mutate: (d) => void (ns(d).networkPolicies[0].name = "backend_policy"),
    errors: [["namespaces[0].networkPolicies[0].name", "InvalidName"]],
  },
  {
    name: "policy name taken by the generated default deny",
    mutate: (d) => void (ns(d).networkPolicies[0].name = "default-deny-ingress"),
    errors: [["namespaces[0].networkPolicies[0].name", "DuplicateName"]],
  },
  {
    name: "policy declared twice",
    mutate: (d) => void ns(d).networkPolicies.push(structuredClone(ns(d).networkPolicies[0])),
    errors: [["namespaces[0].networkPolicies[1].name", "DuplicateName"]],
  },
  {
    name: "typo in a policy spec",
    mutate: (d) => void (policy(d).podSelectr = {}),
    errors: [[`${P}.podSelectr`, "UnknownField"]],
  },
  {
    name: "peer mixing ipBlock and podSelector",
    mutate: (d) => void (peer(d).ipBlock = { cidr: "10.0.0.0/8" }),
    errors: [[PEER, "PeerTypeConflict"]],
  },
  {
    name: "empty peer",
    mutate: (d) => void (policy(d).ingress[0].from = [{}]),
    errors: [[PEER, "PeerRequired"]],
  },
  {
    name: "ipBlock with an invalid cidr",
    mutate: (d) => void (policy(d).ingress[0].from = [{ ipBlock: { cidr: "10.0.0/8" } }]),
    errors: [[`${PEER}.ipBlock.cidr`, "InvalidCidr"]],
  },
  {
    name: "ipBlock except outside the cidr",
    mutate: (d) =>
      void (policy(d).ingress[0].from = [{ ipBlock: { cidr: "10.0.0.0/16", except: ["10.1.0.0/24"] } }]),
    errors: [[`${PEER}.ipBlock.except[0]`, "IpBlockExceptNotStrictSubset"]],
  },
  {
    name: "ipBlock except equal to the cidr",
    mutate: (d) =>
      void (policy(d).ingress[0].from = [{ ipBlock: { cidr: "10.0.0.0/16", except: ["10.0.0.0/16"] } }]),
    errors: [[`${PEER}.ipBlock.except[0]`, "IpBlockExceptNotStrictSubset"]],
  },
  {
    name: "policy port zero",
    mutate: (d) => withPorts(d, [{ port: 0 }]),
    errors: [[`${P}.ingress[0].ports[0].port`, "PortOutOfRange"]],
  },
  {
    name: "endPort without port",
    mutate: (d) => withPorts(d, [{ endPort: 90 }]),
    errors: [[`${P}.ingress[0].ports[0].endPort`, "EndPortWithoutNumericPort"]],
  },
  {
    name: "endPort with a named port",
    mutate: (d) => withPorts(d, [{ port: "http", endPort: 90 }]),
    errors: [[`${P}.ingress[0].ports[0].endPort`, "EndPortWithoutNumericPort"]],
  },
  {
    name: "endPort below port",
    mutate: (d) => withPorts(d, [{ port: 90, endPort: 80 }]),
    errors: [[`${P}.ingress[0].ports[0].endPort`, "EndPortLessThanPort"]],
  },
  {
    name: "policy protocol ICMP",
    mutate: (d) => withPorts(d, [{ port: 80, protocol: "ICMP" }]),
    errors: [[`${P}.ingress[0].ports[0].protocol`, "InvalidValue"]],
  },
  {
    name: "policy named port that is not an IANA name",
    mutate: (d) => withPorts(d, [{ port: "HTTP" }]),
    errors: [[`${P}.ingress[0].ports[0].port`, "InvalidPortName"]],
  },
  {
    name: "In selector without values",
    mutate: (d) =>
      void (policy(d).podSelector = { matchExpressions: [{ key: "app", operator: "In", values: [] }] }),
    errors: [[`${P}.podSelector.matchExpressions[0].values`, "SelectorValuesRequired"]],
  },
  {
    name: "Exists selector with values",
    mutate: (d) =>
      void (policy(d).podSelector = {
        matchExpressions: [{ key: "app", operator: "Exists", values: ["x"] }],
      }),
    errors: [[`${P}.podSelector.matchExpressions[0].values`, "SelectorValuesNotAllowed"]],
  },
  {
    name: "unknown selector operator",
    mutate: (d) =>
      void (policy(d).podSelector = {
        matchExpressions: [{ key: "app", operator: "Equals", values: ["x"] }],
      }),
    errors: [[`${P}.podSelector.matchExpressions[0].operator`, "InvalidValue"]],
  },
  {
    name: "selector key that is not a label key",
    mutate: (d) =>
      void (policy(d).podSelector = { matchExpressions: [{ key: "bad key", operator: "Exists" }] }),
    errors: [[`${P}.podSelector.matchExpressions[0].key`, "InvalidLabelKey"]],
  },
  {
    name: "policyTypes repeated",
    mutate: (d) => void (policy(d).policyTypes = ["Ingress", "Ingress"]),
    errors: [[`${P}.policyTypes`, "DuplicatePolicyType"]],
  },
  {
    name: "more than two policyTypes",
    mutate: (d) => void (policy(d).policyTypes = ["Ingress", "Egress", "Ingress"]),
    errors: [[`${P}.policyTypes`, "TooManyPolicyTypes"]],
  },
  // Expectations must refer to what the request declares
  {
    name: "expectation to an undeclared service",
    mutate: (d) => void (ns(d).expectations[0].to.service = "frontend"),
    errors: [["namespaces[0].expectations[0].to.service", "UnknownService"]],
  },
  {
    name: "expectation to an undeclared port",
    mutate: (d) => void (ns(d).expectations[0].to.port = 8080),
    errors: [["namespaces[0].expectations[0].to.port", "UnknownServicePort"]],
  },
  {
    name: "expectation to an undeclared port name",
    mutate: (d) => void (ns(d).expectations[0].to.port = "https"),
    errors: [["namespaces[0].expectations[0].to.port", "UnknownServicePort"]],
  },
  {
    name: "expectation from an undeclared namespace",
    mutate: (d) => void (ns(d).expectations[0].from.namespace = "prod"),
    errors: [["namespaces[0].expectations[0].from.namespace", "UnknownNamespace"]],
  },
  {
    name: "expectation to an undeclared namespace",
    mutate: (d) => void (ns(d).expectations[0].to.namespace = "prod"),
    errors: [["namespaces[0].expectations[0].to.namespace", "UnknownNamespace"]],
  },
  {
    name: "expectation to a workload without a Service",
    mutate: (d) => void (backend(d).expose = false),
    errors: [
      ["namespaces[0].expectations[0].to.service", "ServiceNotExposed"],
      ["namespaces[0].expectations[1].to.service", "ServiceNotExposed"],
    ],
  },
  {
    name: "expectation without allowed",
    mutate: (d) => void delete ns(d).expectations[0].allowed,
    errors: [["namespaces[0].expectations[0].allowed", "MissingField"]],
  },
  // Tags
  {
    name: "more than 50 tags",
    mutate: (d) => void (d.tags = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`t${i}`, "v"]))),
    errors: [["tags", "TooManyTags"]],
  },
  {
    name: "tag name with a slash",
    mutate: (d) => void (d.tags["a/b"] = "x"),
    errors: [['tags["a/b"]', "InvalidTagName"]],
  },
  {
    name: "tag name with a reserved prefix",
    mutate: (d) => void (d.tags["azure-owner"] = "x"),
    errors: [['tags["azure-owner"]', "ReservedTagName"]],
  },
  {
    name: "tag value longer than 256",
    mutate: (d) => void (d.tags.costCenter = "x".repeat(257)),
    errors: [["tags.costCenter", "InvalidTagValue"]],
  },
  {
    name: "tag value not a string",
    mutate: (d) => void (d.tags.costCenter = 1234),
    errors: [["tags.costCenter", "InvalidType"]],
  },
  // Document level
  {
    name: "unknown onFailure",
    mutate: (d) => void (d.onFailure = "delete"),
    errors: [["onFailure", "InvalidValue"]],
  },
  { name: "document is an array", mutate: () => [], errors: [["", "InvalidType"]] },
  { name: "document is null", mutate: () => null as unknown as Doc, errors: [["", "InvalidType"]] },
];

function errorPairs(doc: unknown): [string, string][] {
  const result = validateClusterSpec(doc);
  assert.equal(result.ok, false, "the document must be rejected");
  if (result.ok) return [];
  return result.errors.map((e) => [e.path, e.code] as [string, string]).sort();
}

describe("invalid ClusterSpec documents: exact path and code for each", () => {
  test("the table has at least 60 cases", () => assert.ok(cases.length >= 60, `${cases.length} cases`));
  for (const c of cases) {
    test(c.name, () => {
      const base = tutorialRequest();
      const replaced = c.mutate(base);
      const doc = replaced === undefined ? base : replaced;
      assert.deepEqual(errorPairs(doc), [...c.errors].sort());
    });
  }
});

describe("document-level rejections", () => {
  test("a document over 256 KiB is rejected before parsing", () => {
    const doc = tutorialRequest();
    doc.tags = { note: "x".repeat(200) };
    const text = JSON.stringify({ ...doc, padding: "y".repeat(300 * 1024) });
    const result = validateClusterSpecText(text);
    assert.equal(result.ok, false);
    if (!result.ok)
      assert.deepEqual(
        result.errors.map((e) => e.code),
        ["DocumentTooLarge"],
      );
  });
  test("prototype keys anywhere in the text are refused by path, not dropped", () => {
    const doc = tutorialRequest();
    // Text, as a request arrives: JSON.parse makes "__proto__" an own key (an object literal would not).
    const text = JSON.stringify({ ...doc, tags: { team: "x", PROTO: { polluted: "yes" } } })
      .replace('"PROTO"', '"__proto__"')
      .replace('"workloads"', '"constructor":{},"workloads"');
    const withPrototype = JSON.stringify(doc).replace('"nodePool":{', '"nodePool":{"prototype":1,');
    for (const [body, paths] of [
      [text, ["namespaces[0].constructor", "tags.__proto__"]],
      [withPrototype, ["nodePool.prototype"]],
    ] as const) {
      const result = validateClusterSpecText(body);
      assert.equal(result.ok, false);
      if (!result.ok) {
        assert.deepEqual(result.errors.map((e) => e.path).sort(), paths);
        assert.ok(result.errors.every((e) => e.code === "ForbiddenKey"));
      }
    }
    assert.equal(({} as Record<string, unknown>)["polluted"], undefined, "nothing reached Object.prototype");
  });
  test("a number beyond double range (1e309 parses as Infinity) is 'must be a finite number'", () => {
    const text = JSON.stringify(tutorialRequest()).replace(/"count":\d+/, '"count":1e309');
    assert.match(text, /1e309/);
    const result = validateClusterSpecText(text);
    assert.equal(result.ok, false);
    if (!result.ok)
      assert.deepEqual(result.errors, [
        {
          path: "nodePool.count",
          code: "NumberOutOfRange",
          message: "must be a finite number (got Infinity)",
        },
      ]);
  });
  test("text that is not JSON is rejected with InvalidJson", () => {
    const result = validateClusterSpecText('{"name": "x",');
    assert.equal(result.ok, false);
    if (!result.ok)
      assert.deepEqual(
        result.errors.map((e) => [e.path, e.code]),
        [["", "InvalidJson"]],
      );
  });
  test("every problem is reported at once, across sections", () => {
    const doc = tutorialRequest();
    doc.name = "-bad";
    doc.network.dnsServiceIp = "10.1.0.10";
    backend(doc).ports[0].port = 0;
    doc.tags["a/b"] = "x";
    ns(doc).expectations[1].to.service = "nope";
    assert.deepEqual(errorPairs(doc), [
      ["name", "InvalidClusterName"],
      ["namespaces[0].workloads[0].ports[0].port", "PortOutOfRange"],
      ["network.dnsServiceIp", "DnsServiceIpOutOfServiceCidr"],
      ['tags["a/b"]', "InvalidTagName"],
    ]);
  });
  test("an unknown field suggests the field that was probably meant", () => {
    const doc = tutorialRequest();
    doc.network.subnetPrefx = "10.240.0.0/16";
    const result = validateClusterSpec(doc);
    assert.equal(result.ok, false);
    if (!result.ok)
      assert.match(
        result.errors[0]!.message,
        /unknown field "subnetPrefx" \(did you mean "subnetPrefix"\?\)/,
      );
  });
  test("messages name the values involved", () => {
    const doc = tutorialRequest();
    doc.network.dnsServiceIp = "10.1.0.10";
    const result = validateClusterSpec(doc);
    assert.equal(result.ok, false);
    if (!result.ok)
      assert.equal(result.errors[0]!.message, "10.1.0.10 is not inside serviceCidr 10.0.0.0/16");
  });
});
