// What the portal is told about signing in, and the CSP its pages are served with.
import { test } from "node:test";
import assert from "node:assert/strict";
import { authorityOf, contentSecurityPolicy, portalConfig } from "../../../functions/portal.js";
import type { AuthConfig } from "../../../shared/config/index.js";

const auth = {
  issuer: "https://login.microsoftonline.com/72f988bf-0000-4000-8000-00000000e7e7/v2.0",
  audiences: ["api://aks-vending", "11111111-2222-3333-4444-555555555555"],
  metadataUrl:
    "https://login.microsoftonline.com/72f988bf-0000-4000-8000-00000000e7e7/v2.0/.well-known/openid-configuration",
  clockSkewSeconds: 60,
  teams: { claim: "groups", groups: {}, rolePrefix: "Team." },
} as unknown as AuthConfig;

test("the portal signs in at the issuer's authority for the API's first audience", () => {
  assert.equal(
    authorityOf(auth.issuer),
    "https://login.microsoftonline.com/72f988bf-0000-4000-8000-00000000e7e7",
  );
  assert.deepEqual(portalConfig(auth, "portal-app"), {
    signIn: {
      clientId: "portal-app",
      authority: "https://login.microsoftonline.com/72f988bf-0000-4000-8000-00000000e7e7",
      knownAuthorities: ["login.microsoftonline.com"],
      scopes: ["api://aks-vending/.default"],
    },
  });
});

test("without the API's auth or the portal's client id there is no sign-in to offer", () => {
  assert.deepEqual(portalConfig(undefined, "portal-app"), { signIn: null });
  assert.deepEqual(portalConfig(auth, undefined), { signIn: null });
});

test("portal pages run scripts from this origin only and may talk to the issuer, nothing else", () => {
  const csp = contentSecurityPolicy("portal", auth);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.match(csp, /connect-src 'self' https:\/\/login\.microsoftonline\.com(;|$)/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  // Swagger UI sets style attributes from script: allowed there for styles only.
  assert.match(contentSecurityPolicy("docs", auth), /style-src 'self' 'unsafe-inline'/);
  assert.doesNotMatch(contentSecurityPolicy("docs", auth), /script-src[^;]*unsafe/);
});
