// The cluster API's behaviour, independent of the Functions runtime: requests in, answers out, the
// durable task hub and ARM behind the ports of ports.ts. functions/clusters.ts mounts it on HTTP.
import { createHash, randomUUID } from "node:crypto";
import { hasRoleFor, isAdmin, canSee, type Action, type Caller } from "../shared/auth/caller.js";
import type { AppConfig } from "../shared/config/index.js";
import { deprovisionInstanceId, provisionInstanceId, type ClusterTarget } from "../shared/azure/names.js";
import { ORCHESTRATION } from "../shared/provision/durable.js";
import {
  asProvisionInput,
  buildStatusDocument,
  currentDeprovision,
  isRunning,
  retryAfterFor,
  timeOf,
} from "../shared/provision/status.js";
import type { IndexEntry } from "../shared/state/cluster-table.js";
import type { ClusterStatusDocument, DeprovisionInput, ProvisionInput } from "../shared/provision/types.js";
import { LIMITS } from "../shared/spec/defaults.js";
import type { ClusterSpec } from "../shared/spec/schema.js";
import { resolveAccess, type AccessGrant } from "../shared/spec/access.js";
import {
  DEFAULT_KUBECONFIG_PLUGIN,
  KUBECONFIG_PLUGINS,
  withExecPlugin,
  type KubeconfigPlugin,
} from "../shared/azure/kubeconfig.js";
import { invalidSpecError, validateClusterSpecText } from "../shared/spec/validate.js";
import { listed, parseListQuery } from "./list-query.js";
import {
  isInstanceOf,
  type ClusterIndex,
  type Instance,
  type Orchestrations,
  type QuotaStore,
  type UserKubeconfig,
} from "./ports.js";
import { readBodyText } from "./request-body.js";
import { armError, type ApiRequest, type ApiResponse } from "./responses.js";
import { QuotaContentionError, TeamQuota, type Holding } from "./team-quota.js";

export const BASE_PATH = "/api/clusters";

/** Without token validation configured (tests of the API alone) no group names a team. */
const NO_TEAM_MAP = { claim: "groups", groups: {}, rolePrefix: "Team." };

export interface ClusterApiDeps {
  config: AppConfig;
  orchestrations: Orchestrations;
  /** Where a name or a team leads (no request scans the task hub). */
  index: ClusterIndex;
  /** The teams' quota rows. */
  quotas: QuotaStore;
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
      store: deps.quotas,
      quota: deps.config.quota,
      holding: (holder) => this.holding(holder),
      now: () => (deps.now?.() ?? new Date()).getTime(),
    });
  }

  /** The cluster a quota holder stands for (see TeamQuota): two point reads. */
  private async holding(holder: string): Promise<Holding | undefined> {
    const provision = await this.deps.orchestrations.getStatus(holder);
    const f = provision && (await this.withDeprovision(provision));
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

  /** The cluster of an index entry, if its instance is still a provisioning of that name. */
  private async entry(e: IndexEntry): Promise<Found | undefined> {
    const provision = await this.deps.orchestrations.getStatus(e.instanceId);
    if (!provision || !isInstanceOf(provision, ORCHESTRATION.provisionCluster)) return undefined;
    const f = await this.withDeprovision(provision);
    return f && f.input.spec.name.toLowerCase() === e.name.toLowerCase() ? f : undefined;
  }

  /**
   * Finds a cluster by name with point reads only: the instance id of the default target (the
   * deterministic id needs no lookup), else the one the index names (its latest life).
   */
  async find(name: string): Promise<Found | undefined> {
    const guess = provisionInstanceId({
      subscriptionId: this.deps.config.targetSubscriptionId,
      resourceGroup: this.deps.config.targetResourceGroup ?? `rg-${name}`,
      name,
    });
    const direct = await this.deps.orchestrations.getStatus(guess);
    const byGuess = direct && (await this.withDeprovision(direct));
    // The default target's cluster, unless it is Deleted and the name lives on elsewhere.
    if (byGuess && this.document(byGuess).phase !== "Deleted") return byGuess;
    const indexed = await this.deps.index.byName(name);
    const byIndex = indexed && indexed.instanceId !== guess ? await this.entry(indexed) : undefined;
    return byIndex ?? byGuess;
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
    const { defaultLocation, targetResourceGroup, tenantId } = this.deps.config;
    const body = await readBodyText(request, LIMITS.documentBytes);
    if (!body.ok) return body.response;
    const validation = validateClusterSpecText(body.text, {
      defaultLocation,
      ...(targetResourceGroup ? { resourceGroup: targetResourceGroup } : {}),
      ...(tenantId ? { tenantId } : {}),
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
    // Who may use the cluster's API: resolved now, while the caller and the team map are known.
    let access: AccessGrant[] | undefined;
    if (spec.aadProfile) {
      const resolved = resolveAccess(spec, { caller, teams: this.deps.config.auth?.teams ?? NO_TEAM_MAP });
      if (!resolved.ok) return { status: 400, jsonBody: invalidSpecError(resolved.errors) };
      access = resolved.grants;
    }
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
      clusterUid: this.clusterUid(existing),
      ...(access ? { access } : {}),
    };
    let claim;
    try {
      claim = await this.quota.claim({ team: spec.team, holder: instanceId, cluster: spec.name });
    } catch (e) {
      if (!(e instanceof QuotaContentionError)) throw e;
      return { ...armError(503, "QuotaBusy", `${e.message}; try again`), headers: { "Retry-After": "1" } };
    }
    if (!claim.ok)
      return armError(
        409,
        "QuotaExceeded",
        `team ${spec.team} has ${claim.limit} of ${claim.limit} clusters (${claim.setting}); delete one of: ${
          claim.clusters.join(", ") || "(none yet visible)"
        } or ask the platform team to raise the quota`,
      );
    try {
      // Indexed before it starts: an entry whose instance never started leads nowhere (find reads
      // the instance), while a started instance missing from the index could not be found.
      await this.deps.index.put({ name: spec.name, team: spec.team, instanceId });
      await this.deps.orchestrations.start(ORCHESTRATION.provisionCluster, { instanceId, input });
    } catch (e) {
      // Lost a race with an identical request: answer with the instance that won (which holds
      // the same quota entry: the holder is the instance id).
      const winner = await this.find(spec.name);
      if (!winner) {
        await this.quota.release(spec.team, instanceId);
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

  /**
   * The unique id tagged on everything the run creates: a run after a failed one continues that
   * cluster's life (and owns what it left); after a delete, a new life gets a new id.
   */
  private clusterUid(previous: Found | undefined): string {
    if (previous && this.document(previous).phase !== "Deleted" && previous.input.clusterUid)
      return previous.input.clusterUid;
    return randomUUID();
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
    // Only the index partitions of the teams asked for (or the caller's): other teams' clusters
    // cost nothing, except in an admin's unfiltered list, which is about all of them.
    const teams = q.team !== undefined ? [q.team] : isAdmin(caller) ? [undefined] : [...caller.teams].sort();
    const entries = (
      await Promise.all(
        teams.filter((t) => t === undefined || canSee(caller, t)).map((t) => this.deps.index.list(t)),
      )
    ).flat();
    const docs: ClusterStatusDocument[] = [];
    await eachLimited(entries, LIST_READS_AT_ONCE, async (e) => {
      const f = await this.entry(e);
      // A team row left behind by a cluster re-created for another team is not that team's.
      if (f && f.input.spec.team === e.team) docs.push(this.document(f));
    });
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
      ...(f.input.clusterUid ? { clusterUid: f.input.clusterUid } : {}),
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

  /**
   * The cluster's kubeconfig. With Entra ID (aadProfile) it holds no secret: its user is an exec
   * credential plugin (`plugin`: kubelogin by default, or aks-vending), every caller who may read
   * the cluster gets the same one, and the cluster's Azure RBAC decides what their token may do.
   * Without Entra ID the "user" kubeconfig ARM lists is cluster-admin-equivalent (local accounts),
   * so only callers who may change the cluster get it.
   */
  async kubeconfig(name: string, caller: Caller, plugin?: string): Promise<ApiResponse> {
    if (plugin !== undefined && !(KUBECONFIG_PLUGINS as readonly string[]).includes(plugin))
      return armError(
        400,
        "InvalidQueryParameter",
        `plugin must be one of ${KUBECONFIG_PLUGINS.join(", ")} (default ${DEFAULT_KUBECONFIG_PLUGIN})`,
      );
    const readable = roleRequired(caller, "read", "get kubeconfigs");
    if (readable) return readable;
    const f = await this.findFor(caller, name);
    if (!f) return notFound(name);
    const entra = f.input.spec.aadProfile !== undefined;
    const refused =
      !entra &&
      roleRequired(
        caller,
        "write",
        "get the kubeconfig of a cluster with local accounts (it can change the cluster)",
      );
    if (refused) return refused;
    const phase = this.document(f).phase;
    if (phase !== "Succeeded")
      return armError(
        409,
        "ClusterNotReady",
        `cluster ${name} is ${phase}; its kubeconfig is available once it has Succeeded`,
      );
    const arm = await this.deps.userKubeconfig(f.input.target);
    const yaml = entra
      ? withExecPlugin(arm, (plugin as KubeconfigPlugin | undefined) ?? DEFAULT_KUBECONFIG_PLUGIN)
      : arm;
    return {
      status: 200,
      headers: { "Content-Type": "application/yaml", "Cache-Control": "no-store" },
      body: yaml,
    };
  }
}

/** Status reads a list makes at once (one partition's clusters; bounded so a big team cannot flood the hub). */
const LIST_READS_AT_ONCE = 16;

async function eachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function notFound(name: string): ApiResponse {
  return armError(404, "ClusterNotFound", `cluster ${name} was not found`);
}
