import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { callerFromClaims, canChange, canSee, type TeamMapping } from "../../../shared/auth/caller.js";

const mapping: TeamMapping = {
  claim: "groups",
  groups: { "g-platform": "platform", "g-payments": "payments" },
  rolePrefix: "Team.",
};

describe("callers, roles and teams", () => {
  test("teams come from mapped groups and Team.* app roles; unknown groups give none", () => {
    const c = callerFromClaims(
      {
        oid: "o1",
        upn: "ana@contoso.com",
        roles: ["Clusters.Write", "Team.data"],
        groups: ["g-platform", "g-unknown"],
      },
      mapping,
    );
    assert.deepEqual([...c.teams].sort(), ["data", "platform"]);
    assert.equal(c.displayName, "ana@contoso.com");
    assert.equal(c.id, "o1");
  });

  test("a writer sees and changes only its teams' clusters", () => {
    const c = callerFromClaims({ sub: "s", roles: ["Clusters.Write"], groups: ["g-platform"] }, mapping);
    assert.equal(canSee(c, "platform"), true);
    assert.equal(canChange(c, "platform"), true);
    assert.equal(canSee(c, "payments"), false);
    assert.equal(canChange(c, "payments"), false);
  });

  test("a reader sees its teams' clusters but cannot change them", () => {
    const c = callerFromClaims({ sub: "s", roles: ["Clusters.Read"], groups: ["g-platform"] }, mapping);
    assert.equal(canSee(c, "platform"), true);
    assert.equal(canChange(c, "platform"), false);
  });

  test("an admin sees and changes every team's clusters", () => {
    const c = callerFromClaims({ sub: "s", roles: ["Clusters.Admin"] }, mapping);
    assert.equal(canSee(c, "payments"), true);
    assert.equal(canChange(c, "payments"), true);
  });

  test("team membership without a Clusters.* role grants nothing", () => {
    const c = callerFromClaims({ sub: "s", groups: ["g-platform"] }, mapping);
    assert.equal(canSee(c, "platform"), false);
    assert.equal(canChange(c, "platform"), false);
  });
});
