// The CLI's sign-in pieces that need no server: where the profile lives, how it is written and read,
// which API and token a command uses, and when a token counts as expiring.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import {
  configDir,
  loadProfile,
  profilePath,
  removeProfile,
  sameApi,
  saveProfile,
  type Profile,
} from "../../../cli/auth/profile.js";
import { DEFAULT_API, resolveSession } from "../../../cli/auth/session.js";
import { expiresSoon, scopeOf } from "../../../cli/auth/tokens.js";
import { CliError } from "../../../cli/errors.js";

const dir = mkdtempSync(join(tmpdir(), "aksv-unit-profile-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const local = (
  api: string,
  accessToken = "stored",
  expiresOn = Math.floor(Date.now() / 1000) + 3600,
): Profile => ({
  kind: "dev-token",
  api,
  audience: "api://aks-vending-local",
  grant: { endpoint: "https://127.0.0.1:7443/_emulator/tokens", teams: ["platform"], role: "Clusters.Write" },
  token: { accessToken, expiresOn },
});

describe("sign-in profile", () => {
  it("lives in AKSV_CONFIG_DIR, else XDG_CONFIG_HOME/aks-vending, else ~/.config/aks-vending", () => {
    assert.equal(configDir({ AKSV_CONFIG_DIR: "/a", XDG_CONFIG_HOME: "/x" }), "/a");
    assert.equal(configDir({ XDG_CONFIG_HOME: "/x" }), "/x/aks-vending");
    assert.equal(configDir({}), join(homedir(), ".config", "aks-vending"));
    assert.equal(profilePath({ AKSV_CONFIG_DIR: "/a" }), "/a/profile.json");
  });

  it("is written with mode 0600 through a temporary file, read back, and removed", () => {
    const path = join(dir, "nested", "profile.json");
    assert.equal(loadProfile(path), undefined);
    saveProfile(local("http://x/api"), path);
    saveProfile(local("http://y/api"), path);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(join(dir, "nested")), ["profile.json"], "no temporary file is left");
    assert.equal(loadProfile(path)?.api, "http://y/api");
    assert.equal(removeProfile(path), true);
    assert.equal(removeProfile(path), false);
  });

  it("a damaged profile is a CliError that says to log in again", () => {
    const path = join(dir, "damaged.json");
    for (const text of ["{not json", JSON.stringify({ kind: "dev-token", api: "http://x" })]) {
      writeFileSync(path, text);
      assert.throws(
        () => loadProfile(path),
        (e: unknown) => e instanceof CliError && /damaged; run aks-vending login again/.test(e.message),
      );
    }
  });

  it("compares API URLs without trailing slashes", () => {
    assert.ok(sameApi("http://x/api/", "http://x/api"));
    assert.ok(!sameApi("http://x/api", "http://y/api"));
  });
});

describe("which API and token a command uses", () => {
  const withConfigDir = <T>(d: string, f: () => T): T => {
    const saved = process.env["AKSV_CONFIG_DIR"];
    process.env["AKSV_CONFIG_DIR"] = d;
    try {
      return f();
    } finally {
      if (saved === undefined) delete process.env["AKSV_CONFIG_DIR"];
      else process.env["AKSV_CONFIG_DIR"] = saved;
    }
  };

  it("--token/AKSV_TOKEN over the profile; the profile's API is the default; its token goes to its API only", async () => {
    const d = mkdtempSync(join(dir, "cfg-"));
    saveProfile(local("http://signed-in/api"), join(d, "profile.json"));
    const explicit = withConfigDir(d, () => resolveSession({ token: "t" }));
    assert.equal(explicit.api, "http://signed-in/api");
    assert.equal(await explicit.token?.(), "t");
    const fromProfile = withConfigDir(d, () => resolveSession({}));
    assert.equal(fromProfile.api, "http://signed-in/api");
    assert.equal(await fromProfile.token?.(), "stored");
    const elsewhere = withConfigDir(d, () => resolveSession({ api: "http://other/api" }));
    assert.equal(elsewhere.token, undefined);
    assert.match(elsewhere.note ?? "", /is for http:\/\/signed-in\/api, so no token was sent/);
    const none = withConfigDir(join(dir, "empty"), () => resolveSession({}));
    assert.deepEqual(none, { api: DEFAULT_API, note: "not signed in" });
  });

  it("a token within a minute of expiry is renewed; the OAuth scope of an audience is <audience>/.default", () => {
    const now = Date.now();
    assert.ok(expiresSoon({ accessToken: "", expiresOn: Math.floor(now / 1000) + 30 }, now));
    assert.ok(!expiresSoon({ accessToken: "", expiresOn: Math.floor(now / 1000) + 120 }, now));
    assert.equal(scopeOf("api://aks-vending-local"), "api://aks-vending-local/.default");
    assert.equal(scopeOf("api://x/"), "api://x/.default");
    assert.equal(
      scopeOf("00000000-0000-0000-0000-000000000001/.default"),
      "00000000-0000-0000-0000-000000000001/.default",
    );
  });
});
