// Azure DevOps server jobs as callers: AKSV_PIPELINE_CALLERS parsed strictly, and a verified token
// for a listed pipeline app's own audience accepted only when that app asked for itself, with the
// roles and teams the setting gives (never the token's).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { JWTPayload } from "jose";
import { callerOf, parsePipelineCallers, pipelineAudiences } from "../../../shared/auth/pipeline-callers.js";
import { TokenRejected } from "../../../shared/auth/token.js";
import { loadConfig } from "../../../shared/config/index.js";

const PIPE = "5E1F0C7A-2B3D-4E5F-8A9B-0C1D2E3F4A5B";
const pipe = PIPE.toLowerCase();
const callers = parsePipelineCallers(
  JSON.stringify({ [PIPE]: { roles: ["Clusters.Write"], teams: ["team-a"] } }),
);
const rules = {
  audiences: ["api-client-id"],
  teams: { claim: "groups", groups: {}, rolePrefix: "Team." },
  pipelineCallers: callers,
};

function rejection(claims: JWTPayload): string {
  try {
    callerOf(claims, rules);
  } catch (e) {
    assert.ok(e instanceof TokenRejected);
    return e.message;
  }
  assert.fail("accepted");
}

describe("AKSV_PIPELINE_CALLERS", () => {
  it("maps client ids to roles and teams, and gives each its v2 and v1 audience", () => {
    assert.deepEqual(callers, {
      [pipe]: { clientId: PIPE, roles: ["Clusters.Write"], teams: ["team-a"] },
    });
    assert.deepEqual(pipelineAudiences(callers), [PIPE, `api://${PIPE}`]);
    assert.deepEqual(parsePipelineCallers(undefined), {});
    assert.deepEqual(parsePipelineCallers(" "), {});
  });

  it("stops the app with the setting's name on anything malformed", () => {
    for (const [raw, why] of [
      ["{", /not valid JSON/],
      ["[]", /must be a JSON object/],
      ['{"api://x": {"roles": ["Clusters.Write"]}}', /not a client id/],
      [`{"${PIPE}": {"roles": []}}`, /roles must list app roles/],
      [`{"${PIPE}": {"roles": ["Clusters.Owner"]}}`, /roles must list app roles/],
      [`{"${PIPE}": {"roles": ["Clusters.Read"], "teams": "team-a"}}`, /teams must list team names/],
    ] as const)
      assert.throws(() => parsePipelineCallers(raw), new RegExp(`AKSV_PIPELINE_CALLERS: .*${why.source}`));
    assert.throws(
      () =>
        loadConfig({ AKSV_AUTH_ISSUER: "https://i", AKSV_AUTH_AUDIENCE: "a", AKSV_PIPELINE_CALLERS: "{" }),
      /AKSV_PIPELINE_CALLERS/,
    );
  });

  it("is part of the auth configuration only when set", () => {
    const env = { AKSV_AUTH_ISSUER: "https://i", AKSV_AUTH_AUDIENCE: "a" };
    assert.equal(loadConfig(env).auth?.pipelineCallers, undefined);
    assert.deepEqual(
      loadConfig({ ...env, AKSV_PIPELINE_CALLERS: JSON.stringify({ [PIPE]: { roles: ["Clusters.Read"] } }) })
        .auth?.pipelineCallers,
      { [pipe]: { clientId: PIPE, roles: ["Clusters.Read"], teams: [] } },
    );
  });
});

describe("the caller of a verified token", () => {
  it("is the token's own roles and teams when it is for this API", () => {
    const c = callerOf({ aud: "api-client-id", oid: "u1", roles: ["Clusters.Read", "Team.data"] }, rules);
    assert.deepEqual([...c.roles], ["Clusters.Read"]);
    assert.deepEqual([...c.teams], ["data"]);
  });

  it("is the listed pipeline, with the setting's roles and teams, for the app's own app-only token (v2 and v1)", () => {
    for (const claims of [
      { aud: PIPE, azp: PIPE, oid: "sp-1", roles: ["Clusters.Admin", "Team.other"] },
      { aud: `api://${pipe}`, appid: pipe, oid: "sp-1" },
    ]) {
      const c = callerOf(claims, rules);
      assert.equal(c.id, "sp-1");
      assert.equal(c.displayName, `pipeline ${PIPE}`);
      assert.deepEqual([...c.roles], ["Clusters.Write"], "never the roles the app gave itself");
      assert.deepEqual([...c.teams], ["team-a"]);
    }
  });

  it("is refused for another client's token for the pipeline app, a user's token, an unlisted app", () => {
    assert.match(rejection({ aud: PIPE, azp: "someone-else", oid: "x" }), /requested by someone-else/);
    assert.match(rejection({ aud: PIPE, oid: "x" }), /requested by no client/);
    assert.match(rejection({ aud: PIPE, azp: PIPE, scp: "user_impersonation", oid: "u" }), /delegated/);
    assert.match(
      rejection({
        aud: "api://0f0e0d0c-0b0a-4909-8807-060504030201",
        azp: "0f0e0d0c-0b0a-4909-8807-060504030201",
      }),
      /is not this API's/,
    );
    assert.match(rejection({ aud: PIPE, azp: PIPE }), /names no principal/);
  });
});
