// What a controller may do to its cluster: read the store, create objects through the API rules,
// write status, and delete. Kept apart from cluster.ts so each controller sits with its kind.
import type { ClusterContext, Kind } from "./context.js";
import type { RestStorage } from "./machinery/rest.js";
import type { KubeObject } from "./machinery/types.js";

export interface ControllerHost {
  ctx: ClusterContext;
  rest: RestStorage<ClusterContext>;
  /** Status or bookkeeping write that bypasses validation (a controller's own update). */
  writeSystem(def: Kind, obj: KubeObject): KubeObject;
  /** Deletes as a client would (graceful for pods). */
  deleteObject(def: Kind, obj: KubeObject): void;
  /** Runs `fn` after `emulatedSeconds` on the cluster clock. */
  after(emulatedSeconds: number, fn: () => void): void;
}

export function ownerReference(owner: KubeObject) {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name!,
    uid: owner.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function ownedBy(obj: KubeObject, owner: KubeObject): boolean {
  return (obj.metadata.ownerReferences ?? []).some((r) => r["uid"] === owner.metadata.uid);
}

/** A stable short hash (pod-template-hash style) of a JSON document. */
export function shortHash(value: unknown): string {
  let h = 2166136261;
  for (const ch of JSON.stringify(value)) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 16777619) >>> 0;
  }
  const alphabet = "bcdfghjklmnpqrstvwxz2456789";
  let out = "";
  for (let i = 0; i < 10; i++) {
    out += alphabet[h % alphabet.length];
    h = Math.floor(h / alphabet.length) || Math.imul(h ^ i, 2654435761) >>> 0;
  }
  return out;
}
