// Field ownership (metadata.managedFields, FieldsV1) and server-side apply: each manager owns a set
// of field paths; applying a configuration takes ownership of its fields, removes fields the
// manager applied before and no longer applies, and conflicts with other managers' differing fields.
import { strategicMergePatch, type StrategicMeta } from "./patch.js";
import { ApiError } from "./status.js";
import {
  SYSTEM_METADATA_FIELDS,
  clone,
  isJsonObject,
  rfc3339,
  type Json,
  type JsonObject,
  type KubeObject,
  type ManagedFieldsEntry,
} from "./types.js";

/** A field path as FieldsV1 segments: "f:spec", "f:podSelector", `k:{"name":"nginx"}`. */
type FieldPath = string[];

const SYSTEM_METADATA = new Set<string>(SYSTEM_METADATA_FIELDS);

function owned(obj: KubeObject): JsonObject {
  const body = clone(obj) as unknown as JsonObject;
  delete body["apiVersion"];
  delete body["kind"];
  delete body["status"];
  const meta = body["metadata"];
  if (isJsonObject(meta)) {
    for (const key of SYSTEM_METADATA) delete meta[key];
    if (Object.keys(meta).length === 0) delete body["metadata"];
  }
  return body;
}

function dotted(segments: FieldPath): string {
  return segments.map((s) => s.slice(2)).join(".");
}

/** Leaf paths of a document: maps recurse, keyed lists recurse per key, everything else is a leaf. */
function leafPaths(
  value: Json,
  meta: StrategicMeta,
  segments: FieldPath = [],
  out: FieldPath[] = [],
): FieldPath[] {
  if (isJsonObject(value) && Object.keys(value).length > 0) {
    for (const [key, child] of Object.entries(value)) leafPaths(child, meta, [...segments, `f:${key}`], out);
    return out;
  }
  const mergeKey = meta.mergeKeys[dotted(segments.filter((s) => s.startsWith("f:")))];
  if (Array.isArray(value) && mergeKey && value.length > 0) {
    for (const item of value) {
      if (!isJsonObject(item)) continue;
      const key = `k:${JSON.stringify({ [mergeKey]: item[mergeKey] ?? null })}`;
      leafPaths(item, meta, [...segments, key], out);
    }
    return out;
  }
  out.push(segments);
  return out;
}

function valueAt(doc: Json, segments: FieldPath): Json | undefined {
  let cur: Json | undefined = doc;
  for (const s of segments) {
    if (s.startsWith("f:")) cur = isJsonObject(cur) ? cur[s.slice(2)] : undefined;
    else {
      const key = JSON.parse(s.slice(2)) as JsonObject;
      const [k, v] = Object.entries(key)[0]!;
      cur = Array.isArray(cur) ? cur.find((item) => isJsonObject(item) && item[k] === v) : undefined;
    }
    if (cur === undefined) return undefined;
  }
  return cur;
}

function removeAt(doc: Json, segments: FieldPath): void {
  if (segments.length === 0) return;
  const parent = valueAt(doc, segments.slice(0, -1));
  const last = segments[segments.length - 1]!;
  if (last.startsWith("f:")) {
    if (isJsonObject(parent)) delete parent[last.slice(2)];
  } else if (Array.isArray(parent)) {
    const [k, v] = Object.entries(JSON.parse(last.slice(2)) as JsonObject)[0]!;
    const index = parent.findIndex((item) => isJsonObject(item) && item[k] === v);
    if (index >= 0) parent.splice(index, 1);
  }
}

const keyOf = (p: FieldPath) => JSON.stringify(p);

function toFieldsV1(paths: FieldPath[]): JsonObject {
  const root: JsonObject = {};
  for (const p of paths) {
    let cur = root;
    for (const s of p) {
      const next = cur[s];
      cur = isJsonObject(next) ? next : (cur[s] = {});
    }
  }
  return root;
}

function fromFieldsV1(fields: JsonObject, prefix: FieldPath = [], out: FieldPath[] = []): FieldPath[] {
  for (const [s, child] of Object.entries(fields)) {
    if (s === ".") continue;
    if (isJsonObject(child) && Object.keys(child).filter((k) => k !== ".").length > 0)
      fromFieldsV1(child, [...prefix, s], out);
    else out.push([...prefix, s]);
  }
  return out;
}

/** ".spec.containers[name=\"nginx\"].image" — how conflicts name a field. */
function describe(p: FieldPath): string {
  return p
    .map((s) => {
      if (s.startsWith("f:")) return `.${s.slice(2)}`;
      const [k, v] = Object.entries(JSON.parse(s.slice(2)) as JsonObject)[0]!;
      return `[${k}=${JSON.stringify(v)}]`;
    })
    .join("");
}

function entriesOf(obj: KubeObject): ManagedFieldsEntry[] {
  return obj.metadata.managedFields ?? [];
}

function setEntry(
  entries: ManagedFieldsEntry[],
  manager: string,
  operation: "Apply" | "Update",
  apiVersion: string,
  paths: FieldPath[],
  now: number,
): ManagedFieldsEntry[] {
  const rest = entries.filter((e) => !(e.manager === manager && e.operation === operation && !e.subresource));
  if (paths.length === 0) return rest;
  return [
    ...rest,
    {
      manager,
      operation,
      apiVersion,
      time: rfc3339(now),
      fieldsType: "FieldsV1",
      fieldsV1: toFieldsV1(paths),
    },
  ];
}

function withoutPaths(entries: ManagedFieldsEntry[], remove: Set<string>): ManagedFieldsEntry[] {
  const out: ManagedFieldsEntry[] = [];
  for (const e of entries) {
    const kept = fromFieldsV1(e.fieldsV1).filter((p) => !remove.has(keyOf(p)));
    if (kept.length > 0) out.push({ ...e, fieldsV1: toFieldsV1(kept) });
  }
  return out;
}

/**
 * Records an Update by `manager` (create, replace, non-apply patch): it owns every field it set or
 * changed, and other managers lose the fields it changed or removed.
 */
export function recordUpdate(
  before: KubeObject | undefined,
  after: KubeObject,
  manager: string,
  meta: StrategicMeta,
  now: number,
): void {
  const oldDoc = before ? owned(before) : {};
  const newDoc = owned(after);
  const oldPaths = new Map(leafPaths(oldDoc, meta).map((p) => [keyOf(p), p]));
  const changed = leafPaths(newDoc, meta).filter(
    (p) => JSON.stringify(valueAt(oldDoc, p)) !== JSON.stringify(valueAt(newDoc, p)),
  );
  const stillThere = new Set(leafPaths(newDoc, meta).map(keyOf));
  const removed = [...oldPaths.keys()].filter((k) => !stillThere.has(k));
  const lose = new Set([...changed.map(keyOf), ...removed]);
  let entries = withoutPaths(before ? entriesOf(before) : [], lose);
  const mine = entries.find((e) => e.manager === manager && e.operation === "Update" && !e.subresource);
  const paths = [...(mine ? fromFieldsV1(mine.fieldsV1) : []), ...changed];
  const unique = [...new Map(paths.map((p) => [keyOf(p), p])).values()];
  entries = setEntry(entries, manager, "Update", after.apiVersion, unique, now);
  after.metadata.managedFields = entries;
}

/**
 * Server-side apply of `config` by `manager` onto `live` (undefined: create). Returns the new object
 * (metadata.managedFields updated) or throws a 409 listing the conflicting fields.
 */
export function serverSideApply(
  live: KubeObject | undefined,
  config: KubeObject,
  manager: string,
  force: boolean,
  meta: StrategicMeta,
  now: number,
): KubeObject {
  const applied = owned(config);
  const appliedPaths = leafPaths(applied, meta);
  const appliedKeys = new Set(appliedPaths.map(keyOf));
  const liveDoc = live ? owned(live) : {};
  let entries = live ? entriesOf(live) : [];
  const conflicts: { manager: string; apiVersion: string; path: FieldPath }[] = [];
  for (const e of entries) {
    if (e.manager === manager && e.operation === "Apply") continue;
    for (const p of fromFieldsV1(e.fieldsV1)) {
      if (!appliedKeys.has(keyOf(p))) continue;
      if (JSON.stringify(valueAt(liveDoc, p)) !== JSON.stringify(valueAt(applied, p)))
        conflicts.push({ manager: e.manager, apiVersion: e.apiVersion, path: p });
    }
  }
  if (conflicts.length > 0 && !force) throw conflictError(conflicts);
  if (conflicts.length > 0) entries = withoutPaths(entries, new Set(conflicts.map((c) => keyOf(c.path))));
  const mine = entries.find((e) => e.manager === manager && e.operation === "Apply");
  const previously = mine ? fromFieldsV1(mine.fieldsV1) : [];
  const othersOwn = new Set(
    entries
      .filter((e) => !(e.manager === manager && e.operation === "Apply"))
      .flatMap((e) => fromFieldsV1(e.fieldsV1).map(keyOf)),
  );
  const base = live ? (clone(live) as unknown as JsonObject) : {};
  // A field this manager applied before and no longer applies goes, together with the largest
  // enclosing map entry or keyed list item that nobody else still applies or owns.
  const kept = [...appliedPaths, ...[...othersOwn].map((k) => JSON.parse(k) as FieldPath)];
  const within = (path: FieldPath, prefix: FieldPath) => prefix.every((s, i) => path[i] === s);
  for (const p of previously) {
    if (appliedKeys.has(keyOf(p)) || othersOwn.has(keyOf(p))) continue;
    for (let i = 1; i <= p.length; i++) {
      const prefix = p.slice(0, i);
      if (!kept.some((k) => within(k, prefix))) {
        removeAt(base, prefix);
        break;
      }
    }
  }
  const merged = strategicMergePatch(base, config as unknown as JsonObject, meta) as unknown as KubeObject;
  merged.metadata.managedFields = setEntry(entries, manager, "Apply", config.apiVersion, appliedPaths, now);
  return merged;
}

function conflictError(conflicts: { manager: string; apiVersion: string; path: FieldPath }[]): ApiError {
  const byManager = new Map<string, typeof conflicts>();
  for (const c of conflicts) {
    const key = `"${c.manager}" using ${c.apiVersion}`;
    byManager.set(key, [...(byManager.get(key) ?? []), c]);
  }
  const parts = [...byManager.entries()].map(([who, list]) =>
    list.length === 1
      ? `conflict with ${who}: ${describe(list[0]!.path)}`
      : `conflicts with ${who}:\n${list.map((c) => `- ${describe(c.path)}`).join("\n")}`,
  );
  const n = conflicts.length;
  return new ApiError(
    409,
    "Conflict",
    `Apply failed with ${n} conflict${n === 1 ? "" : "s"}: ${parts.join("\n")}`,
    {
      causes: conflicts.map((c) => ({
        reason: "FieldManagerConflict",
        message: `conflict with "${c.manager}" using ${c.apiVersion}`,
        field: describe(c.path),
      })),
    },
  );
}
