// The quota slot's conditional release rule (shared/provision/quota.ts), which clusterQuotaSlot applies.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { quotaSlotId, releases } from "../../../shared/provision/quota.js";

describe("quota slot release", () => {
  const slot = quotaSlotId("gamma", 1);
  const input = { team: "gamma", holder: "aksv-a-1", cluster: "a" };

  it("is freed only by a release naming its own holder (and, when named, its own slot)", () => {
    assert.equal(slot, "aksv-quota-gamma-1");
    assert.equal(releases(input, slot, { holder: "aksv-a-1" }), true);
    assert.equal(releases(input, slot, { holder: "aksv-a-1", slot }), true);
    assert.equal(releases(input, slot, { holder: "aksv-b-2" }), false, "a stale release for another holder");
    assert.equal(releases(input, slot, { holder: "aksv-a-1", slot: quotaSlotId("gamma", 0) }), false);
    assert.equal(releases(input, slot, null), false);
    assert.equal(releases(input, slot, "aksv-a-1"), false);
  });
});
