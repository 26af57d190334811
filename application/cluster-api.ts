// The cluster API's behaviour, independent of the Functions runtime: requests in, answers out, the
// durable task hub and ARM behind the ports of ports.ts. functions/clusters.ts mounts it on HTTP.
import { createHash } from "node:crypto";
import { hasRoleFor, isAdmin, canSee, type Action, type Caller } from "../shared/auth/caller.js";
import type { AppConfig } from "../shared/config/index.js";
import {
  deprovisionInstanceId,
  instanceIdPrefix,
  provisionInstanceId,
  type ClusterTarget,
} from "../shared/azure/names.js";
import { ORCHESTRATION } from "../shared/provision/durable.js";
import {
  asProvisionInput,
  buildStatusDocument,
  currentDeprovision,
  isRunning,
  retryAfterFor,
  timeOf,
} from "../shared/provision/status.js";
import type { ClusterStatusDocument, DeprovisionInput, ProvisionInput } from "../shared/provision/types.js";
import { LIMITS } from "../shared/spec/defaults.js";
import type { ClusterSpec } from "../shared/spec/schema.js";
import { invalidSpecError, validateClusterSpecText } from "../shared/spec/validate.js";
import { listed, parseListQuery } from "./list-query.js";
import { isInstanceOf, type Instance, type Orchestrations, type UserKubeconfig } from "./ports.js";
import { readBodyText } from "./request-body.js";
import { armError, type ApiRequest, type ApiResponse } from "./responses.js";
import { TeamQuota, type Holding } from "./team-quota.js";

export const BASE_PATH = "/api/clusters";

export interface ClusterApiDeps {
  config: AppConfig;
  orchestrations: Orchestrations;
  userKubeconfig: UserKubeconfig;
  now?(): Date;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object")
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(value) ?? "null";
}

/** Identity of a request: the normalised spec (defaults applied), independent of key order. */
export function specHash(spec: ClusterSpec): string {
  return createHash("sha256").update(canonical(spec)).digest("hex");
}

interface Found {
  provision: Instance;
  input: ProvisionInput;
  /** The DELETE that followed this provisioning run, if any. */
  deprovision?: Instance;
}

/** A provisioning run with its own deletion, if any (undefined when the input is not ours). */
function found(provision: Instance, deprovision: Instance | undefined): Found | undefined {
  const input = asProvisionInput(provision.input);
  if (!input) return undefined;
  const current = currentDeprovision(provision, deprovision);
  return { provision, input, ...(current ? { deprovision: current } : {}) };
}

const ROLES_FOR: Record<Action, string> = {
  read: "Clusters.Read, Clusters.Write or Clusters.Admin",
  write: "Clusters.Write or Clusters.Admin",
};

/** 403 when the caller has no app role for `action` at all (team rules come later, per cluster). */
function roleRequired(caller: Caller, action: Action, what: string): ApiResponse | undefined {
  if (hasRoleFor(caller, action)) return undefined;
  return armError(
    403,
    "AuthorizationFailed",
    `${caller.displayName} may not ${what}: that needs the app role ${ROLES_FOR[action]}`,
  );
}

export class ClusterApi {
  private readonly quota: TeamQuota;

  constructor(private readonly deps: ClusterApiDeps) {
    this.quota = new TeamQuota({
      orchestrations: deps.orchestrations,
      quota: deps.config.quota,
      holding: (holder, known) => this.holding(holder, known),
      now: () => (deps.now?.() ?? new Date()).getTime(),
    });
  }

  /** The cluster a quota slot's holder stands for (see TeamQuota), from statuses already read. */
  private holding(holder: string, known: ReadonlyMap<string, Instance>): Holding | undefined {
    const provision = known.get(holder);
    const f = provision && found(provision, known.get(deprovisionInstanceId(holder)));
    if (!f) return undefined;
    return {
      name: f.input.spec.name,
      team: f.input.spec.team,
      phase: this.document(f).phase,
      ...(f.deprovision ? { deletedSince: timeOf(f.deprovision.createdTime) } : {}),
    };
  }

  /** The cluster `name` if the caller may see it: another team's cluster is as missing as a missing one. */
  private async findFor(caller: Caller, name: string): Promise<Found | undefined> {
    const f = await this.find(name);
    return f && canSee(caller, f.input.spec.team) ? f : undefined;
  }

  private async withDeprovision(provision: Instance): Promise<Found | undefined> {
    return found(
      provision,
      await this.deps.orchestrations.getStatus(deprovisionInstanceId(provision.instanceId)),
    );
  }

  /** Finds a cluster by name: the default target first, then every instance of that name. */
  async find(name: string): Promise<Found | undefined> {
    const guess = provisionInstanceId({
      subscriptionId: this.deps.config.targetSubscriptionId,
      resourceGroup: this.deps.config.targetResourceGroup ?? `rg-${name}`,
      name,
    });
    const direct = await this.deps.orchestrations.getStatus(guess);
    if (direct) return this.withDeprovision(direct);
    const prefix = instanceIdPrefix(name);
    const all = (await this.deps.orchestrations.getStatusAll()).filter(
      (i) =>
        isInstanceOf(i, ORCHESTRATION.provisionCluster) &&
        i.instanceId.startsWith(prefix) &&
        !i.instanceId.endsWith("-delete"),
    );
    const found: Found[] = [];
    for (const i of all) {
      const f = await this.withDeprovision(i);
      if (f && f.input.spec.name.toLowerCase() === name.toLowerCase()) found.push(f);
    }
    // Several lives under different targets: the one that is not deleted, else the newest.
    found.sort((a, b) => timeOf(b.provision.createdTime) - timeOf(a.provision.createdTime));
    return found.find((f) => this.document(f).phase !== "Deleted") ?? found[0];
  }

  document(f: Found): ClusterStatusDocument {
    return buildStatusDocument(f.provision, f.deprovision, BASE_PATH);
  }

  private respond(
    doc: ClusterStatusDocument,
    status?: number,
    extra: Record<string, string> = {},
  ): ApiResponse {
    const retryAfter = retryAfterFor(doc.phase);
    return {
      status: status ?? (retryAfter === undefined ? 200 : 202),
      headers: {
        ...(retryAfter !== undefined ? { "Retry-After": String(retryAfter) } : {}),
        ...extra,
      },
      jsonBody: doc,
    };
  }

  async create(request: ApiRequest, caller: Caller): Promise<ApiResponse> {
    const refused = roleRequired(caller, "write", "create clusters");
    if (refused) return refused;
    const { defaultLocation, targetResourceGroup } = this.deps.config;
    const body = await readBodyText(request, LIMITS.documentBytes);
    if (!body.ok) return body.response;
    const validation = validateClusterSpecText(body.text, {
      defaultLocation,
      ...(targetResourceGroup ? { resourceGroup: targetResourceGroup } : {}),
    });
    if (!validation.ok) return { status: 400, jsonBody: invalidSpecError(validation.errors) };
    // validateClusterSpec also decides the expectations with the NetworkPolicy engine: a request
    // whose expectations contradict its policies is refused here, before any ARM call.
    const spec = validation.spec;
    if (!isAdmin(caller) && !caller.teams.has(spec.team))
      return armError(
        403,
        "AuthorizationFailed",
        `${caller.displayName} may not create clusters for team ${spec.team}; your teams: ${
          [...caller.teams].sort().join(", ") || "(none)"
        }`,
        [{ path: "team", code: "TeamNotAllowed", message: `not one of the caller's teams` }],
      );
    const subscriptionId = spec.subscriptionId ?? this.deps.config.targetSubscriptionId;
    if (!subscriptionId)
      return armError(400, "InvalidClusterSpec", "no subscriptionId in the request and none configured", [
        {
          path: "subscriptionId",
          code: "MissingField",
          message: "required: this deployment has no default subscription",
        },
      ]);
    const idempotencyKey = request.headers.get("idempotency-key") ?? undefined;
    if (idempotencyKey !== undefined && !/^[\x21-\x7e]{1,255}$/.test(idempotencyKey))
      return armError(400, "InvalidIdempotencyKey", "Idempotency-Key must be 1-255 visible ASCII characters");

    const target: ClusterTarget = { subscriptionId, resourceGroup: spec.resourceGroup, name: spec.name };
    const instanceId = provisionInstanceId(target);
    const hash = specHash(spec);
    const location = { Location: `${BASE_PATH}/${encodeURIComponent(spec.name)}` };

    const existing = await this.find(spec.name);
    const conflict = existing && this.conflict(existing, instanceId, hash, idempotencyKey);
    if (conflict) return conflict;
    if (existing && !this.restartable(existing))
      return this.respond(this.document(existing), undefined, location);

    const input: ProvisionInput = {
      target,
      spec,
      specHash: hash,
      ...(idempotencyKey ? { idempotencyKey } : {}),
      requestedAt: (this.deps.now?.() ?? new Date()).toISOString(),
      timing: this.deps.config.timing,
      probe: this.deps.config.probe,
      warnings: validation.warnings.map((w) => `${w.path}: ${w.message}`),
      requestedBy: { id: caller.id, name: caller.displayName },
    };
    const claim = await this.quota.claim({ team: spec.team, holder: instanceId, cluster: spec.name });
    if (!claim.ok)
      return armError(
        409,
        "QuotaExceeded",
        `team ${spec.team} has ${claim.limit} of ${claim.limit} clusters (${claim.setting}); delete one of: ${
          claim.clusters.join(", ") || "(none yet visible)"
        } or ask the platform team to raise the quota`,
      );
    try {
      await this.deps.orchestrations.start(ORCHESTRATION.provisionCluster, { instanceId, input });
    } catch (e) {
      // Lost a race with an identical request: answer with the instance that won (which holds
      // the slot too; a second slot of the same holder is freed by the next claim).
      const winner = await this.find(spec.name);
      if (!winner) {
        if (claim.started) await this.quota.release(instanceId, claim.slot);
        throw e;
      }
      return (
        this.conflict(winner, instanceId, hash, idempotencyKey) ??
        this.respond(this.document(winner), 202, location)
      );
    }
    const doc = buildStatusDocument(
      { runtimeStatus: "Pending", input, output: null, customStatus: null, createdTime: input.requestedAt },
      undefined,
      BASE_PATH,
    );
    return this.respond(doc, 202, location);
  }

  /** 409 when the name is taken by another request; undefined when this is the same request. */
  private conflict(
    f: Found,
    instanceId: string,
    hash: string,
    key: string | undefined,
  ): ApiResponse | undefined {
    const phase = this.document(f).phase;
    if (phase === "Deleting")
      return armError(
        409,
        "ClusterBeingDeleted",
        `cluster ${f.input.spec.name} is being deleted; try again when it is gone`,
      );
    if (phase === "Deleted") return undefined;
    if (key !== undefined && f.input.idempotencyKey === key && f.input.specHash !== hash)
      return armError(
        409,
        "IdempotencyKeyReused",
        "this Idempotency-Key was used with a different request body",
      );
    if (f.provision.instanceId !== instanceId || f.input.specHash !== hash)
      return armError(
        409,
        "ClusterAlreadyExists",
        `cluster ${f.input.spec.name} already exists with a different specification (updates are not supported yet)`,
      );
    return undefined;
  }

  /** A same-spec request starts a new run only when the previous one is over without success. */
  private restartable(f: Found): boolean {
    const phase = this.document(f).phase;
    return phase === "Deleted" || (phase === "Failed" && !isRunning(f.provision));
  }

  async get(name: string, caller: Caller): Promise<ApiResponse> {
    const refused = roleRequired(caller, "read", "read clusters");
    if (refused) return refused;
    const f = await this.findFor(caller, name);
    if (!f) return notFound(name);
    return this.respond(this.document(f));
  }

  /** GET /api/clusters: the caller's clusters, filtered, by pages; Deleted ones only when asked. */
  async list(query: URLSearchParams, caller: Caller): Promise<ApiResponse> {
    const refused = roleRequired(caller, "read", "list clusters");
    if (refused) return refused;
    const parsed = parseListQuery(query);
    if (!parsed.ok)
      return armError(
        400,
        "InvalidQueryParameter",
        parsed.problems.map((p) => p.message).join("; "),
        parsed.problems,
      );
    const q = parsed.query;
    const all = await this.deps.orchestrations.getStatusAll();
    const byId = new Map(all.map((i) => [i.instanceId, i]));
    const docs: ClusterStatusDocument[] = [];
    for (const i of all) {
      if (!isInstanceOf(i, ORCHESTRATION.provisionCluster) || !i.instanceId.startsWith("aksv-")) continue;
      const input = asProvisionInput(i.input);
      if (!input) continue;
      const d = currentDeprovision(i, byId.get(deprovisionInstanceId(i.instanceId)));
      docs.push(buildStatusDocument(i, d, BASE_PATH));
    }
    const selected = docs
      .filter((d) => canSee(caller, d.team) && listed(q, d))
      .sort((a, b) => a.name.localeCompare(b.name) || a.resourceGroup.localeCompare(b.resourceGroup));
    const page = selected.slice(q.skip, q.skip + q.top).map((d) => ({
      name: d.name,
      resourceGroup: d.resourceGroup,
      subscriptionId: d.subscriptionId,
      team: d.team,
      phase: d.phase,
      createdAt: d.createdAt,
      lastUpdatedAt: d.lastUpdatedAt,
      links: d.links,
    }));
    const body: { value: typeof page; nextLink?: string } = { value: page };
    if (q.skip + q.top < selected.length) {
      const next = new URLSearchParams(query);
      next.set("skipToken", Buffer.from(String(q.skip + q.top)).toString("base64url"));
      body.nextLink = `${BASE_PATH}?${next.toString()}`;
    }
    return { status: 200, jsonBody: body };
  }

  async delete(name: string, caller: Caller): Promise<ApiResponse> {
    const refused = roleRequired(caller, "write", "delete clusters");
    if (refused) return refused;
    const f = await this.findFor(caller, name);
    // Another team's cluster answers exactly as a missing one (204: nothing of yours to delete).
    if (!f) return { status: 204 };
    const doc = this.document(f);
    const location = { Location: `${BASE_PATH}/${encodeURIComponent(f.input.spec.name)}` };
    if (doc.phase === "Deleting" || doc.phase === "Deleted") return this.respond(doc, undefined, location);
    if (isRunning(f.provision))
      await this.deps.orchestrations.terminate(f.provision.instanceId, "deleted by request");
    const input: DeprovisionInput = {
      provisionInstanceId: f.provision.instanceId,
      target: f.input.target,
      spec: f.input.spec,
      timing: this.deps.config.timing,
      rollback: false,
    };
    await this.deps.orchestrations.start(ORCHESTRATION.deprovisionCluster, {
      instanceId: deprovisionInstanceId(f.provision.instanceId),
      input,
    });
    // The deletion's view from the start: none of the provisioning's steps, warnings or error.
    const deleting = buildStatusDocument(
      f.provision,
      { runtimeStatus: "Pending", input, output: null, customStatus: null },
      BASE_PATH,
    );
    return this.respond(deleting, 202, location);
  }

  async kubeconfig(name: string, caller: Caller): Promise<ApiResponse> {
    // Clusters are created with local accounts and without Entra ID integration, so the "user"
    // kubeconfig ARM lists is cluster-admin-equivalent: it may write. Until clusters are Entra-only
    // (a credential scoped to reading), only callers who may change the cluster get one.
    const refused = roleRequired(caller, "write", "get kubeconfigs (they can change the cluster)");
    if (refused) return refused;
    const f = await this.findFor(caller, name);
    if (!f) return notFound(name);
    const phase = this.document(f).phase;
    if (phase !== "Succeeded")
      return armError(
        409,
        "ClusterNotReady",
        `cluster ${name} is ${phase}; its kubeconfig is available once it has Succeeded`,
      );
    const yaml = await this.deps.userKubeconfig(f.input.target);
    return {
      status: 200,
      headers: { "Content-Type": "application/yaml", "Cache-Control": "no-store" },
      body: yaml,
    };
  }
}

function notFound(name: string): ApiResponse {
  return armError(404, "ClusterNotFound", `cluster ${name} was not found`);
}
