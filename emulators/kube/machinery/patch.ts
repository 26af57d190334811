// The three patch formats kubectl and client-node send: JSON merge patch (RFC 7396, the
// json-merge-patch library), JSON patch (RFC 6902, the rfc6902 library, with the API server's error
// wording) and strategic merge patch (merge keys per list, `$patch` directives). Strategic merge
// patch is written here: it is Kubernetes' own format, defined by its Go struct tags, and no
// JavaScript library implements it. Server-side apply lives in apply.ts.
import { apply as applyMergePatch } from "json-merge-patch";
import { applyPatch, Pointer, type Operation } from "rfc6902";
import { ApiError, errors } from "./status.js";
import { clone, isJsonObject, type Json, type JsonObject } from "./types.js";

/** A patch that parses but cannot be applied: 422 with the jsonpatch library's message. */
function patchFailed(message: string): ApiError {
  return new ApiError(422, "Invalid", message);
}

export function mergePatch(target: Json | undefined, patch: Json): Json {
  return applyMergePatch(clone(target ?? null), clone(patch)) as Json;
}

const OPERATIONS = ["add", "remove", "replace", "move", "copy", "test"];

/** Go's name for a JSON value's type, as encoding/json puts it in "cannot unmarshal" errors. */
function goKind(v: Json): string {
  return Array.isArray(v) ? "array" : typeof v === "boolean" ? "bool" : typeof v;
}

/** Where `path` points, when its parent object or list exists in `doc`. */
function parentOf(doc: Json, path: string): { parent: object; key: string } | undefined {
  try {
    const { parent, key } = Pointer.fromJSON(path).evaluate(doc) as { parent: unknown; key: string };
    return path !== "" && typeof parent === "object" && parent !== null ? { parent, key } : undefined;
  } catch {
    return undefined; // not a JSON pointer: the API server's library finds no parent either
  }
}

/**
 * The message the API server's jsonpatch library (evanphx/json-patch v4) gives when `op` does not
 * apply to `doc` (unchanged by the failed operation, but for a move that found its source).
 */
function notApplied(doc: Json, op: Operation, failedAt: string | undefined): string {
  const { path } = op;
  if (op.op === "move" || op.op === "copy")
    return failedAt === op.from
      ? `${op.op} operation does not apply: doc is missing from path: ${op.from}: missing value`
      : `${op.op} operation does not apply: doc is missing destination path: ${path}: missing value`;
  const target = parentOf(doc, path);
  if (!target)
    return op.op === "test"
      ? `test operation does not apply: is missing path: ${path}: missing value`
      : op.op === "replace"
        ? `replace operation does not apply: doc is missing path: ${path}: missing value`
        : `${op.op} operation does not apply: doc is missing path: "${path}": missing value`;
  if (op.op === "test") return `testing value ${path} failed: test failed`;
  if (op.op === "replace")
    return `replace operation does not apply: doc is missing key: ${path}: missing value`;
  if (Array.isArray(target.parent))
    return `error in ${op.op} for path: '${path}': Unable to access invalid index: ${target.key}: invalid index referenced`;
  return `error in ${op.op} for path: '${path}': Unable to remove nonexistent key: ${target.key}: missing value`;
}

/** Applies RFC 6902 operations, all or none. A body that is not a list of operations is a 400. */
export function jsonPatch(doc: Json, ops: Json): Json {
  if (!Array.isArray(ops))
    throw errors.badRequest(`json: cannot unmarshal ${goKind(ops)} into Go value of type jsonpatch.Patch`);
  const out = clone(doc);
  for (const raw of ops) {
    if (!isJsonObject(raw))
      throw errors.badRequest(
        `json: cannot unmarshal ${goKind(raw)} into Go value of type jsonpatch.Operation`,
      );
    const kind = typeof raw["op"] === "string" ? raw["op"] : "unknown";
    if (!OPERATIONS.includes(kind)) throw patchFailed(`Unexpected kind: ${kind}`);
    if (typeof raw["path"] !== "string")
      throw patchFailed(`${kind} operation failed to decode path: missing value`);
    if ((kind === "move" || kind === "copy") && typeof raw["from"] !== "string")
      throw patchFailed(`${kind} operation failed to decode from: missing value`);
    // An operation without a value gives null, as Go decodes an absent member.
    const op = { ...raw, value: raw["value"] ?? null } as unknown as Operation;
    let failure: { at: string | undefined } | undefined;
    try {
      const [result] = applyPatch(out, [op]);
      if (result) failure = { at: "path" in result ? result.path : undefined };
    } catch {
      // rfc6902 throws on a path that is not a JSON pointer; the API server finds no parent there.
      failure = { at: op.path };
    }
    if (failure) throw patchFailed(notApplied(out, op, failure.at));
  }
  return out;
}

export interface StrategicMeta {
  /** Dotted path (no indices) → merge key of that list. */
  mergeKeys: Record<string, string>;
  /** Dotted paths of primitive lists that merge as sets. */
  mergePrimitiveLists: string[];
}

const SET_ORDER = "$setElementOrder/";
const DELETE_PRIMITIVE = "$deleteFromPrimitiveList/";

/** Strategic merge patch: maps merge, keyed lists merge by key, other lists are replaced. */
export function strategicMergePatch(
  target: Json | undefined,
  patch: Json,
  meta: StrategicMeta,
  path = "",
): Json {
  if (!isJsonObject(patch)) return clone(patch);
  if (patch["$patch"] === "replace") {
    const out = clone(patch);
    delete out["$patch"];
    return out;
  }
  if (patch["$patch"] === "delete") return null;
  const out: JsonObject = isJsonObject(target) ? clone(target) : {};
  const retain = patch["$retainKeys"];
  if (Array.isArray(retain)) for (const key of Object.keys(out)) if (!retain.includes(key)) delete out[key];
  for (const [key, value] of Object.entries(patch)) {
    if (key === "$patch" || key === "$retainKeys" || key.startsWith(SET_ORDER)) continue;
    const childPath = path ? `${path}.${key}` : key;
    if (key.startsWith(DELETE_PRIMITIVE)) {
      const listKey = key.slice(DELETE_PRIMITIVE.length);
      const current = out[listKey];
      if (Array.isArray(current) && Array.isArray(value))
        out[listKey] = current.filter((v) => !value.some((d) => JSON.stringify(d) === JSON.stringify(v)));
      continue;
    }
    if (value === null) {
      delete out[key];
      continue;
    }
    if (Array.isArray(value)) {
      out[key] = mergeList(out[key], value, meta, childPath);
      continue;
    }
    const merged = strategicMergePatch(out[key], value, meta, childPath);
    if (merged === null) delete out[key];
    else out[key] = merged;
  }
  return out;
}

function mergeList(current: Json | undefined, patch: Json[], meta: StrategicMeta, path: string): Json[] {
  const mergeKey = meta.mergeKeys[path];
  const base = Array.isArray(current) ? clone(current) : [];
  if (meta.mergePrimitiveLists.includes(path)) {
    const out = [...base];
    for (const v of patch) if (!out.some((o) => JSON.stringify(o) === JSON.stringify(v))) out.push(clone(v));
    return out;
  }
  if (!mergeKey) {
    if (patch.some((p) => isJsonObject(p) && p["$patch"] === "replace"))
      return patch.filter((p) => !(isJsonObject(p) && p["$patch"] === "replace"));
    return clone(patch);
  }
  if (patch.some((p) => isJsonObject(p) && p["$patch"] === "replace"))
    return patch.filter((p) => !(isJsonObject(p) && p["$patch"] === "replace"));
  const out = base;
  for (const item of patch) {
    if (!isJsonObject(item)) continue;
    const keyValue = item[mergeKey];
    const index = out.findIndex((o) => isJsonObject(o) && o[mergeKey] === keyValue);
    if (item["$patch"] === "delete") {
      if (index >= 0) out.splice(index, 1);
      continue;
    }
    if (index >= 0) out[index] = strategicMergePatch(out[index], item, meta, path);
    else out.push(strategicMergePatch(undefined, item, meta, path));
  }
  return out;
}

/** Merge keys shared by every kind that embeds a PodSpec at `prefix` ("spec", "spec.template.spec"). */
export function podSpecMergeKeys(prefix: string): Record<string, string> {
  const keys: Record<string, string> = {
    containers: "name",
    initContainers: "name",
    "containers.ports": "containerPort",
    "initContainers.ports": "containerPort",
    "containers.env": "name",
    "initContainers.env": "name",
    "containers.volumeMounts": "mountPath",
    "initContainers.volumeMounts": "mountPath",
    volumes: "name",
    imagePullSecrets: "name",
  };
  return Object.fromEntries(Object.entries(keys).map(([k, v]) => [`${prefix}.${k}`, v]));
}

export const metadataMergeKeys: Record<string, string> = { "metadata.ownerReferences": "uid" };
export const metadataPrimitiveLists = ["metadata.finalizers"];
