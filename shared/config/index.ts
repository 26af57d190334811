// Configuration of the app, read once from the environment (app settings in Azure,
// local.settings.json Values locally). Every name is listed in the README's configuration table.
// Production and the local stack differ only here: endpoints, credential source, timings.

import type { TeamMapping } from "../auth/caller.js";
import { parsePipelineCallers, type PipelineCallers } from "../auth/pipeline-callers.js";
import { timeScaleFromEnv } from "./time-scale.js";

export type CredentialKind = "managedIdentity" | "default";

/** Who may call the API: the token issuer and audience, and how tokens name teams. */
export interface AuthConfig {
  issuer: string;
  /** Accepted audiences; the first is the one clients ask tokens for. */
  audiences: string[];
  /** OIDC metadata URL; default `<issuer>/.well-known/openid-configuration`. */
  metadataUrl: string;
  clockSkewSeconds: number;
  teams: TeamMapping;
  /** Azure DevOps server jobs accepted with their own app's token (AKSV_PIPELINE_CALLERS); absent: none. */
  pipelineCallers?: PipelineCallers;
}

/** Clusters a team may hold at once (not Deleted). */
export interface QuotaConfig {
  default: number;
  perTeam: Record<string, number>;
}

export interface AppConfig {
  /** Subscription clusters are created in (a request may name another one). */
  targetSubscriptionId: string;
  /** When set, every cluster goes into this resource group (the app's rights may be limited to it). */
  targetResourceGroup?: string;
  defaultLocation: string;
  /**
   * The Entra tenant of the clusters' users (aadProfile.tenantID of a request that names none):
   * AKSV_TENANT_ID, else the tenant in AKSV_AUTH_ISSUER's path; absent, AKS takes the subscription's.
   */
  tenantId?: string;
  /** Undefined when issuer or audience is missing: the API then refuses every cluster request. */
  auth: AuthConfig | undefined;
  quota: QuotaConfig;
  arm: {
    endpoint: string;
    /** Token audience for ARM; the same in every cloud the SDK's modular clients assume. */
    audience: string;
    credential: CredentialKind;
    /** Client id of the app's user-assigned managed identity (absent: system-assigned). */
    managedIdentityClientId?: string;
    /** The SDK's own retry for 429/5xx/connection errors inside one activity attempt. */
    retry: { maxRetries: number; retryDelayInMs: number; maxRetryDelayInMs: number };
    /** Queue this process's requests behind a throttled bucket (shared/azure/throttle-gate.ts). */
    throttleGate: boolean;
  };
  /** Timings the orchestration runs with (copied into its input, so replay never reads the environment). */
  timing: ProvisionTiming;
  probe: { image: string; timeoutSeconds: number };
  /** The drift check (orchestrations/driftMonitor.ts): seconds between two checks of a cluster. */
  drift: { intervalSeconds: number };
  /** Azure DevOps server-job callbacks (absent: requests carrying callback headers are refused). */
  callback?: CallbackConfig;
  /**
   * The table holding the cluster index and the teams' quota rows (shared/state/cluster-table.ts);
   * the cluster API refuses to work without it.
   */
  state?: { tableUrl: string; table: string };
}

export interface CallbackConfig {
  /** Table service endpoint holding the callbacks' tokens, e.g. https://<account>.table.core.windows.net */
  tableUrl: string;
  table: string;
  /** Hosts a PlanUrl may name (exact, or "*.suffix"): where the caller's token may be sent. */
  allowedHosts: string[];
}

/** Durations in seconds unless named otherwise. */
export interface ProvisionTiming {
  /** Shortest wait between two polls of a long-running ARM operation when ARM sends no Retry-After. */
  pollIntervalSeconds: number;
  /** Longest wait between two polls, whatever Retry-After says. */
  maxPollIntervalSeconds: number;
  /** Give up on a cluster create (or delete) after this long. */
  clusterDeadlineSeconds: number;
  /**
   * The expected duration of a cluster create (delete): its first poll waits this long, whatever
   * Retry-After says (AKS takes minutes; polling it every few seconds from the start only spends ARM
   * reads), and an operation running late is polled at a share of it (orchestrations/monitor.ts).
   */
  clusterCreateFirstPollSeconds: number;
  clusterDeleteFirstPollSeconds: number;
  /**
   * The expected duration of a virtual network create: its first poll waits this long. Optional:
   * instances started before it existed carry timing without it and poll as they did (at
   * pollIntervalSeconds, 15 s for an operation of about 8).
   */
  virtualNetworkFirstPollSeconds?: number;
  /** Give up on any other long-running ARM operation after this long. */
  armOperationDeadlineSeconds: number;
  /** Give up waiting for seeded workloads (or probe pods) to become ready after this long. */
  readyDeadlineSeconds: number;
  /** Orchestration-level retry of activities failing transiently. */
  activityRetry: { firstRetryMs: number; maxAttempts: number; backoff: number; maxRetryMs: number };
  /** Role assignment: PrincipalNotFound while Entra ID replicates a new identity. */
  principalRetry: { firstRetryMs: number; maxAttempts: number; backoff: number; maxRetryMs: number };
  /** Verification rounds (NetworkPolicy enforcement is eventually consistent). */
  verificationAttempts: number;
}

/** One drift check per cluster per hour (README, "Drift"). */
export const DEFAULT_DRIFT_INTERVAL_SECONDS = 3600;

export const DEFAULT_TIMING: ProvisionTiming = {
  pollIntervalSeconds: 15,
  maxPollIntervalSeconds: 60,
  clusterDeadlineSeconds: 45 * 60,
  // About what AKS takes for a one-node-pool cluster (the Azure emulator's latency profile too).
  clusterCreateFirstPollSeconds: 360,
  clusterDeleteFirstPollSeconds: 240,
  // What ARM takes for a virtual network with one subnet (the Azure emulator's latency profile too).
  virtualNetworkFirstPollSeconds: 8,
  armOperationDeadlineSeconds: 15 * 60,
  readyDeadlineSeconds: 10 * 60,
  activityRetry: { firstRetryMs: 5_000, maxAttempts: 6, backoff: 2, maxRetryMs: 60_000 },
  principalRetry: { firstRetryMs: 5_000, maxAttempts: 12, backoff: 1.5, maxRetryMs: 60_000 },
  verificationAttempts: 3,
};

function num(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got "${raw}"`);
  return n;
}

/**
 * A setting holding a JSON object whose values must all pass `valid`; anything else is an error that
 * names the setting and the expected shape (the app refuses to start rather than guess).
 */
function jsonRecord<T>(
  env: NodeJS.ProcessEnv,
  name: string,
  shape: string,
  valid: (v: unknown) => v is T,
  value: string,
): Record<string, T> {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (e) {
    throw new Error(`${name} is not valid JSON (${(e as Error).message}); expected ${shape}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new Error(`${name} must be a JSON object ${shape}`);
  for (const [k, v] of Object.entries(parsed))
    if (!valid(v)) throw new Error(`${name}: "${k}" must map to ${value}, got ${JSON.stringify(v)}`);
  return parsed as Record<string, T>;
}

const isTeamName = (v: unknown): v is string => typeof v === "string" && v.trim() !== "";
const isCount = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0;

function authConfig(env: NodeJS.ProcessEnv): AuthConfig | undefined {
  const issuer = (env["AKSV_AUTH_ISSUER"] ?? "").trim().replace(/\/+$/, "");
  const audiences = (env["AKSV_AUTH_AUDIENCE"] ?? "")
    .split(",")
    .map((a) => a.trim())
    .filter((a) => a !== "");
  if (!issuer || audiences.length === 0) return undefined;
  const pipelineCallers = parsePipelineCallers(env["AKSV_PIPELINE_CALLERS"]);
  return {
    issuer,
    audiences,
    metadataUrl: env["AKSV_AUTH_METADATA_URL"]?.trim() || `${issuer}/.well-known/openid-configuration`,
    clockSkewSeconds: num(env, "AKSV_AUTH_CLOCK_SKEW_SECONDS", 60),
    teams: {
      claim: env["AKSV_TEAM_CLAIM"]?.trim() || "groups",
      groups: jsonRecord(env, "AKSV_TEAM_MAP", '{"<group id>": "<team>"}', isTeamName, "a team name"),
      rolePrefix: env["AKSV_TEAM_ROLE_PREFIX"] ?? "Team.",
    },
    ...(Object.keys(pipelineCallers).length > 0 ? { pipelineCallers } : {}),
  };
}

function quotaConfig(env: NodeJS.ProcessEnv): QuotaConfig {
  const fallback = num(env, "AKSV_TEAM_QUOTA", 10);
  if (!Number.isInteger(fallback))
    throw new Error(`AKSV_TEAM_QUOTA must be a whole number, got "${fallback}"`);
  return {
    default: fallback,
    perTeam: jsonRecord(env, "AKSV_TEAM_QUOTAS", '{"<team>": <clusters>}', isCount, "a whole number ≥ 0"),
  };
}

/** How many clusters `team` may hold at once. */
export function teamQuota(quota: QuotaConfig, team: string): number {
  return quota.perTeam[team] ?? quota.default;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** AKSV_TENANT_ID (a GUID, or the app refuses to start), else the tenant AKSV_AUTH_ISSUER names. */
function tenantId(env: NodeJS.ProcessEnv): string | undefined {
  const explicit = env["AKSV_TENANT_ID"]?.trim();
  if (explicit) {
    if (!GUID.test(explicit))
      throw new Error(`AKSV_TENANT_ID must be a tenant id (a GUID), got "${explicit}"`);
    return explicit;
  }
  // Entra ID's issuer is https://login.microsoftonline.com/<tenant>/v2.0 (the local issuer's alike).
  const issuer = env["AKSV_AUTH_ISSUER"]?.trim() ?? "";
  return /^https:\/\/[^/]+\/([^/]+)\/v2\.0\/?$/.exec(issuer)?.[1]?.match(GUID)?.[0];
}

/**
 * `AKSV_TIME_SCALE` (shared with the emulators) shrinks every orchestration wait for the local stack
 * and tests; explicit settings win over the scaled defaults.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const scale = timeScaleFromEnv(env);
  const ms = (v: number) => Math.max(1, Math.round(v * scale));
  const s = (v: number) => v * scale;
  const retry = (r: ProvisionTiming["activityRetry"]) => ({
    ...r,
    firstRetryMs: ms(r.firstRetryMs),
    maxRetryMs: ms(r.maxRetryMs),
  });
  const credential = env["AKSV_CREDENTIAL"] ?? "managedIdentity";
  if (credential !== "managedIdentity" && credential !== "default")
    throw new Error(`AKSV_CREDENTIAL must be "managedIdentity" or "default", got "${credential}"`);
  const clientId = env["AKSV_MANAGED_IDENTITY_CLIENT_ID"];
  const resourceGroup = env["AKSV_TARGET_RESOURCE_GROUP"]?.trim();
  const tenant = tenantId(env);
  // The app's own rows live in the same storage account as the callbacks unless told otherwise.
  const stateTableUrl = (env["AKSV_STATE_TABLE_URL"] || env["AKSV_CALLBACK_TABLE_URL"] || "").replace(
    /\/+$/,
    "",
  );
  return {
    targetSubscriptionId: env["AKSV_TARGET_SUBSCRIPTION_ID"] ?? "",
    ...(resourceGroup ? { targetResourceGroup: resourceGroup } : {}),
    auth: authConfig(env),
    quota: quotaConfig(env),
    defaultLocation: env["AKSV_DEFAULT_LOCATION"] || "eastus",
    ...(tenant ? { tenantId: tenant } : {}),
    arm: {
      endpoint: (env["AKSV_ARM_ENDPOINT"] || "https://management.azure.com").replace(/\/+$/, ""),
      audience: env["AKSV_ARM_AUDIENCE"] || "https://management.azure.com",
      credential,
      ...(clientId ? { managedIdentityClientId: clientId } : {}),
      retry: {
        maxRetries: num(env, "AKSV_ARM_MAX_RETRIES", 4),
        retryDelayInMs: num(env, "AKSV_ARM_RETRY_DELAY_MS", ms(1000)),
        maxRetryDelayInMs: num(env, "AKSV_ARM_MAX_RETRY_DELAY_MS", ms(30_000)),
      },
      throttleGate: env["AKSV_ARM_THROTTLE_GATE"] !== "off",
    },
    timing: {
      pollIntervalSeconds: num(env, "AKSV_POLL_INTERVAL_SECONDS", s(DEFAULT_TIMING.pollIntervalSeconds)),
      maxPollIntervalSeconds: s(DEFAULT_TIMING.maxPollIntervalSeconds),
      clusterDeadlineSeconds: num(
        env,
        "AKSV_CLUSTER_DEADLINE_SECONDS",
        s(DEFAULT_TIMING.clusterDeadlineSeconds),
      ),
      clusterCreateFirstPollSeconds: num(
        env,
        "AKSV_CLUSTER_FIRST_POLL_SECONDS",
        s(DEFAULT_TIMING.clusterCreateFirstPollSeconds),
      ),
      clusterDeleteFirstPollSeconds: s(DEFAULT_TIMING.clusterDeleteFirstPollSeconds),
      virtualNetworkFirstPollSeconds: s(DEFAULT_TIMING.virtualNetworkFirstPollSeconds!),
      armOperationDeadlineSeconds: s(DEFAULT_TIMING.armOperationDeadlineSeconds),
      readyDeadlineSeconds: num(env, "AKSV_READY_DEADLINE_SECONDS", s(DEFAULT_TIMING.readyDeadlineSeconds)),
      activityRetry: retry(DEFAULT_TIMING.activityRetry),
      principalRetry: retry(DEFAULT_TIMING.principalRetry),
      verificationAttempts: num(env, "AKSV_VERIFICATION_ATTEMPTS", DEFAULT_TIMING.verificationAttempts),
    },
    probe: {
      image: env["AKSV_PROBE_IMAGE"] || "busybox:1.36",
      timeoutSeconds: num(env, "AKSV_PROBE_TIMEOUT_SECONDS", 3),
    },
    drift: { intervalSeconds: driftInterval(env, s(DEFAULT_DRIFT_INTERVAL_SECONDS)) },
    ...(stateTableUrl
      ? { state: { tableUrl: stateTableUrl, table: env["AKSV_STATE_TABLE"] || "aksvclusters" } }
      : {}),
    ...(env["AKSV_CALLBACK_TABLE_URL"]
      ? {
          callback: {
            tableUrl: env["AKSV_CALLBACK_TABLE_URL"].replace(/\/+$/, ""),
            table: env["AKSV_CALLBACK_TABLE"] || "pipelinecallbacks",
            allowedHosts: (env["AKSV_CALLBACK_ALLOWED_HOSTS"] || "dev.azure.com,*.visualstudio.com")
              .split(",")
              .map((h) => h.trim())
              .filter(Boolean),
          },
        }
      : {}),
  };
}

/** A monitor checking with no pause would read ARM and Kubernetes without end: zero is refused. */
function driftInterval(env: NodeJS.ProcessEnv, fallback: number): number {
  const seconds = num(env, "AKSV_DRIFT_INTERVAL_SECONDS", fallback);
  if (seconds <= 0) throw new Error(`AKSV_DRIFT_INTERVAL_SECONDS must be a positive number of seconds`);
  return seconds;
}

let cached: AppConfig | undefined;

/** The process's configuration, read on first use. */
export function appConfig(): AppConfig {
  cached ??= loadConfig();
  return cached;
}
