// One cluster's object store, shaped like etcd behind the API server: a single revision counter
// that every write bumps (resourceVersion), and an event history that watches resume from.
import { clone, objectKey, type KubeObject } from "./types.js";

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";

export interface StoreEvent {
  type: WatchEventType;
  /** resourceId of the kind ("" + "/pods", "networking.k8s.io/networkpolicies"). */
  resource: string;
  object: KubeObject;
  revision: number;
}

export interface StoreSnapshot {
  revision: number;
  objects: Record<string, KubeObject[]>;
}

const HISTORY = 2000;

export class ObjectStore {
  private revision = 1;
  private readonly byResource = new Map<string, Map<string, KubeObject>>();
  private readonly history: StoreEvent[] = [];
  private readonly listeners = new Set<(event: StoreEvent) => void>();
  /**
   * Called inside every write, before it returns (persistence: the write is logged before the API
   * server can acknowledge it).
   */
  onWrite: (event: StoreEvent) => void = () => {};

  get currentRevision(): number {
    return this.revision;
  }

  /** The oldest revision a watch may resume from. */
  get oldestRevision(): number {
    return this.history[0]?.revision ?? this.revision;
  }

  private table(resource: string): Map<string, KubeObject> {
    let t = this.byResource.get(resource);
    if (!t) this.byResource.set(resource, (t = new Map()));
    return t;
  }

  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const found = this.byResource.get(resource)?.get(objectKey(namespace, name));
    return found ? clone(found) : undefined;
  }

  /** Objects of one resource, optionally in one namespace, sorted by namespace/name (etcd key order). */
  list(resource: string, namespace?: string): KubeObject[] {
    const t = this.byResource.get(resource);
    if (!t) return [];
    return [...t.entries()]
      .filter(([, o]) => namespace === undefined || o.metadata.namespace === namespace)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, o]) => clone(o));
  }

  /** Stores `obj` (create or update), stamping a new resourceVersion; returns the stored copy. */
  put(resource: string, obj: KubeObject): KubeObject {
    const key = objectKey(obj.metadata.namespace, obj.metadata.name!);
    const t = this.table(resource);
    const type: WatchEventType = t.has(key) ? "MODIFIED" : "ADDED";
    this.revision += 1;
    const stored = clone(obj);
    stored.metadata.resourceVersion = String(this.revision);
    t.set(key, stored);
    this.emit({ type, resource, object: clone(stored), revision: this.revision });
    return clone(stored);
  }

  remove(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const t = this.byResource.get(resource);
    const key = objectKey(namespace, name);
    const existing = t?.get(key);
    if (!t || !existing) return undefined;
    t.delete(key);
    this.revision += 1;
    const gone = clone(existing);
    gone.metadata.resourceVersion = String(this.revision);
    this.emit({ type: "DELETED", resource, object: clone(gone), revision: this.revision });
    return gone;
  }

  /** Events after `revision` for a resource, or undefined when history no longer reaches back. */
  eventsSince(resource: string, revision: number): StoreEvent[] | undefined {
    if (revision < this.oldestRevision - 1 && this.history.length >= HISTORY) return undefined;
    return this.history.filter((e) => e.resource === resource && e.revision > revision);
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: StoreEvent): void {
    this.history.push(event);
    if (this.history.length > HISTORY) this.history.shift();
    this.onWrite(event);
    for (const listener of [...this.listeners]) listener(event);
  }

  snapshot(): StoreSnapshot {
    const objects: Record<string, KubeObject[]> = {};
    for (const [resource, t] of this.byResource) objects[resource] = [...t.values()];
    return { revision: this.revision, objects };
  }

  restore(snapshot: StoreSnapshot): void {
    this.revision = snapshot.revision;
    this.byResource.clear();
    for (const [resource, list] of Object.entries(snapshot.objects)) {
      const t = this.table(resource);
      for (const o of list) t.set(objectKey(o.metadata.namespace, o.metadata.name!), o);
    }
  }
}
