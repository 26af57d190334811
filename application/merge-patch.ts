// JSON Merge Patch (RFC 7396), what PATCH /api/clusters/{name} applies to the caller's last
// accepted request document. Keys are defined as own properties (never through the prototype), so
// a "__proto__" key in a patch reaches the validator, which refuses it with ForbiddenKey.
export const MERGE_PATCH_TYPE = "application/merge-patch+json";

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** RFC 7396 §2 MergePatch(target, patch). */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out: Record<string, unknown> = {};
  if (isObject(target))
    for (const [k, v] of Object.entries(target))
      Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else
      Object.defineProperty(out, k, {
        value: applyMergePatch(Object.hasOwn(out, k) ? out[k] : undefined, v),
        enumerable: true,
        writable: true,
        configurable: true,
      });
  }
  return out;
}

/** Is the request's media type the merge patch's (parameters such as charset allowed)? */
export function isMergePatch(contentType: string | null): boolean {
  return (contentType ?? "").split(";")[0]?.trim().toLowerCase() === MERGE_PATCH_TYPE;
}
