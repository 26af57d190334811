import { test } from "node:test";
import assert from "node:assert/strict";
import { jsonPatch, mergePatch, strategicMergePatch } from "../../../emulators/kube/machinery/patch.js";
import { ApiError } from "../../../emulators/kube/machinery/status.js";
import type { Json } from "../../../emulators/kube/machinery/types.js";

test("JSON merge patch merges maps and deletes with null", () => {
  assert.deepEqual(mergePatch({ a: 1, b: { c: 2, d: 3 } }, { b: { c: null, e: 4 }, f: [1] }), {
    a: 1,
    b: { d: 3, e: 4 },
    f: [1],
  });
});

test("JSON patch applies add/replace/remove/test and rejects a merge-style body", () => {
  const doc = { metadata: { labels: { a: "1" } }, items: [1, 2] };
  assert.deepEqual(
    jsonPatch(doc, [
      { op: "add", path: "/metadata/labels/b", value: "2" },
      { op: "replace", path: "/items/0", value: 9 },
      { op: "remove", path: "/metadata/labels/a" },
      { op: "add", path: "/items/-", value: 3 },
      { op: "test", path: "/items/1", value: 2 },
    ]),
    { metadata: { labels: { b: "2" } }, items: [9, 2, 3] },
  );
  assert.throws(() => jsonPatch(doc, { metadata: {} }), /cannot unmarshal object/);
  assert.throws(() => jsonPatch(doc, [{ op: "replace", path: "/nope/x", value: 1 }]), /missing/);
});

test("JSON patch failures are 422 Invalid with the API server's jsonpatch wording, and change nothing", () => {
  const doc = { metadata: { labels: { a: "1" } }, items: [1, 2] };
  const before = JSON.stringify(doc);
  const refused = (ops: Json, status: number, reason: string, message: string) =>
    assert.throws(
      () => jsonPatch(doc, ops),
      (e: unknown) =>
        e instanceof ApiError && e.code === status && e.reason === reason && e.message === message,
      message,
    );
  refused(
    [{ op: "replace", path: "/metadata/nope", value: 1 }],
    422,
    "Invalid",
    "replace operation does not apply: doc is missing key: /metadata/nope: missing value",
  );
  refused(
    [{ op: "add", path: "/nope/x", value: 1 }],
    422,
    "Invalid",
    'add operation does not apply: doc is missing path: "/nope/x": missing value',
  );
  refused(
    [{ op: "remove", path: "/metadata/labels/b" }],
    422,
    "Invalid",
    "error in remove for path: '/metadata/labels/b': Unable to remove nonexistent key: b: missing value",
  );
  refused(
    [
      { op: "add", path: "/metadata/labels/b", value: "2" },
      { op: "test", path: "/items/0", value: 2 },
    ],
    422,
    "Invalid",
    "testing value /items/0 failed: test failed",
  );
  refused(
    [{ op: "move", from: "/nope", path: "/x" }],
    422,
    "Invalid",
    "move operation does not apply: doc is missing from path: /nope: missing value",
  );
  refused([{ op: "bogus", path: "/a" }], 422, "Invalid", "Unexpected kind: bogus");
  refused(
    ["add"],
    400,
    "BadRequest",
    "json: cannot unmarshal string into Go value of type jsonpatch.Operation",
  );
  assert.equal(JSON.stringify(doc), before, "a refused patch leaves the object as it was");
});

test("strategic merge patch merges keyed lists and replaces atomic ones", () => {
  const meta = { mergeKeys: { "spec.containers": "name" }, mergePrimitiveLists: ["metadata.finalizers"] };
  const live = {
    metadata: { finalizers: ["a"] },
    spec: {
      containers: [
        { name: "web", image: "nginx:1" },
        { name: "side", image: "busybox" },
      ],
      ingress: [{ from: [{ podSelector: {} }] }],
    },
  };
  const patched = strategicMergePatch(
    live,
    {
      metadata: { finalizers: ["b"] },
      spec: {
        containers: [
          { name: "web", image: "nginx:2" },
          { name: "side", $patch: "delete" },
        ],
        ingress: [],
      },
    },
    meta,
  );
  assert.deepEqual(patched, {
    metadata: { finalizers: ["a", "b"] },
    spec: { containers: [{ name: "web", image: "nginx:2" }], ingress: [] },
  });
});
