import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { verificationText } from "../../../cli/commands/clusters.js";
import { SUCCEEDED_EXAMPLE } from "../../../shared/api/examples.js";

describe("CLI verification text", () => {
  it("counts the access reviews beside the probes and lists a mismatching one", () => {
    const v = SUCCEEDED_EXAMPLE.verification!;
    const access = v.access!.map((a, i) => (i === 2 ? { ...a, observed: "allowed" as const } : a));
    assert.deepEqual(
      verificationText({ ...SUCCEEDED_EXAMPLE, verification: { ...v, passed: false, access } }),
      [
        "verification: FAILED (2/2 probes as expected, 2/3 access reviews)",
        "  team team-a: create pods in kube-system: expected denied, observed allowed",
      ],
    );
  });

  it("says nothing of access on a cluster without grants", () => {
    const { access: _, ...v } = SUCCEEDED_EXAMPLE.verification!;
    assert.deepEqual(verificationText({ ...SUCCEEDED_EXAMPLE, verification: v }), [
      "verification: passed (2/2 probes as expected)",
    ]);
  });
});
