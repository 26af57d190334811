// npm start's banner: its CLI commands carry --api exactly when the host is not on the CLI's
// default API (the started-on-other-ports case runs for real in test/integration/stack).
import { test } from "node:test";
import assert from "node:assert/strict";
import { banner, type BannerStack } from "../../../emulators/banner.js";
import { LOCAL_API_URL } from "../../../shared/api/local.js";
import { DEFAULT_API } from "../../../cli/auth/session.js";

const stack = (host: string): BannerStack => ({
  api: `${host}/api`,
  caPath: "/state/ca.pem",
  host: { url: host },
  azure: {
    url: "https://127.0.0.1:7443",
    subscriptionId: "s",
    tenantId: "t",
    tableUrl: "https://127.0.0.1:7445",
  },
  kube: { url: "https://127.0.0.1:7444" },
});
const cliLines = (text: string) =>
  text.split("\n").filter((l) => /dist\/cli\/main\.js (login|dev-token)/.test(l));

test("on the default port the printed login and dev-token rely on the CLI's default API", () => {
  assert.equal(LOCAL_API_URL, DEFAULT_API, "the banner and the CLI agree on the default");
  const lines = cliLines(
    banner(stack("http://127.0.0.1:7071"), { stateDir: ".local", timeScale: 0.02, repoPrefix: "" }),
  );
  assert.equal(lines.length, 2);
  for (const line of lines) assert.doesNotMatch(line, /--api/);
});

test("on another port they name the API, and the banner points at the host's root and health", () => {
  const text = banner(stack("http://127.0.0.1:8081"), {
    stateDir: ".local",
    timeScale: 1,
    repoPrefix: "/repo/",
  });
  const lines = cliLines(text);
  assert.equal(lines.length, 2);
  for (const line of lines)
    assert.match(line, /node \/repo\/dist\/cli\/main\.js .* --api http:\/\/127\.0\.0\.1:8081\/api\b/);
  assert.match(text, /health: http:\/\/127\.0\.0\.1:8081\/api\/health/);
  assert.match(text, /^ {2}Functions host {6}http:\/\/127\.0\.0\.1:8081\/ /m);
});
