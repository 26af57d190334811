// JSON merge patch (RFC 7396): the examples of its appendix A, and a prototype key that must reach
// the validator instead of changing the object's prototype.
import assert from "node:assert/strict";
import { test } from "node:test";
import { applyMergePatch, isMergePatch } from "../../../application/merge-patch.js";

test("RFC 7396 appendix A: every example", () => {
  const cases: [unknown, unknown, unknown][] = [
    [{ a: "b" }, { a: "c" }, { a: "c" }],
    [{ a: "b" }, { b: "c" }, { a: "b", b: "c" }],
    [{ a: "b" }, { a: null }, {}],
    [{ a: "b", b: "c" }, { a: null }, { b: "c" }],
    [{ a: ["b"] }, { a: "c" }, { a: "c" }],
    [{ a: "c" }, { a: ["b"] }, { a: ["b"] }],
    [{ a: { b: "c" } }, { a: { b: "d", c: null } }, { a: { b: "d" } }],
    [{ a: [{ b: "c" }] }, { a: [1] }, { a: [1] }],
    [
      ["a", "b"],
      ["c", "d"],
      ["c", "d"],
    ],
    [{ a: "b" }, ["c"], ["c"]],
    [{ a: "foo" }, null, null],
    [{ a: "foo" }, "bar", "bar"],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: "b", c: null }, { a: "b" }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  for (const [target, patch, result] of cases)
    assert.deepEqual(applyMergePatch(target, patch), result, JSON.stringify({ target, patch }));
});

test("a __proto__ key in a patch stays an own key (the validator refuses it), never the prototype", () => {
  const merged = applyMergePatch({ name: "c1" }, JSON.parse('{"__proto__": {"polluted": true}}')) as Record<
    string,
    unknown
  >;
  assert.equal(Object.getPrototypeOf(merged), Object.prototype);
  assert.equal((merged as { polluted?: boolean }).polluted, undefined);
  assert.match(JSON.stringify(merged), /"__proto__":\{"polluted":true\}/);
});

test("the media type is application/merge-patch+json, parameters allowed", () => {
  assert.ok(isMergePatch("application/merge-patch+json"));
  assert.ok(isMergePatch("Application/Merge-Patch+JSON; charset=utf-8"));
  assert.ok(!isMergePatch("application/json"));
  assert.ok(!isMergePatch(null));
});
