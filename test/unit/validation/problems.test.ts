import { test } from "node:test";
import assert from "node:assert/strict";
import { z } from "zod";
import { problemsFromZod } from "../../../shared/validation/problems.js";

test("a failed union reports its first specific branch at the full path, array indexes included", () => {
  const schema = z.strictObject({ b: z.union([z.array(z.enum(["a"])), z.array(z.enum(["b"]))]) });
  const result = schema.safeParse({ b: ["c"] }, { reportInput: true });
  assert.equal(result.success, false);
  if (!result.success)
    assert.deepEqual(
      problemsFromZod(result.error.issues).map((p) => [p.path, p.code]),
      [["b[0]", "InvalidValue"]],
    );
});
