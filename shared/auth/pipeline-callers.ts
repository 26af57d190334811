// Azure DevOps server jobs as callers (pipelines/README.md has the evidence). The one agentless task
// that authenticates with Entra ID and may call any URL, AzureFunction@2 with an Azure Resource
// Manager service connection, asks for a token whose audience is the connection's own app
// registration (`ResourceURL: api://$(endpoint.serviceprincipalid)` in its task.json), not this API.
// So the API accepts such a token only from the pipeline identities listed in AKSV_PIPELINE_CALLERS,
// only when that app asked for itself (azp/appid is its own client id, app-only: no `scp`), and
// takes the caller's roles and teams from that list: whatever roles a token an app mints for itself
// carries were granted by the app's owner, not by this API's.
import type { JWTPayload } from "jose";
import { callerFromClaims, ROLES, type Caller, type Role, type TeamMapping } from "./caller.js";
import { TokenRejected } from "./token.js";

export interface PipelineCaller {
  /** Application (client) id of the service connection's app registration. */
  clientId: string;
  roles: Role[];
  teams: string[];
}

/** Allowed pipeline identities by lower-cased client id. */
export type PipelineCallers = Readonly<Record<string, PipelineCaller>>;

export const PIPELINE_CALLERS_SETTING = "AKSV_PIPELINE_CALLERS";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SHAPE = '{"<client id>": {"roles": ["Clusters.Write"], "teams": ["<team>"]}}';

function fail(message: string): never {
  throw new Error(`${PIPELINE_CALLERS_SETTING}: ${message}; expected ${SHAPE}`);
}

function strings(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === "string" && x.trim() !== "");
}

/** Parses AKSV_PIPELINE_CALLERS strictly (a malformed value stops the app with the setting's name). */
export function parsePipelineCallers(raw: string | undefined): PipelineCallers {
  if (!raw?.trim()) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (e) {
    fail(`not valid JSON (${(e as Error).message})`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) fail("must be a JSON object");
  const out: Record<string, PipelineCaller> = {};
  for (const [clientId, value] of Object.entries(parsed)) {
    if (!GUID.test(clientId)) fail(`"${clientId}" is not a client id (a GUID)`);
    const { roles, teams } = (value ?? {}) as { roles?: unknown; teams?: unknown };
    if (!strings(roles) || roles.length === 0 || !roles.every(isRole))
      fail(`"${clientId}".roles must list app roles among ${ROLES.join(", ")}`);
    if (teams !== undefined && !strings(teams)) fail(`"${clientId}".teams must list team names`);
    out[clientId.toLowerCase()] = { clientId, roles, teams: teams ?? [] };
  }
  return out;
}

function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** The audiences an allowed pipeline's own token may carry: v2 tokens the client id, v1 its URI. */
export function pipelineAudiences(callers: PipelineCallers | undefined): string[] {
  return Object.values(callers ?? {}).flatMap((c) => [c.clientId, `api://${c.clientId}`]);
}

export interface CallerRules {
  /** This API's audiences: tokens for them name their roles and teams themselves. */
  audiences: string[];
  teams: TeamMapping;
  pipelineCallers?: PipelineCallers;
}

function claim(claims: JWTPayload, name: string): string | undefined {
  const v = claims[name];
  return typeof v === "string" ? v : undefined;
}

/**
 * The caller a verified token speaks for. A token for this API's audience: its own roles and
 * groups. A token for an allowed pipeline app's own audience: that pipeline, with the roles and
 * teams AKSV_PIPELINE_CALLERS gives it. Anything else is refused (TokenRejected → 401).
 */
export function callerOf(claims: JWTPayload, rules: CallerRules): Caller {
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud ?? ""];
  if (audiences.some((a) => rules.audiences.includes(a))) return callerFromClaims(claims, rules.teams);
  const own = audiences.map((a) =>
    a
      .replace(/^api:\/\//i, "")
      .replace(/\/+$/, "")
      .toLowerCase(),
  );
  const pipeline = own.map((id) => rules.pipelineCallers?.[id]).find((p) => p !== undefined);
  if (!pipeline)
    throw new TokenRejected("wrong-audience", `audience ${audiences.join(",")} is not this API's`);
  const requestedBy = claim(claims, "azp") ?? claim(claims, "appid");
  if (requestedBy?.toLowerCase() !== pipeline.clientId.toLowerCase())
    throw new TokenRejected(
      "wrong-audience",
      `a token for pipeline app ${pipeline.clientId} requested by ${requestedBy ?? "no client"}: only the app itself may present it`,
    );
  if (claims["scp"] !== undefined)
    throw new TokenRejected(
      "wrong-audience",
      `a delegated (user) token for pipeline app ${pipeline.clientId}: only its app-only token is accepted`,
    );
  const id = String(claims["oid"] ?? claims.sub ?? "");
  if (!id) throw new TokenRejected("malformed", "the pipeline's token names no principal (oid/sub)");
  return {
    id,
    displayName: `pipeline ${pipeline.clientId}`,
    roles: new Set(pipeline.roles),
    teams: new Set(pipeline.teams),
    principalType: "ServicePrincipal",
  };
}
