// Azure tag rules (ARM): at most 50 per resource, names up to 512 characters without < > % & \ ? /,
// values up to 256; names Azure or this system reserve are refused.
import type { z } from "zod";
import { addProblem } from "../../validation/problems.js";
import { LIMITS } from "../defaults.js";

/** Tag names this system writes itself, and prefixes Azure reserves. */
export const RESERVED_TAG_PREFIXES = ["microsoft", "azure", "windows", "aks-vending"] as const;

export function tagsRule(tags: Record<string, string>, ctx: z.RefinementCtx): void {
  const keys = Object.keys(tags);
  if (keys.length > LIMITS.tags)
    addProblem(ctx, "TooManyTags", `${keys.length} tags given; Azure allows at most ${LIMITS.tags}`);
  for (const [key, value] of Object.entries(tags)) {
    if (key.length === 0 || key.length > LIMITS.tagKeyLength)
      addProblem(ctx, "InvalidTagName", `tag name must be 1-${LIMITS.tagKeyLength} characters`, [key]);
    else if (/[<>%&\\?/]/.test(key))
      addProblem(ctx, "InvalidTagName", `tag name "${key}" must not contain < > % & \\ ? or /`, [key]);
    else if (RESERVED_TAG_PREFIXES.some((p) => key.toLowerCase().startsWith(p)))
      addProblem(
        ctx,
        "ReservedTagName",
        `tag name "${key}" starts with a reserved prefix (${RESERVED_TAG_PREFIXES.join(", ")})`,
        [key],
      );
    if (value.length > LIMITS.tagValueLength)
      addProblem(ctx, "InvalidTagValue", `tag value must be at most ${LIMITS.tagValueLength} characters`, [
        key,
      ]);
  }
}
