// The emulators' cache of verified bearer tokens: a token is served only until its exp (then it is
// verified again, and an expired one refused), one without exp is never kept, and the oldest goes
// first when the cache is full.
import assert from "node:assert/strict";
import { test } from "node:test";
import { VerifiedTokens } from "../../../emulators/common/verified-tokens.js";

test("kept until exp, not after; none without exp; the oldest evicted first", () => {
  const tokens = new VerifiedTokens<string>(2);
  tokens.set("a", "payload a", 100);
  assert.equal(tokens.get("a", 99_999), "payload a");
  assert.equal(tokens.get("a", 100_000), undefined, "expired: verify again");
  assert.equal(tokens.get("a", 1), undefined, "and gone");

  tokens.set("forever", "x", undefined);
  assert.equal(tokens.get("forever", 0), undefined);

  tokens.set("b", "b", 100);
  tokens.set("c", "c", 100);
  tokens.set("d", "d", 100);
  assert.equal(tokens.get("b", 0), undefined, "evicted");
  assert.equal(tokens.get("c", 0), "c");
  assert.equal(tokens.get("d", 0), "d");
});
