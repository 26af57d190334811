// Function keys, kept in a file under the state directory (0600). Unlike Core Tools, this host enforces
// authLevel locally: function-level routes need a function key or the master key, admin-level the master key.
import { randomBytes, timingSafeEqual } from "node:crypto";
import { readStateJson, StateDamagedError, writePrivateFile } from "../common/state-dir.js";

export interface HostKeys {
  masterKey: string;
  functionKeys: Record<string, string>;
  systemKeys: Record<string, string>;
}

export const DURABLE_SYSTEM_KEY = "durabletask_extension";

const newKey = (): string => randomBytes(32).toString("base64url");

export async function loadOrCreateKeys(file: string): Promise<HostKeys> {
  // Damaged keys stop the start: new ones would silently lock out every caller of the old ones.
  const loses = "the host's function, master and durable system keys";
  const keys = readStateJson<HostKeys>(file, loses);
  if (keys !== undefined) {
    if (keys?.masterKey && keys.functionKeys?.["default"] && keys.systemKeys?.[DURABLE_SYSTEM_KEY])
      return keys;
    throw new StateDamagedError(file, "a key is missing", loses);
  }
  const created: HostKeys = {
    masterKey: newKey(),
    functionKeys: { default: newKey() },
    systemKeys: { [DURABLE_SYSTEM_KEY]: newKey() },
  };
  writePrivateFile(file, JSON.stringify(created, null, 2) + "\n");
  return created;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export type AuthLevel = "anonymous" | "function" | "admin";

export function parseAuthLevel(value: unknown): AuthLevel {
  const v = typeof value === "string" ? value.toLowerCase() : "anonymous";
  if (v === "function" || v === "admin" || v === "anonymous") return v;
  throw new Error(`Unknown authLevel '${String(value)}'.`);
}

/** Whether `presented` (x-functions-key header or code query) grants `level`. */
export function authorized(keys: HostKeys, level: AuthLevel, presented: string | undefined): boolean {
  if (level === "anonymous") return true;
  if (!presented) return false;
  if (same(presented, keys.masterKey)) return true;
  if (level === "admin") return false;
  return Object.values(keys.functionKeys).some((k) => same(presented, k));
}
