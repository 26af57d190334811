// Field builders shared by the ClusterSpec's schemas: a refinement with our own stable code and
// message, published in the OpenAPI document as the JSON Schema fact it checks.
import { z } from "zod";
import { addProblem } from "../validation/problems.js";

/** A string refined by a regular expression with our own code and message (published as its pattern). */
export function patterned(re: RegExp, code: string, what: string) {
  return z
    .string()
    .superRefine((value, ctx) => {
      if (!re.test(value)) addProblem(ctx, code, `"${value}" is not a valid ${what}`);
    })
    .meta({ pattern: re.source });
}

/** An integer refined to [min, max] with our own code and message (published as minimum/maximum). */
export function boundedInt(min: number, max: number, code: string, what: string) {
  return z
    .number()
    .int()
    .superRefine((n, ctx) => {
      if (n < min || n > max) addProblem(ctx, code, `${what} ${n} must be between ${min} and ${max}`);
    })
    .meta({ minimum: min, maximum: max });
}
