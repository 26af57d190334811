import { test } from "node:test";
import assert from "node:assert/strict";
import { parseProbe, shellWords } from "../../../emulators/kube/dataplane/probe.js";

test("the tutorial's wget forms are recognised with host, port, path and timeout", () => {
  assert.deepEqual(parseProbe(["wget", "-qO-", "--timeout=2", "http://backend"], undefined), {
    tool: "wget",
    scheme: "http",
    host: "backend",
    authority: "backend",
    port: 80,
    path: "/",
    timeoutSeconds: 2,
    quiet: true,
    failOnHttpError: true,
    verbose: false,
    outputFile: "-",
    spider: false,
  });
  const t = parseProbe(["sh", "-c", "wget -T 3 -O- http://backend.test:8080/healthz && echo ok"], undefined);
  assert.equal(t?.timeoutSeconds, 3);
  assert.equal(t?.port, 8080);
  assert.equal(t?.path, "/healthz");
  assert.equal(t?.authority, "backend.test:8080");
  assert.equal(t?.quiet, false);
  assert.equal(parseProbe(["wget"], ["-q", "-O", "-", "http://x"])?.host, "x", "command and args are joined");
});

test("nc -z and curl -m are recognised; other commands are not probes", () => {
  assert.deepEqual(
    [parseProbe(["nc", "-zv", "-w2", "db", "5432"], undefined)].map((p) => [
      p?.tool,
      p?.host,
      p?.port,
      p?.timeoutSeconds,
      p?.verbose,
    ]),
    [["nc", "db", 5432, 2, true]],
  );
  const curl = parseProbe(["curl", "-sS", "-m", "5", "https://api.test/v1"], undefined);
  assert.deepEqual(
    [curl?.tool, curl?.scheme, curl?.port, curl?.timeoutSeconds, curl?.quiet],
    ["curl", "https", 443, 5, false],
  );
  assert.equal(parseProbe(["nginx", "-g", "daemon off;"], undefined), undefined);
  assert.equal(parseProbe(["sh", "-c", "sleep 3600"], undefined), undefined);
  assert.equal(parseProbe(["nc", "-z", "host"], undefined), undefined, "nc needs a port");
});

test("shell words honour quotes and escapes", () => {
  assert.deepEqual(shellWords(`wget -qO- "http://a b" 'c d' e\\ f`), [
    "wget",
    "-qO-",
    "http://a b",
    "c d",
    "e f",
  ]);
});
