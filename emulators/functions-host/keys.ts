// Function keys, kept in a file under the state directory (0600). Unlike Core Tools, this host enforces
// authLevel locally: function-level routes need a function key or the master key, admin-level the master key.
import { randomBytes, timingSafeEqual } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";

export interface HostKeys {
  masterKey: string;
  functionKeys: Record<string, string>;
  systemKeys: Record<string, string>;
}

export const DURABLE_SYSTEM_KEY = "durabletask_extension";

const newKey = (): string => randomBytes(32).toString("base64url");

export async function loadOrCreateKeys(file: string): Promise<HostKeys> {
  try {
    const keys = JSON.parse(await readFile(file, "utf8")) as HostKeys;
    if (keys.masterKey && keys.functionKeys?.["default"] && keys.systemKeys?.[DURABLE_SYSTEM_KEY])
      return keys;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const keys: HostKeys = {
    masterKey: newKey(),
    functionKeys: { default: newKey() },
    systemKeys: { [DURABLE_SYSTEM_KEY]: newKey() },
  };
  await writeFile(file, JSON.stringify(keys, null, 2) + "\n", { mode: 0o600 });
  return keys;
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
