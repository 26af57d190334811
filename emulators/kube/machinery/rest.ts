// The generic REST semantics every kind shares (the API server's generic registry): create, get,
// list with selectors and pagination, update with resourceVersion preconditions, the four patch
// types, delete, plus defaulting, validation, generation and field-manager bookkeeping.
import { randomUUID } from "node:crypto";
import { serverSideApply, recordUpdate } from "./apply.js";
import { parseObjectBody, parsePatchBody, patchTypeOf } from "./body.js";
import { groupResource, groupVersion, resourceId, type KindDef, type WriteContext } from "./kinds.js";
import {
  jsonPatch,
  mergePatch,
  strategicMergePatch,
  metadataMergeKeys,
  metadataPrimitiveLists,
  type StrategicMeta,
} from "./patch.js";
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from "./selectors.js";
import { ApiError, errors, type FieldError } from "./status.js";
import type { ObjectStore } from "./store.js";
import { SYSTEM_METADATA_FIELDS, clone, isJsonObject, rfc3339, type Json, type KubeObject } from "./types.js";
import { decodeMetadata, metadataErrors } from "./validation.js";

export interface ApiContext extends WriteContext {
  store: ObjectStore;
  /** Throws 404 when the namespace is missing, 403 when it is terminating (creates only). */
  checkNamespace(namespace: string, forCreate: boolean, def: KindDef<never>, name: string): void;
}

export interface WriteOptions {
  query: URLSearchParams;
  userAgent?: string;
  warnings: string[];
}

export interface ListResult {
  kind: string;
  apiVersion: string;
  metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
  items: KubeObject[];
}

const KNOWN_META = new Set<string>([
  ...SYSTEM_METADATA_FIELDS,
  "generateName",
  "labels",
  "annotations",
  "ownerReferences",
  "finalizers",
]);
const NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789";

export function randomSuffix(length = 5): string {
  let out = "";
  for (let i = 0; i < length; i++) out += NAME_CHARS[Math.floor(Math.random() * NAME_CHARS.length)];
  return out;
}

function specOf(obj: KubeObject): string {
  const { metadata: _m, status: _s, ...rest } = obj;
  return JSON.stringify(rest);
}

function strategicMeta(def: KindDef<never>): StrategicMeta {
  return {
    mergeKeys: { ...metadataMergeKeys, ...def.mergeKeys },
    mergePrimitiveLists: [...metadataPrimitiveLists, ...(def.mergePrimitiveLists ?? [])],
  };
}

function managerOf(opts: WriteOptions): string {
  const given = opts.query.get("fieldManager");
  if (given) return given;
  return (opts.userAgent ?? "unknown").split("/")[0]!.trim() || "unknown";
}

export class RestStorage<Ctx extends ApiContext> {
  constructor(private readonly ctx: Ctx) {}

  get(def: KindDef<Ctx>, namespace: string | undefined, name: string): KubeObject {
    const found = this.ctx.store.get(resourceId(def), namespace, name);
    if (!found) throw errors.notFound(groupResource(def), name);
    return found;
  }

  list(def: KindDef<Ctx>, namespace: string | undefined, query: URLSearchParams): ListResult {
    const labelSel = parseLabelSelector(query.get("labelSelector") ?? "");
    const fieldSel = parseFieldSelector(query.get("fieldSelector") ?? "", fieldSelectorsOf(def));
    let items = this.ctx.store
      .list(resourceId(def), namespace)
      .filter((o) => matchesLabels(labelSel, o.metadata.labels) && matchesFields(fieldSel, o));
    const limit = Number(query.get("limit") ?? "0");
    const token = query.get("continue");
    let revision = this.ctx.store.currentRevision;
    if (token) {
      let start: string;
      try {
        const decoded = JSON.parse(Buffer.from(token, "base64").toString("utf8")) as {
          rv: number;
          start: string;
        };
        start = decoded.start;
        revision = decoded.rv;
      } catch {
        throw errors.badRequest("continue key is not valid: illegal base64 data at input byte 0");
      }
      items = items.filter((o) => keyOf(o) >= start);
    }
    const meta: ListResult["metadata"] = { resourceVersion: String(revision) };
    if (limit > 0 && items.length > limit) {
      const next = items[limit]!;
      meta.continue = Buffer.from(
        JSON.stringify({ v: "meta.k8s.io/v1", rv: revision, start: keyOf(next) }),
      ).toString("base64");
      meta.remainingItemCount = items.length - limit;
      items = items.slice(0, limit);
    }
    return { kind: `${def.kind}List`, apiVersion: groupVersion(def), metadata: meta, items };
  }

  /** Decodes a create/update body and checks apiVersion, kind, namespace and name against the URL. */
  decode(
    def: KindDef<Ctx>,
    raw: Buffer,
    contentType: string | undefined,
    namespace: string | undefined,
    opts: WriteOptions,
  ): KubeObject {
    const body = parseObjectBody(raw, contentType, def.kind);
    return this.checkIdentity(def, body, namespace, opts);
  }

  private checkIdentity(
    def: KindDef<Ctx>,
    body: Json,
    namespace: string | undefined,
    opts: WriteOptions,
  ): KubeObject {
    if (!isJsonObject(body))
      throw errors.badRequest(
        `the object provided is unrecognized (must be of type ${def.kind}): couldn't get version/kind; json parse error: json: cannot unmarshal ${Array.isArray(body) ? "array" : typeof body} into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }`,
      );
    const gv = groupVersion(def);
    if (body["kind"] === undefined || body["kind"] === "") body["kind"] = def.kind;
    if (body["apiVersion"] === undefined || body["apiVersion"] === "") body["apiVersion"] = gv;
    if (body["apiVersion"] !== gv)
      throw errors.badRequest(
        `the API version in the data (${String(body["apiVersion"])}) does not match the expected API version (${gv})`,
      );
    if (body["kind"] !== def.kind)
      throw errors.badRequest(
        `${String(body["kind"])} in version "${def.version}" cannot be handled as a ${def.kind}: the kind in the data does not match the expected kind`,
      );
    if (body["metadata"] === undefined || body["metadata"] === null) body["metadata"] = {};
    const obj = body as unknown as KubeObject;
    decodeMetadata(obj, def.version);
    const unknown = Object.keys(obj.metadata)
      .filter((k) => !KNOWN_META.has(k))
      .map((k) => `metadata.${k}`);
    unknown.push(...(def.unknownFields?.(obj) ?? []));
    if (unknown.length > 0) {
      const validation = opts.query.get("fieldValidation") ?? "Warn";
      const texts = unknown.map((f) => `unknown field "${f}"`);
      if (validation === "Strict") throw errors.badRequest(`strict decoding error: ${texts.join(", ")}`);
      if (validation === "Warn") opts.warnings.push(...texts);
      for (const f of unknown) removeDotted(obj as unknown as Json, f);
    }
    def.decode?.(obj);
    if (def.namespaced) {
      if (obj.metadata.namespace && namespace && obj.metadata.namespace !== namespace)
        throw errors.badRequest(
          "the namespace of the provided object does not match the namespace sent on the request",
        );
      obj.metadata.namespace = namespace;
    } else delete obj.metadata.namespace;
    return obj;
  }

  private validate(def: KindDef<Ctx>, obj: KubeObject, old: KubeObject | undefined): void {
    def.applyDefaults?.(obj, this.ctx);
    const problems: FieldError[] = [
      ...metadataErrors(obj, def.nameRule ?? "subdomain"),
      ...(def.validate?.(obj, old) ?? []),
    ];
    if (old && obj.metadata.name !== old.metadata.name)
      problems.push({
        type: "FieldValueInvalid",
        field: "metadata.name",
        badValue: JSON.stringify(obj.metadata.name),
        detail: "field is immutable",
      });
    if (problems.length > 0)
      throw errors.invalid(
        def.group,
        def.kind,
        obj.metadata.name ?? obj.metadata.generateName ?? "",
        problems,
      );
  }

  create(def: KindDef<Ctx>, obj: KubeObject, opts: WriteOptions, manager = managerOf(opts)): KubeObject {
    if (!obj.metadata.name && obj.metadata.generateName)
      obj.metadata.name = obj.metadata.generateName + randomSuffix();
    this.validate(def, obj, undefined);
    const name = obj.metadata.name!;
    if (def.namespaced) this.ctx.checkNamespace(obj.metadata.namespace!, true, def as KindDef<never>, name);
    if (this.ctx.store.get(resourceId(def), obj.metadata.namespace, name))
      throw errors.alreadyExists(groupResource(def), name);
    const now = this.ctx.now();
    obj.metadata.uid = randomUUID();
    obj.metadata.creationTimestamp = rfc3339(now);
    delete obj.metadata.deletionTimestamp;
    delete obj.metadata.resourceVersion;
    if (def.hasSpec) obj.metadata.generation = 1;
    if (opts.query.get("dryRun") === "All") return obj;
    if (!obj.metadata.managedFields) recordUpdate(undefined, obj, manager, strategicMeta(def), now);
    def.beforeCreate?.(obj, this.ctx);
    return this.ctx.store.put(resourceId(def), obj);
  }

  update(
    def: KindDef<Ctx>,
    obj: KubeObject,
    name: string,
    opts: WriteOptions,
    subresource?: string,
    manager = managerOf(opts),
  ): KubeObject {
    if (obj.metadata.name && obj.metadata.name !== name)
      throw errors.badRequest(
        `the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`,
      );
    obj.metadata.name = name;
    const live = this.get(def, obj.metadata.namespace, name);
    if (obj.metadata.resourceVersion && obj.metadata.resourceVersion !== live.metadata.resourceVersion)
      throw errors.staleResourceVersion(groupResource(def), name);
    return this.write(def, live, obj, opts, subresource, manager, "update");
  }

  /** System writes (controllers, stages): no validation, no conflicts, no field manager. */
  writeStatus(def: KindDef<Ctx>, obj: KubeObject): KubeObject {
    return this.ctx.store.put(resourceId(def), obj);
  }

  private write(
    def: KindDef<Ctx>,
    live: KubeObject,
    next: KubeObject,
    opts: WriteOptions,
    subresource: string | undefined,
    manager: string,
    operation: "update" | "apply",
  ): KubeObject {
    // The main resource ignores status changes and the status subresource everything else.
    if (subresource === "status") {
      const status = next["status"];
      next = clone(live);
      if (status !== undefined) next["status"] = status;
    } else if (live["status"] !== undefined) next["status"] = clone(live["status"]);
    else delete next["status"];
    for (const key of [
      "uid",
      "creationTimestamp",
      "deletionTimestamp",
      "deletionGracePeriodSeconds",
      "generation",
    ] as const)
      (next.metadata as Record<string, unknown>)[key] = live.metadata[key];
    for (const key of Object.keys(next.metadata) as (keyof typeof next.metadata)[])
      if (next.metadata[key] === undefined) delete next.metadata[key];
    this.validate(def, next, live);
    if (def.hasSpec && specOf(next) !== specOf(live))
      next.metadata.generation = (live.metadata.generation ?? 0) + 1;
    if (operation === "update") {
      next.metadata.managedFields = live.metadata.managedFields;
      recordUpdate(live, next, manager, strategicMeta(def), this.ctx.now());
    }
    next.metadata.resourceVersion = live.metadata.resourceVersion;
    if (JSON.stringify(next) === JSON.stringify(live)) return live;
    if (opts.query.get("dryRun") === "All") return next;
    return this.ctx.store.put(resourceId(def), next);
  }

  patch(
    def: KindDef<Ctx>,
    namespace: string | undefined,
    name: string,
    raw: Buffer,
    contentType: string | undefined,
    opts: WriteOptions,
    subresource?: string,
  ): { object: KubeObject; created: boolean } {
    const type = patchTypeOf(contentType);
    const body = parsePatchBody(raw, type);
    const live = this.ctx.store.get(resourceId(def), namespace, name);
    if (type === "apply") {
      const manager = opts.query.get("fieldManager");
      if (!manager)
        throw errors.badRequest("PATCH, application/apply-patch+yaml requests must specify a fieldManager");
      const config = this.checkIdentity(def, body, namespace, opts);
      if (config.metadata.name && config.metadata.name !== name)
        throw errors.badRequest(
          `the name of the object (${config.metadata.name}) does not match the name on the URL (${name})`,
        );
      config.metadata.name = name;
      const force = opts.query.get("force") === "true";
      if (!live) {
        const created = serverSideApply(
          undefined,
          config,
          manager,
          force,
          strategicMeta(def),
          this.ctx.now(),
        );
        return { object: this.create(def, created, opts, manager), created: true };
      }
      if (
        config.metadata.resourceVersion &&
        config.metadata.resourceVersion !== live.metadata.resourceVersion
      )
        throw errors.staleResourceVersion(groupResource(def), name);
      const merged = serverSideApply(live, config, manager, force, strategicMeta(def), this.ctx.now());
      return { object: this.write(def, live, merged, opts, subresource, manager, "apply"), created: false };
    }
    if (!live) throw errors.notFound(groupResource(def), name);
    const doc = live as unknown as Json;
    let patched: Json;
    if (type === "json") patched = jsonPatch(doc, body);
    else if (!isJsonObject(body))
      throw errors.badRequest(
        `json: cannot unmarshal ${Array.isArray(body) ? "array" : typeof body} into Go value of type map[string]interface {}`,
      );
    else if (type === "merge") patched = mergePatch(doc, body);
    else patched = strategicMergePatch(doc, body, strategicMeta(def));
    const next = this.checkIdentity(def, patched, namespace, opts);
    if (next.metadata.resourceVersion && next.metadata.resourceVersion !== live.metadata.resourceVersion)
      throw errors.staleResourceVersion(groupResource(def), name);
    if (next.metadata.name !== name)
      throw errors.badRequest(
        `metadata.name: Invalid value: "${String(next.metadata.name)}": field is immutable`,
      );
    return {
      object: this.write(def, live, next, opts, subresource, managerOf(opts), "update"),
      created: false,
    };
  }

  /** Checks DeleteOptions preconditions; the caller decides between graceful and immediate removal. */
  checkPreconditions(def: KindDef<Ctx>, live: KubeObject, raw: Buffer): { gracePeriodSeconds?: number } {
    if (raw.length === 0) return {};
    let options: Json;
    try {
      options = JSON.parse(raw.toString("utf8")) as Json;
    } catch {
      throw errors.badRequest("the server rejected our request due to an error in our request");
    }
    if (!isJsonObject(options)) return {};
    const pre = options["preconditions"];
    const name = live.metadata.name!;
    if (isJsonObject(pre)) {
      if (typeof pre["uid"] === "string" && pre["uid"] !== live.metadata.uid)
        throw errors.conflict(
          groupResource(def),
          name,
          `Precondition failed: UID in precondition: ${pre["uid"]}, UID in object meta: ${live.metadata.uid}`,
        );
      if (
        typeof pre["resourceVersion"] === "string" &&
        pre["resourceVersion"] !== live.metadata.resourceVersion
      )
        throw errors.conflict(
          groupResource(def),
          name,
          `Precondition failed: ResourceVersion in precondition: ${pre["resourceVersion"]}, ResourceVersion in object meta: ${live.metadata.resourceVersion}`,
        );
    }
    const grace = options["gracePeriodSeconds"];
    return typeof grace === "number" ? { gracePeriodSeconds: grace } : {};
  }
}

function keyOf(o: KubeObject): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name!;
}

function removeDotted(doc: Json, path: string): void {
  const parts = path.split(".");
  let cur: Json | undefined = doc;
  for (const part of parts.slice(0, -1)) {
    const m = /^(.*?)\[(\d+)\]$/.exec(part);
    cur = isJsonObject(cur) ? cur[m ? m[1]! : part] : undefined;
    if (m && Array.isArray(cur)) cur = cur[Number(m[2])];
  }
  if (isJsonObject(cur)) delete cur[parts[parts.length - 1]!];
}

/** Field selectors each kind supports (metadata.name and metadata.namespace everywhere). */
export function fieldSelectorsOf(def: { plural: string; group: string }): string[] {
  const common = ["metadata.name", "metadata.namespace"];
  if (def.group === "" && def.plural === "pods")
    return [
      ...common,
      "spec.nodeName",
      "spec.restartPolicy",
      "spec.schedulerName",
      "spec.serviceAccountName",
      "status.phase",
      "status.podIP",
      "status.nominatedNodeName",
    ];
  if (def.group === "" && def.plural === "namespaces") return [...common, "status.phase"];
  if (def.group === "" && def.plural === "events")
    return [
      ...common,
      "involvedObject.kind",
      "involvedObject.namespace",
      "involvedObject.name",
      "involvedObject.uid",
      "involvedObject.apiVersion",
      "involvedObject.resourceVersion",
      "involvedObject.fieldPath",
      "reason",
      "reportingComponent",
      "source",
      "type",
    ];
  if (def.group === "batch" && def.plural === "jobs") return [...common, "status.successful"];
  return common;
}

export { ApiError };
