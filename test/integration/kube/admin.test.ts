// The admin contract the Azure emulator uses (issue 4 ⇄ issue 6): register, list, unregister over HTTP.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as k8s from "@kubernetes/client-node";
import { clusterKey } from "../../../emulators/common/cluster-key.js";
import { startKubeEmulator } from "../../../emulators/kube/index.js";
import { kubeConfigFor, registration } from "../../../harness/kube.js";
import { httpsRequest, TIME_SCALE } from "./harness.js";

test("PUT /_emulator/clusters/{key} registers a cluster idempotently; DELETE removes it", async (t) => {
  const stateDir = await mkdtemp(join(tmpdir(), "aksv-kube-admin-"));
  const emulator = await startKubeEmulator({ port: 0, stateDir, timeScale: TIME_SCALE });
  t.after(async () => {
    await emulator.stop();
    await rm(stateDir, { recursive: true, force: true });
  });
  const ca = await readFile(emulator.caPath, "utf8");
  const reg = registration("admin-test");
  const key = clusterKey(reg.resourceId);
  assert.match(key, /^[0-9a-f]{20}$/);
  const put = () =>
    httpsRequest(`${emulator.url}/_emulator/clusters/${key}`, "PUT", ca, undefined, JSON.stringify(reg), {
      "Content-Type": "application/json",
    });

  const created = await put();
  assert.equal(created.status, 201);
  const creds = created.json() as { server: string; certificateAuthorityData: string; adminToken: string };
  assert.equal(creds.server, `${emulator.url}/clusters/${key}`);
  assert.equal(Buffer.from(creds.certificateAuthorityData, "base64").toString("utf8"), ca);
  assert.match(creds.adminToken, /^[0-9a-f]{64}$/);
  const again = await put();
  assert.equal(again.status, 200);
  assert.deepEqual(again.json(), creds, "same key, same answer");

  const listed = await httpsRequest(`${emulator.url}/_emulator/clusters`, "GET", ca);
  assert.deepEqual(listed.json(), {
    clusters: [{ key, resourceId: reg.resourceId, name: "admin-test", server: creds.server }],
  });
  const kc = kubeConfigFor(creds.server, creds.certificateAuthorityData, creds.adminToken);
  const code = await kc.makeApiClient(k8s.VersionApi).getCode();
  assert.equal(code.gitVersion, "v1.33.0");

  const bad = await httpsRequest(
    `${emulator.url}/_emulator/clusters/${key}`,
    "PUT",
    ca,
    undefined,
    JSON.stringify({ name: "x" }),
  );
  assert.equal(bad.status, 400);

  assert.equal((await httpsRequest(`${emulator.url}/_emulator/clusters/${key}`, "DELETE", ca)).status, 200);
  assert.equal((await httpsRequest(`${emulator.url}/_emulator/clusters/${key}`, "DELETE", ca)).status, 404);
  assert.equal(
    (await httpsRequest(`${creds.server}/api/v1/namespaces`, "GET", ca, creds.adminToken)).status,
    404,
    "its API is gone",
  );
});
