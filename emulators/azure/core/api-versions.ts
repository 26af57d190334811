// What a resource provider answers depends on the api-version asked for: a property added to the
// REST API in a later version is not in the answer to an earlier one (the specs of those versions,
// and the clients generated from them, do not know it; Azure's own validators reject it).
import type { JsonObject } from "./store.js";

/** A property of a resource's body that api-versions up to `absentUpTo` do not carry. */
export interface VersionedProperty {
  /** e.g. ["properties", "networkProfile", "networkDataplane"] */
  path: readonly string[];
  /**
   * The newest api-version known not to carry it (checked against that version's spec): answers to it
   * and to older ones leave it out. Dates compare; a "-preview" suffix counts as its date.
   */
  absentUpTo: string;
}

/** The body as the api-version sees it: properties newer than that version left out (a copy). */
export function forApiVersion(
  body: JsonObject,
  apiVersion: string,
  props: readonly VersionedProperty[],
): JsonObject {
  const date = apiVersion.slice(0, 10);
  let out = body;
  for (const { path, absentUpTo } of props) {
    if (!date || date > absentUpTo.slice(0, 10)) continue;
    out = without(out, path);
  }
  return out;
}

function without(obj: JsonObject, path: readonly string[]): JsonObject {
  const [head, ...rest] = path;
  if (head === undefined || !(head in obj)) return obj;
  if (rest.length === 0) {
    const { [head]: _dropped, ...kept } = obj;
    return kept;
  }
  const child = obj[head];
  if (typeof child !== "object" || child === null || Array.isArray(child)) return obj;
  return { ...obj, [head]: without(child as JsonObject, rest) };
}
