import { test } from "node:test";
import assert from "node:assert/strict";
import { matchesLabels, parseLabelSelector } from "../../../emulators/kube/machinery/selectors.js";
import { ApiError } from "../../../emulators/kube/machinery/status.js";

test("label selectors in query syntax match like the API server's", () => {
  const labels = { app: "web", tier: "front" };
  const cases: [string, boolean][] = [
    ["app=web", true],
    ["app==web,tier=front", true],
    ["app!=web", false],
    ["app in (web,api)", true],
    ["tier notin (front)", false],
    ["app", true],
    ["!app", false],
    ["missing!=x", true],
    ["", true],
  ];
  for (const [text, expected] of cases)
    assert.equal(matchesLabels(parseLabelSelector(text), labels), expected, text);
});

test("malformed label selectors are 400 BadRequest", () => {
  for (const text of ["app in web", "app in (web", "=x", "app=web extra", "bad key!=x"]) {
    assert.throws(
      () => parseLabelSelector(text),
      (err: unknown) =>
        err instanceof ApiError && err.code === 400 && /unable to parse requirement/.test(err.message),
      text,
    );
  }
});
