// The scale run's arithmetic: how many provisions ran at once, and the throttling bound it compares
// clusters per minute with (bench/scale-run.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { peakOverlap, throttleBoundSeconds } from "../../../bench/scale-run.js";

test("peak overlap: the most intervals holding one instant; touching ones do not overlap", () => {
  assert.equal(peakOverlap([]), 0);
  assert.equal(
    peakOverlap([
      [0, 10],
      [1, 5],
      [2, 3],
      [6, 9],
    ]),
    3,
  );
  assert.equal(
    peakOverlap([
      [0, 1],
      [1, 2],
      [2, 3],
    ]),
    1,
  );
});

test("throttle bound: the buckets, or the last paced POST and one cluster's critical path", () => {
  const put = (type: string) => ({ method: "PUT", path: "/x", resourceType: type });
  // Ten clusters of 30 writes each before their cluster PUT: 300 writes, 100 over the burst of 200,
  // 10 s of refill at 10 a second; then the AKS create (100 s).
  const cluster = [
    ...Array.from({ length: 29 }, () => put("Microsoft.Network/virtualNetworks")),
    put("Microsoft.ContainerService/managedClusters"),
  ];
  const clusters = Array.from({ length: 10 }, () => cluster);
  const buckets = throttleBoundSeconds(clusters, 50, 100);
  assert.deepEqual(buckets, {
    seconds: 110,
    binding: "writes up to the last cluster PUT, then its AKS create and the steps after it",
  });
  // Sent over 100 s, the last cluster's POST and critical path come later than the buckets allow.
  assert.deepEqual(throttleBoundSeconds(clusters, 50, 100, 100), {
    seconds: 150,
    binding: "the last POST, then one cluster's critical path",
  });
  // The steps after the AKS create, as one cluster alone takes them, come after the last create too.
  assert.deepEqual(throttleBoundSeconds(clusters, 50, 100, 0, 7), {
    seconds: 117,
    binding: "writes up to the last cluster PUT, then its AKS create and the steps after it",
  });
});
