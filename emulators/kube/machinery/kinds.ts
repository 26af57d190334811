// What the API machinery needs to know about one kind: its names for discovery, where it lives,
// its strategic-merge keys, and its kind-specific defaulting, validation, table columns and hooks.
import type { FieldError, GroupResource } from "./status.js";
import type { KubeObject } from "./types.js";

export interface TableColumn {
  name: string;
  type: "string" | "integer" | "number" | "boolean" | "date";
  format?: string;
  description: string;
  priority: number;
}

export interface WriteContext {
  now(): number;
}

export interface KindDef<Ctx extends WriteContext = WriteContext> {
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  namespaced: boolean;
  categories: string[];
  /** Subresources served besides the main resource ("status", "log", "finalize"). */
  subresources: string[];
  /** Strategic-merge-patch list keys by dotted path from the object root ("spec.containers" → "name"). */
  mergeKeys: Record<string, string>;
  /** Paths of lists of primitives merged (not replaced) by strategic merge ("metadata.finalizers"). */
  mergePrimitiveLists?: string[];
  /** Decoding checks the Go types would make (wrong JSON types): throw ApiError 400. */
  decode?(obj: KubeObject): void;
  /** Unknown-field detection for fieldValidation: field paths the Go struct does not have. */
  unknownFields?(obj: KubeObject): string[];
  /** Server-side defaulting on every write. */
  applyDefaults?(obj: KubeObject, ctx: Ctx): void;
  /** Validation on create (old undefined) and update; an empty list means valid. */
  validate?(obj: KubeObject, old: KubeObject | undefined): FieldError[];
  /** Rule for metadata.name (a DNS-1123 subdomain unless the kind says otherwise). */
  nameRule?: "subdomain" | "label" | "dns1035";
  /** Before a create is stored (allocations such as cluster IPs); may throw ApiError. */
  beforeCreate?(obj: KubeObject, ctx: Ctx): void;
  /** After an object is gone (release allocations). */
  afterDelete?(obj: KubeObject, ctx: Ctx): void;
  table?: {
    columns: TableColumn[];
    cells(obj: KubeObject, now: number): (string | number | boolean)[];
  };
  /** True for kinds whose spec changes bump metadata.generation. */
  hasSpec: boolean;
  /** Discovery verbs when not the full set (create-only reviews). */
  verbs?: string[];
  /** A create-only kind that is answered, never stored (access reviews): the answer for `user`. */
  review?(obj: KubeObject, user: ReviewUser, authorize: ReviewAuthorizer): KubeObject;
}

export interface ReviewUser {
  username: string;
  uid?: string;
  groups: string[];
}

/** The cluster's authorization decision, as access reviews ask it. */
export type ReviewAuthorizer = (
  user: ReviewUser,
  attributes: {
    resource?: {
      namespace?: string;
      verb?: string;
      group?: string;
      version?: string;
      resource?: string;
      subresource?: string;
      name?: string;
    };
    nonResource?: { path?: string; verb?: string };
  },
) => { allowed: boolean; denied?: boolean; reason?: string };

export function groupVersion(def: KindDef<never> | KindDef): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}

export function groupResource(def: { group: string; plural: string }): GroupResource {
  return { group: def.group, resource: def.plural };
}

export function resourceId(def: { group: string; plural: string }): string {
  return `${def.group}/${def.plural}`;
}

/** Human age the way kubectl prints it (duration.HumanDuration, shortened). */
export function age(creationTimestamp: string | undefined, now: number): string {
  if (!creationTimestamp) return "<unknown>";
  const seconds = Math.max(0, Math.floor((now - Date.parse(creationTimestamp)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return `${minutes}m${seconds % 60 ? `${seconds % 60}s` : ""}`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h`;
  return `${Math.floor(hours / 24)}d`;
}

export const nameColumn: TableColumn = {
  name: "Name",
  type: "string",
  format: "name",
  description: "Name must be unique within a namespace.",
  priority: 0,
};
export const ageColumn: TableColumn = {
  name: "Age",
  type: "string",
  description: "CreationTimestamp is a timestamp representing the server time when this object was created.",
  priority: 0,
};
