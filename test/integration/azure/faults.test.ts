// Fault injection seen through the real SDK: its own retries on 429 + Retry-After, 503 and dropped
// connections; ARM's token-bucket throttling configured at run time through /_emulator/faults; slow
// creates; and the request log at /_emulator/requests.
import { test } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:https";
import { ResourceManagementClient } from "@azure/arm-resources";
import { FAST, LOCATION, clusterBody, prepareNetwork, sdkOptions } from "../../../harness/azure.js";
import { startForTest } from "./helpers.js";

function admin(
  url: string,
  ca: string,
  method: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    request(url, { method, ca, headers: payload ? { "content-type": "application/json" } : {} }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString()));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, json: text ? (JSON.parse(text) as unknown) : undefined }),
      );
    })
      .on("error", reject)
      .end(payload);
  });
}

test("the SDK retries a 429 with Retry-After, a 503 and a dropped connection, and each attempt is recorded", async (t) => {
  const c = await startForTest(t, {
    faults: {
      rules: [
        {
          kind: "throttle",
          method: "GET",
          path: "/resourcegroups/rg-throttled$",
          times: 1,
          retryAfterSeconds: 1,
        },
        { kind: "error", status: 503, method: "GET", path: "/resourcegroups/rg-unavailable$", times: 2 },
        { kind: "drop", method: "GET", path: "/resourcegroups/rg-dropped$", times: 1 },
      ],
    },
  });
  for (const name of ["rg-throttled", "rg-unavailable", "rg-dropped"])
    await c.resources.resourceGroups.createOrUpdate(name, { location: LOCATION });

  const started = Date.now();
  assert.equal((await c.resources.resourceGroups.get("rg-throttled")).name, "rg-throttled");
  assert.ok(Date.now() - started >= 900, "the SDK waited for Retry-After");
  assert.deepEqual(
    c.emulator.recorder.query({ method: "GET", path: "/rg-throttled" }).map((r) => r.status),
    [429, 200],
  );
  assert.equal((await c.resources.resourceGroups.get("rg-unavailable")).name, "rg-unavailable");
  assert.deepEqual(
    c.emulator.recorder.query({ method: "GET", path: "/rg-unavailable" }).map((r) => r.status),
    [503, 503, 200],
  );
  assert.equal((await c.resources.resourceGroups.get("rg-dropped")).name, "rg-dropped");
  assert.deepEqual(
    c.emulator.recorder.query({ method: "GET", path: "/rg-dropped" }).map((r) => r.fault ?? r.status),
    ["drop", 200],
  );

  // With retries off the same fault surfaces as ARM's error.
  c.emulator.faults.add([{ kind: "error", status: 503, method: "GET", path: "/rg-unavailable$", times: 1 }]);
  const noRetry = new ResourceManagementClient(c.credential, c.sub, sdkOptions(c.emulator, 0));
  await assert.rejects(noRetry.resourceGroups.get("rg-unavailable"), {
    statusCode: 503,
    code: "ServiceUnavailable",
  });
});

test("ARM's token bucket throttles reads once the burst is spent, configured at run time; ARM's headers report what is left", async (t) => {
  const c = await startForTest(t);
  await c.resources.resourceGroups.createOrUpdate("rg", { location: LOCATION });
  const put = await admin(`${c.emulator.url}/_emulator/faults`, c.emulator.caPem, "PUT", {
    // 0.001 per emulated second at the test's time scale 0.002: one token every 2 wall seconds.
    throttling: { enabled: true, reads: { burst: 3, perSecond: 0.001 } },
  });
  assert.equal(put.status, 200);
  const remaining: string[] = [];
  const retryAfter: string[] = [];
  const noRetry = new ResourceManagementClient(c.credential, c.sub, {
    ...sdkOptions(c.emulator, 0),
    additionalPolicies: [
      {
        position: "perCall",
        policy: {
          name: "readRemaining",
          sendRequest: async (req, next) => {
            req.headers.set("x-ms-correlation-request-id", "corr-1");
            const res = await next(req);
            remaining.push(res.headers.get("x-ms-ratelimit-remaining-subscription-reads") ?? "");
            if (res.status === 429) retryAfter.push(res.headers.get("retry-after") ?? "");
            assert.match(res.headers.get("x-ms-request-id") ?? "", /^[0-9a-f-]{36}$/);
            assert.equal(res.headers.get("x-ms-correlation-request-id"), "corr-1");
            assert.equal(
              res.headers.get("x-ms-client-request-id"),
              req.headers.get("x-ms-client-request-id"),
            );
            return res;
          },
        },
      },
    ],
  });
  for (let i = 0; i < 3; i++) await noRetry.resourceGroups.get("rg");
  await assert.rejects(noRetry.resourceGroups.get("rg"), {
    statusCode: 429,
    code: "SubscriptionRequestsThrottled",
  });
  assert.deepEqual(remaining, ["2", "1", "0", "0"]);
  // The next token, ~1,000 emulated s away, is ~2 wall seconds away.
  assert.equal(retryAfter.length, 1);
  assert.match(retryAfter[0]!, /^[12]$/);
  const log = (await admin(`${c.emulator.url}/_emulator/requests?status=429`, c.emulator.caPem, "GET"))
    .json as {
    count: number;
    requests: { path: string }[];
  };
  assert.equal(log.count, 1);
  assert.match(log.requests[0]!.path, /resourcegroups\/rg$/i);
  assert.equal((await admin(`${c.emulator.url}/_emulator/faults`, c.emulator.caPem, "DELETE")).status, 204);
  await noRetry.resourceGroups.get("rg");
});

test("a slow-create fault stretches the emulated AKS create time", async (t) => {
  // 360 emulated s × 0.002 = 0.72 s; three times slower is over 2 s.
  const c = await startForTest(t, {
    faults: {
      rules: [{ kind: "slow", resourceType: "Microsoft.ContainerService/managedClusters", factor: 3 }],
    },
  });
  const setup = await prepareNetwork(c, "rg");
  const started = Date.now();
  const cluster = await c.aks.managedClusters.createOrUpdate("rg", "aks", clusterBody(setup), FAST);
  assert.equal(cluster.provisioningState, "Succeeded");
  assert.ok(Date.now() - started >= 2000, `took ${Date.now() - started} ms`);
});
