import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { upgradePath, type VersionListing } from "../../../shared/provision/upgrade-path.js";

/** A listing as AKS publishes it: each patch with the patches it may upgrade to. */
const LISTING: VersionListing = {
  values: [
    {
      version: "1.31",
      patchVersions: {
        "1.31.10": { upgrades: ["1.31.11", "1.32.6", "1.32.7"] },
        "1.31.11": { upgrades: ["1.32.6", "1.32.7"] },
      },
    },
    {
      version: "1.32",
      patchVersions: { "1.32.6": { upgrades: ["1.32.7", "1.33.3"] }, "1.32.7": { upgrades: ["1.33.3"] } },
    },
    { version: "1.33", patchVersions: { "1.33.3": { upgrades: ["1.34.0"] } } },
    { version: "1.34", patchVersions: { "1.34.0": { upgrades: [] } } },
  ],
};

describe("Kubernetes upgrade path (upgradePath)", () => {
  it("one minor version: one hop, as the spec writes it", () => {
    assert.deepEqual(upgradePath("1.33.3", "1.34", LISTING), { ok: true, hops: ["1.34"] });
    assert.deepEqual(upgradePath("1.33.3", "1.34.0", LISTING), { ok: true, hops: ["1.34.0"] });
  });

  it("several minor versions: one hop each, in order, control plane never skipping one", () => {
    assert.deepEqual(upgradePath("1.31.10", "1.34", LISTING), { ok: true, hops: ["1.32", "1.33", "1.34"] });
  });

  it("a patch upgrade within the minor, when the listing offers it", () => {
    assert.deepEqual(upgradePath("1.31.10", "1.31.11", LISTING), { ok: true, hops: ["1.31.11"] });
    const r = upgradePath("1.32.7", "1.32.9", LISTING);
    assert.equal(r.ok ? "ok" : r.error.code, "UpgradePathNotFound");
  });

  it("already there: no hop (the minor alias of the running patch included)", () => {
    assert.deepEqual(upgradePath("1.33.3", "1.33", LISTING), { ok: true, hops: [] });
    assert.deepEqual(upgradePath("1.33.3", "1.33.3", LISTING), { ok: true, hops: [] });
  });

  it("refuses a downgrade, a version the region does not offer, and a major version", () => {
    const code = (r: ReturnType<typeof upgradePath>) => (r.ok ? "ok" : r.error.code);
    assert.equal(code(upgradePath("1.33.3", "1.32", LISTING)), "KubernetesVersionDowngradeNotAllowed");
    assert.equal(code(upgradePath("1.31.11", "1.31.10", LISTING)), "KubernetesVersionDowngradeNotAllowed");
    assert.equal(code(upgradePath("1.34.0", "1.35", LISTING)), "KubernetesVersionNotSupported");
    assert.equal(code(upgradePath("1.33.3", "1.34.5", LISTING)), "KubernetesVersionNotSupported");
    assert.equal(code(upgradePath("1.33.3", "2.0", LISTING)), "UpgradePathNotFound");
  });

  it("refuses a hop the listing does not allow from the patch the cluster would run", () => {
    const gap: VersionListing = {
      values: [
        { version: "1.32", patchVersions: { "1.32.7": { upgrades: ["1.32.8"] } } },
        { version: "1.33", patchVersions: { "1.33.3": { upgrades: [] } } },
      ],
    };
    const r = upgradePath("1.32.7", "1.33", gap);
    assert.equal(r.ok ? "ok" : r.error.code, "UpgradePathNotFound");
  });
});
