// The update rules: which fields an update may not change (FieldImmutable, one problem per path)
// and the Kubernetes version rules (forward only, to a version the region offers).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compareVersions, immutableViolations, versionProblems } from "../../../shared/spec/immutable.js";
import { tutorialSpec } from "../../helpers/examples.js";
import type { ClusterSpec } from "../../../shared/spec/schema.js";

const spec = tutorialSpec;

const paths = (before: ClusterSpec, after: ClusterSpec) =>
  immutableViolations(before, after).map((p) => `${p.code} ${p.path}`);

describe("immutable fields", () => {
  it("allows what AKS changes in place: counts, autoscaler bounds, tags, namespaces, version, new pools", () => {
    const before = spec();
    const after = spec((d) => {
      d.nodePool = { ...d.nodePool, count: 3, maxCount: 9 };
      d.tags = { env: "prod" };
      d.kubernetesVersion = "1.34";
      d.namespaces = [];
      d.nodePools = [{ name: "user1", vmSize: "Standard_D4s_v5", count: 2 }];
    });
    assert.deepEqual(immutableViolations(before, after), []);
  });

  it("refuses a serviceCidr change at network.serviceCidr, with what it was and what was asked", () => {
    const [p, ...rest] = immutableViolations(
      spec(),
      spec((d) => (d.network = { ...d.network, serviceCidr: "10.100.0.0/16", dnsServiceIp: "10.100.0.10" })),
    );
    assert.equal(p?.path, "network.serviceCidr");
    assert.equal(p?.code, "FieldImmutable");
    assert.match(p?.message ?? "", /10\.100\.0\.0\/16/);
    assert.deepEqual(
      rest.map((r) => r.path),
      ["network.dnsServiceIp"],
    );
  });

  it("names every immutable path changed at once: identity, place, network, pool size and zones", () => {
    const before = spec();
    const after = spec((d) => {
      d.team = "other";
      d.location = "westeurope";
      d.resourceGroup = "rg-elsewhere";
      d.network = { ...d.network, policy: "calico", pluginMode: "nodeSubnet" };
      d.nodePool = { ...d.nodePool, vmSize: "Standard_D8s_v5", availabilityZones: ["1"] };
    });
    const got = paths(before, after);
    for (const path of [
      "team",
      "location",
      "resourceGroup",
      "network.policy",
      "network.pluginMode",
      "nodePool.vmSize",
      "nodePool.availabilityZones",
    ])
      assert.ok(got.includes(`FieldImmutable ${path}`), `${path} in ${got.join(", ")}`);
  });

  it("refuses a user pool's new VM size at its index, but not a pool added beside it", () => {
    const before = spec((d) => (d.nodePools = [{ name: "user1", vmSize: "Standard_D4s_v5" }]));
    const after = spec(
      (d) =>
        (d.nodePools = [
          { name: "user2", vmSize: "Standard_D8s_v5" },
          { name: "user1", vmSize: "Standard_D8s_v5" },
        ]),
    );
    assert.deepEqual(paths(before, after), ["FieldImmutable nodePools[1].vmSize"]);
  });

  it("lets Entra ID and the OIDC issuer be turned on, never off; a private API server never toggles", () => {
    // Entra ID is on by default; only a cluster stored while it was opt-in has no aadProfile.
    const { aadProfile: _aad, ...off } = spec((d) => {
      d.oidcIssuerProfile = { enabled: false };
      d.securityProfile = { workloadIdentity: { enabled: false } };
    });
    const on = spec((d) => {
      d.aadProfile = {};
      d.oidcIssuerProfile = { enabled: true };
    });
    assert.deepEqual(paths(off, on), []);
    assert.deepEqual(paths(on, off), [
      "FieldImmutable aadProfile",
      "FieldImmutable oidcIssuerProfile.enabled",
    ]);
    const priv = spec((d) => (d.apiServerAccessProfile = { enablePrivateCluster: true }));
    assert.deepEqual(paths(spec(), priv), ["FieldImmutable apiServerAccessProfile.enablePrivateCluster"]);
  });
});

describe("Kubernetes version rules", () => {
  const offered = ["1.32", "1.32.7", "1.33", "1.33.3", "1.34", "1.34.0"];

  it("compares numerically", () => {
    assert.ok(compareVersions("1.10", "1.9") > 0);
    assert.equal(compareVersions("1.33", "1.33.0"), 0);
    assert.ok(compareVersions("1.33.3", "1.33") > 0);
  });

  it("accepts forward moves to offered versions, and an unchanged or absent one", () => {
    assert.equal(versionProblems("1.33", "1.34", offered), undefined);
    assert.equal(versionProblems("1.33", "1.33.3", offered), undefined);
    assert.equal(versionProblems("1.33.3", "1.33", offered), undefined);
    assert.equal(versionProblems("1.33", undefined, offered), undefined);
    assert.equal(versionProblems("1.31", "1.31", offered), undefined);
  });

  it("refuses a downgrade with 409 VersionDowngradeNotAllowed", () => {
    const r = versionProblems("1.33", "1.32", offered);
    assert.equal(r?.status, 409);
    assert.equal(r?.problem.code, "VersionDowngradeNotAllowed");
    assert.equal(versionProblems("1.33.3", "1.33.0", offered)?.problem.code, "VersionDowngradeNotAllowed");
  });

  it("refuses a version the region does not offer with 400 KubernetesVersionNotSupported naming the offered ones", () => {
    const r = versionProblems("1.33", "1.35", offered);
    assert.equal(r?.status, 400);
    assert.equal(r?.problem.code, "KubernetesVersionNotSupported");
    assert.match(r?.problem.message ?? "", /1\.34/);
  });
});
