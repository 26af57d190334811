// The tutorial (tip 238, see docs/arm-and-aks.md): namespace test (purpose=test), an nginx
// backend (app=webapp, role=backend, port 80), probe pods with and without the frontend labels.
// Its two policies must give exactly the observations the tutorial reports with wget.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compileCluster, type NetworkPolicyObject, type PodInput } from "../../../shared/netpol/index.js";

const namespaces = [{ name: "test", labels: { purpose: "test" } }];
const pods: PodInput[] = [
  {
    namespace: "test",
    name: "backend",
    labels: { app: "webapp", role: "backend" },
    ip: "10.240.0.20",
    ports: [{ port: 80 }],
  },
  // `kubectl run network-policy` labels the pod run=network-policy.
  { namespace: "test", name: "network-policy", labels: { run: "network-policy" }, ip: "10.240.0.21" },
  { namespace: "test", name: "frontend", labels: { app: "webapp", role: "frontend" }, ip: "10.240.0.22" },
];
const backendPolicy = (spec: unknown): NetworkPolicyObject => ({
  kind: "NetworkPolicy",
  apiVersion: "networking.k8s.io/v1",
  metadata: { name: "backend-policy", namespace: "test" },
  spec,
});
const denyAll = backendPolicy({
  podSelector: { matchLabels: { app: "webapp", role: "backend" } },
  ingress: [],
});
const allowFrontend = backendPolicy({
  podSelector: { matchLabels: { app: "webapp", role: "backend" } },
  ingress: [
    { from: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: "webapp", role: "frontend" } } }] },
  ],
});
const wget = (policies: NetworkPolicyObject[], from: string) =>
  compileCluster({ namespaces, pods, policies }).evaluate({
    from: { pod: `test/${from}` },
    to: { pod: "test/backend" },
    port: 80,
  });

describe("the tutorial's observations", () => {
  it("before any policy, wget http://backend from an unlabelled pod returns the nginx page", () => {
    assert.equal(wget([], "network-policy").allowed, true);
  });

  it("with the deny-all backend-policy, wget times out", () => {
    const v = wget([denyAll], "network-policy");
    assert.equal(v.allowed, false);
    assert.equal(v.ingress.reason, "NoRuleMatched");
    assert.deepEqual(v.ingress.selectingPolicies, ["test/backend-policy"]);
    assert.equal(wget([denyAll], "frontend").allowed, false, "it denies the frontend too");
  });

  it("with the updated backend-policy, a pod labelled app=webapp,role=frontend gets the page", () => {
    const v = wget([allowFrontend], "frontend");
    assert.equal(v.allowed, true);
    assert.deepEqual(v.ingress.allowedBy, { policy: "test/backend-policy", rule: 0, peer: 0 });
  });

  it("with the updated backend-policy, a pod without those labels times out", () => {
    assert.equal(wget([allowFrontend], "network-policy").allowed, false);
  });
});
