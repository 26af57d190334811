// The emulators' cache of verified bearer tokens: a token is served only until its exp (then it is
// verified again, and an expired one refused), one without exp is never kept, and the oldest goes
// first when the cache is full.
import assert from "node:assert/strict";
import { test } from "node:test";
import { VerifiedTokens } from "../../../emulators/common/verified-tokens.js";

test("kept until exp, not after; none without exp; the oldest evicted first", () => {
  const tokens = new VerifiedTokens<{ exp?: number; v: string }>(2);
  const a = { exp: 100, v: "payload a" };
  tokens.set("a", a);
  assert.equal(tokens.get("a", 99_999), a);
  assert.equal(tokens.get("a", 100_000), undefined, "expired: verify again");
  assert.equal(tokens.get("a", 1), undefined, "and gone");

  tokens.set("forever", { v: "x" });
  assert.equal(tokens.get("forever", 0), undefined);

  const [b, c, d] = ["b", "c", "d"].map((v) => ({ exp: 100, v }));
  tokens.set("b", b!);
  tokens.set("c", c!);
  tokens.set("d", d!);
  assert.equal(tokens.get("b", 0), undefined, "evicted");
  assert.equal(tokens.get("c", 0), c);
  assert.equal(tokens.get("d", 0), d);
});

test("verify: once per token while it is kept; a failed verification keeps nothing", async () => {
  const tokens = new VerifiedTokens<{ exp?: number; v: string }>();
  let calls = 0;
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const verify = async () => ({ exp, v: `verified ${++calls}` });
  assert.equal((await tokens.verify("t", verify)).v, "verified 1");
  assert.equal((await tokens.verify("t", verify)).v, "verified 1", "kept: not verified again");
  await assert.rejects(
    tokens.verify("bad", () => Promise.reject(new Error("bad signature"))),
    /bad signature/,
  );
  assert.equal(tokens.get("bad"), undefined);
  assert.equal(calls, 1);
});
