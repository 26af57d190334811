// The three patch formats kubectl and client-node send: JSON merge patch (RFC 7386), JSON patch
// (RFC 6902) and strategic merge patch (merge keys per list, `$patch` directives). Server-side
// apply lives in apply.ts.
import { ApiError, errors } from "./status.js";
import { clone, isJsonObject, type Json, type JsonObject } from "./types.js";

/** A patch that parses but cannot be applied: 422 with the jsonpatch library's message. */
function patchFailed(message: string): ApiError {
  return new ApiError(422, "Invalid", message);
}

export function mergePatch(target: Json | undefined, patch: Json): Json {
  if (!isJsonObject(patch)) return clone(patch);
  const out: JsonObject = isJsonObject(target) ? clone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

interface JsonPatchOp {
  op: string;
  path: string;
  value?: Json;
  from?: string;
}

function pointer(path: string): string[] {
  if (path === "") return [];
  if (!path.startsWith("/"))
    throw errors.badRequest(`the server rejected our request due to an error in our request`);
  return path
    .slice(1)
    .split("/")
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function parentOf(
  doc: Json,
  parts: string[],
  op: string,
  path: string,
): { parent: JsonObject | Json[]; last: string } {
  let cur: Json = doc;
  for (const part of parts.slice(0, -1)) {
    const next: Json | undefined = Array.isArray(cur)
      ? cur[Number(part)]
      : isJsonObject(cur)
        ? cur[part]
        : undefined;
    if (next === undefined || next === null || typeof next !== "object")
      throw patchFailed(`${op} operation does not apply: doc is missing path: "${path}": missing value`);
    cur = next;
  }
  if (typeof cur !== "object" || cur === null)
    throw patchFailed(`${op} operation does not apply: doc is missing path: "${path}": missing value`);
  return { parent: cur, last: parts[parts.length - 1]! };
}

function getAt(doc: Json, path: string): Json {
  let cur: Json | undefined = doc;
  for (const part of pointer(path)) {
    cur = Array.isArray(cur) ? cur[Number(part)] : isJsonObject(cur) ? cur[part] : undefined;
    if (cur === undefined) throw patchFailed(`doc is missing path: "${path}": missing value`);
  }
  return cur;
}

/** Applies RFC 6902 operations. A body that is not an array of operations is a 400/500 as upstream. */
export function jsonPatch(doc: Json, ops: Json): Json {
  if (!Array.isArray(ops))
    throw errors.badRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
  let out = clone(doc);
  for (const raw of ops) {
    if (!isJsonObject(raw) || typeof raw["op"] !== "string" || typeof raw["path"] !== "string")
      throw errors.badRequest("the server rejected our request due to an error in our request");
    const op = raw as unknown as JsonPatchOp;
    const parts = pointer(op.path);
    if (op.op === "test") {
      if (JSON.stringify(getAt(out, op.path)) !== JSON.stringify(op.value))
        throw patchFailed(`testing value ${op.path} failed: test failed`);
      continue;
    }
    if (op.op === "copy" || op.op === "move") {
      const value = clone(getAt(out, op.from ?? ""));
      if (op.op === "move") out = jsonPatch(out, [{ op: "remove", path: op.from ?? "" }]);
      out = jsonPatch(out, [{ op: "add", path: op.path, value }]);
      continue;
    }
    if (parts.length === 0) {
      if (op.op === "add" || op.op === "replace") out = clone(op.value ?? null);
      continue;
    }
    const { parent, last } = parentOf(out, parts, op.op, op.path);
    if (Array.isArray(parent)) {
      const index = last === "-" ? parent.length : Number(last);
      if (!Number.isInteger(index) || index < 0 || index > parent.length)
        throw patchFailed(
          `${op.op} operation does not apply: doc is missing path: "${op.path}": missing value`,
        );
      if (op.op === "add") parent.splice(index, 0, clone(op.value ?? null));
      else if (op.op === "remove") parent.splice(index, 1);
      else if (op.op === "replace") parent[index] = clone(op.value ?? null);
      else throw errors.badRequest(`Unexpected kind: ${op.op}`);
    } else {
      if ((op.op === "remove" || op.op === "replace") && !(last in parent))
        throw patchFailed(`${op.op} operation does not apply: doc is missing key: ${op.path}: missing value`);
      if (op.op === "add" || op.op === "replace") parent[last] = clone(op.value ?? null);
      else if (op.op === "remove") delete parent[last];
      else throw errors.badRequest(`Unexpected kind: ${op.op}`);
    }
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
