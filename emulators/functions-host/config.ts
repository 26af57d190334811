// Configuration read like the Functions host does: host.json (route prefix, task hub, concurrency caps) and
// local.settings.json (`Values` become environment variables of the app).
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseCorsOrigins, validateCors, type CorsSettings } from "./http/cors.js";

export interface HostJsonSettings {
  routePrefix: string;
  hubName: string;
  maxConcurrentActivityFunctions: number;
  maxConcurrentOrchestratorFunctions: number;
}

interface HostJson {
  extensions?: {
    http?: { routePrefix?: string };
    durableTask?: {
      hubName?: string;
      maxConcurrentActivityFunctions?: number;
      maxConcurrentOrchestratorFunctions?: number;
    };
  };
}

async function readJson<T>(file: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new Error(`${file} is not valid JSON: ${(err as Error).message}`);
  }
}

const positive = (v: unknown, fallback: number): number =>
  typeof v === "number" && v >= 1 ? Math.floor(v) : fallback;

export async function readHostJson(appDir: string): Promise<HostJsonSettings> {
  const json = (await readJson<HostJson>(join(appDir, "host.json"))) ?? {};
  const http = json.extensions?.http;
  const durable = json.extensions?.durableTask;
  return {
    routePrefix: (http?.routePrefix ?? "api").replace(/^\/+|\/+$/g, ""),
    hubName: durable?.hubName ?? "TestHubName",
    maxConcurrentActivityFunctions: positive(durable?.maxConcurrentActivityFunctions, 10),
    maxConcurrentOrchestratorFunctions: positive(durable?.maxConcurrentOrchestratorFunctions, 10),
  };
}

interface LocalSettingsJson {
  Values?: Record<string, unknown>;
  Host?: { CORS?: unknown; CORSCredentials?: unknown };
}

/** local.settings.json: `Values` (strings only, as the host passes them) and `Host` CORS settings. */
export async function readLocalSettings(
  appDir: string,
): Promise<{ values: Record<string, string>; cors: CorsSettings }> {
  const json = await readJson<LocalSettingsJson>(join(appDir, "local.settings.json"));
  const values: Record<string, string> = {};
  for (const [k, v] of Object.entries(json?.Values ?? {})) {
    if (v !== null && v !== undefined) values[k] = String(v);
  }
  const cors = validateCors({
    allowedOrigins: parseCorsOrigins(typeof json?.Host?.CORS === "string" ? json.Host.CORS : undefined),
    supportCredentials: json?.Host?.CORSCredentials === true,
  });
  return { values, cors };
}

/**
 * The app's environment: the host's own environment, then local.settings.json Values for names not already
 * set (as Core Tools does), then explicit overrides.
 */
export function appEnvironment(
  base: NodeJS.ProcessEnv,
  localSettings: Record<string, string>,
  overrides: Record<string, string>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) env[k] = v;
  for (const [k, v] of Object.entries(localSettings)) if (env[k] === undefined) env[k] = v;
  return { ...env, ...overrides };
}
