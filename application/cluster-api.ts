// The cluster API's behaviour, independent of the Functions runtime: requests in, answers out, the
// durable task hub and ARM behind the ports of ports.ts. functions/clusters.ts mounts it on HTTP.
import { createHash, randomUUID } from "node:crypto";
import { hasRoleFor, isAdmin, canSee, type Action, type Caller } from "../shared/auth/caller.js";
import type { AppConfig } from "../shared/config/index.js";
import {
  deprovisionInstanceId,
  driftInstanceId,
  provisionInstanceId,
  updateInstanceId,
  type ClusterTarget,
} from "../shared/azure/names.js";
import { ORCHESTRATION } from "../shared/provision/durable.js";
import {
  asProvisionInput,
  asUpdateInput,
  buildStatusDocument,
  currentDeprovision,
  generationOf,
  isRunning,
  retryAfterFor,
  timeOf,
  type StatusContext,
} from "../shared/provision/status.js";
import type { IndexEntry, IndexRow } from "../shared/state/cluster-table.js";
import type {
  ClusterStatusDocument,
  DeprovisionInput,
  ProvisionInput,
  UpdateInput,
} from "../shared/provision/types.js";
import { planChange, type PlanInput } from "../shared/provision/plan.js";
import { immutableViolations, versionProblems } from "../shared/spec/immutable.js";
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
import { driftMonitorInput, ensureDriftMonitor } from "./drift-monitor.js";
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
import { applyMergePatch, isMergePatch, MERGE_PATCH_TYPE } from "./merge-patch.js";
import { checkPreconditions, etagOf, hasIfMatch } from "./preconditions.js";
import { armError, type ApiRequest, type ApiResponse } from "./responses.js";
import { QuotaContentionError, TeamQuota, type Holding } from "./team-quota.js";
import { eachLimited } from "../shared/runtime/each-limited.js";

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
  /**
   * The Kubernetes versions (minor and patch) AKS offers in a region (ARM's
   * `locations/{location}/kubernetesVersions`); without it an update's version is not checked
   * against the region.
   */
  kubernetesVersions?(subscriptionId: string, location: string): Promise<string[]>;
  now?(): Date;
}

/** What a request may ask besides its body. */
export interface RequestOptions {
  /** `?dryRun=true`: answer the plan, change nothing. */
  dryRun?: boolean;
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
  /** The latest operation: the create, or the latest update. */
  provision: Instance;
  /** Its input: the cluster's desired state as last accepted. */
  input: ProvisionInput;
  /** The create's instance id (the deletion's, the updates' and the drift monitor's derive from it). */
  base: string;
  /** The create, when the latest operation is an update. */
  baseView?: Instance;
  /** The DELETE that followed this life of the cluster, if any. */
  deprovision?: Instance;
  /** The drift monitor, when asked for and it exists. */
  drift?: Instance;
  /** The index's name row, with the ETag that guards changes. */
  row?: IndexRow;
  /** The latest accepted generation (the row's may be ahead of an update that has not started yet). */
  generation: number;
  /** An accepted update whose instance has not started yet: another change must wait for it. */
  starting: boolean;
}

/** How long an accepted change may take to start before its row is taken as abandoned (a crash between the two writes). */
const START_GRACE_MS = 60_000;

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

/** A cluster's reads besides its latest operation, started together (ClusterApi.reads). */
interface ClusterReads {
  /** The create's and the latest operation's instance ids they were made for. */
  base: string;
  latestId: string;
  deprovision: Promise<Instance | undefined>;
  baseView: Promise<Instance | undefined>;
  drift: Promise<Instance | undefined>;
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

  /** The cluster a quota holder stands for (see TeamQuota): the create and its deletion, two point reads. */
  private async holding(holder: string): Promise<Holding | undefined> {
    const provision = await this.deps.orchestrations.getStatus(holder);
    const f = provision && (await this.assemble(provision, undefined, false));
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

  /** Is `instance` one of a cluster's operations (its create or an update)? */
  private static isOperation(instance: Instance): boolean {
    return (
      isInstanceOf(instance, ORCHESTRATION.provisionCluster) ||
      isInstanceOf(instance, ORCHESTRATION.updateCluster)
    );
  }

  /**
   * A cluster from its latest operation: point reads of its deletion, of its create (when the latest
   * is an update) and, when asked, of its drift monitor. Undefined when the input is not ours.
   */
  private async assemble(
    latest: Instance,
    row: IndexRow | undefined,
    withDrift: boolean,
    starting = false,
    prefetched?: ClusterReads,
  ): Promise<Found | undefined> {
    const input = asProvisionInput(latest.input);
    if (!input) return undefined;
    const update = asUpdateInput(latest.input);
    const base = update?.baseInstanceId ?? latest.instanceId;
    const r =
      prefetched?.base === base && prefetched.latestId === latest.instanceId
        ? prefetched
        : this.reads(base, latest.instanceId, withDrift);
    const [deprovision, baseView, drift] = await Promise.all([r.deprovision, r.baseView, r.drift]);
    const current = currentDeprovision(baseView ?? latest, deprovision);
    return {
      provision: latest,
      input,
      base,
      ...(baseView ? { baseView } : {}),
      ...(current ? { deprovision: current } : {}),
      ...(drift ? { drift } : {}),
      ...(row ? { row } : {}),
      generation: Math.max(row?.generation ?? 1, generationOf(latest.input)),
      starting,
    };
  }

  /** The cluster an index entry leads to, if its instance is still an operation of that name. */
  private async entry(e: IndexEntry, withDrift: boolean, row?: IndexRow): Promise<Found | undefined> {
    const hub = this.deps.orchestrations;
    // The entry names the create, so its other reads go out with the latest operation's instead of
    // after it (one round trip to the task hub, not two); assemble uses them if the latest agrees.
    const prefetched = this.reads(e.baseInstanceId ?? e.instanceId, e.instanceId, withDrift);
    let latest = await hub.getStatus(e.instanceId);
    let starting = false;
    if (!latest && e.previousInstanceId) {
      // Accepted but not started yet (or its start failed): the operation before it is the state.
      latest = await hub.getStatus(e.previousInstanceId);
      starting = Date.now() - timeOf(row?.updatedAt) < START_GRACE_MS;
    }
    if (!latest || !ClusterApi.isOperation(latest)) return undefined;
    const f = await this.assemble(latest, row, withDrift, starting, prefetched);
    return f && f.input.spec.name.toLowerCase() === e.name.toLowerCase() ? f : undefined;
  }

  /**
   * The reads a cluster's state needs besides its latest operation, all at once: its deletion, its
   * create (when the latest operation `latestId` is an update) and, when asked, its drift monitor.
   * A read that fails rejects only where it is awaited.
   */
  private reads(base: string, latestId: string, withDrift: boolean): ClusterReads {
    const hub = this.deps.orchestrations;
    const read = (id: string) => {
      const p = hub.getStatus(id);
      p.catch(() => undefined);
      return p;
    };
    return {
      base,
      latestId,
      deprovision: read(deprovisionInstanceId(base)),
      baseView: base !== latestId ? read(base) : Promise.resolve(undefined),
      drift: withDrift ? read(driftInstanceId(base)) : Promise.resolve(undefined),
    };
  }

  /**
   * Finds a cluster by name with point reads only: the index's name row leads to its latest
   * operation; a cluster from before the index (no row) is at the default target's instance id.
   */
  async find(name: string, withDrift = true): Promise<Found | undefined> {
    const row = await this.deps.index.byName(name);
    const byRow = row && (await this.entry(row, withDrift, row));
    if (byRow) return byRow;
    const guess = provisionInstanceId({
      subscriptionId: this.deps.config.targetSubscriptionId,
      resourceGroup: this.deps.config.targetResourceGroup ?? `rg-${name}`,
      name,
    });
    if (row && (row.instanceId === guess || row.baseInstanceId === guess)) return undefined;
    const direct = await this.deps.orchestrations.getStatus(guess);
    if (!direct || !isInstanceOf(direct, ORCHESTRATION.provisionCluster)) return undefined;
    return this.assemble(direct, undefined, withDrift);
  }

  document(f: Found): ClusterStatusDocument {
    const context: StatusContext = {
      ...(f.baseView ? { base: f.baseView } : {}),
      ...(f.drift ? { drift: f.drift } : {}),
    };
    const doc = buildStatusDocument(f.provision, f.deprovision, BASE_PATH, context);
    if (f.starting && !f.deprovision) {
      // The accepted update has not started yet: it is what the document is about.
      doc.generation = f.generation;
      doc.operation = "update";
      doc.phase = "Accepted";
    }
    return doc;
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
        ETag: etagOf(doc.generation ?? 1),
        ...extra,
      },
      jsonBody: doc,
    };
  }

  async create(request: ApiRequest, caller: Caller, options: RequestOptions = {}): Promise<ApiResponse> {
    const refused = roleRequired(caller, "write", "create clusters");
    if (refused) return refused;
    const body = await readBodyText(request, LIMITS.documentBytes);
    if (!body.ok) return body.response;
    return this.createFrom(body.text, request, caller, options);
  }

  /** Validates a request document: 400 with every problem, or the normalised spec and its warnings. */
  private validate(text: string) {
    const { defaultLocation, targetResourceGroup, tenantId } = this.deps.config;
    return validateClusterSpecText(text, {
      defaultLocation,
      ...(targetResourceGroup ? { resourceGroup: targetResourceGroup } : {}),
      ...(tenantId ? { tenantId } : {}),
    });
  }

  /** 403 unless the caller may own clusters of `team`. */
  private teamRefused(caller: Caller, team: string, what: string): ApiResponse | undefined {
    if (isAdmin(caller) || caller.teams.has(team)) return undefined;
    return armError(
      403,
      "AuthorizationFailed",
      `${caller.displayName} may not ${what} clusters for team ${team}; your teams: ${
        [...caller.teams].sort().join(", ") || "(none)"
      }`,
      [{ path: "team", code: "TeamNotAllowed", message: `not one of the caller's teams` }],
    );
  }

  /** Who may use the cluster's API (clusters with aadProfile): resolved while the caller and the team map are known. */
  private access(
    spec: ClusterSpec,
    caller: Caller,
  ): { ok: true; access?: AccessGrant[] } | { ok: false; response: ApiResponse } {
    if (!spec.aadProfile) return { ok: true };
    const resolved = resolveAccess(spec, { caller, teams: this.deps.config.auth?.teams ?? NO_TEAM_MAP });
    if (!resolved.ok)
      return { ok: false, response: { status: 400, jsonBody: invalidSpecError(resolved.errors) } };
    return { ok: true, access: resolved.grants };
  }

  /**
   * POST, and PUT of a cluster that does not exist (or is Deleted, or whose create Failed:
   * `replaceFailed` lets a PUT start it again with another spec).
   */
  private async createFrom(
    text: string,
    request: ApiRequest,
    caller: Caller,
    options: RequestOptions & { urlName?: string; replaceFailed?: boolean },
  ): Promise<ApiResponse> {
    const validation = this.validate(text);
    if (!validation.ok) return { status: 400, jsonBody: invalidSpecError(validation.errors) };
    // validateClusterSpec also decides the expectations with the NetworkPolicy engine: a request
    // whose expectations contradict its policies is refused here, before any ARM call.
    const spec = validation.spec;
    const mismatch = options.urlName !== undefined && nameMismatch(options.urlName, spec.name);
    if (mismatch) return mismatch;
    const notYours = this.teamRefused(caller, spec.team, "create");
    if (notYours) return notYours;
    const access = this.access(spec, caller);
    if (!access.ok) return access.response;
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

    const existing = await this.find(spec.name, false);
    const conflict =
      existing && this.conflict(existing, instanceId, hash, idempotencyKey, options.replaceFailed ?? false);
    if (conflict) return conflict;
    const live = existing && this.document(existing).phase !== "Deleted" ? existing : undefined;
    if (options.dryRun)
      return this.plan({
        target,
        ...(live ? { before: live.input.spec, ...grants("before", live.input.access) } : {}),
        after: spec,
        ...grants("after", access.access),
      });
    if (existing && !this.restartable(existing))
      return this.respond(this.document(existing), undefined, location);

    const input: ProvisionInput = {
      target,
      spec,
      specHash: hash,
      ...(idempotencyKey ? { idempotencyKey } : {}),
      requestedAt: this.now().toISOString(),
      timing: this.deps.config.timing,
      probe: this.deps.config.probe,
      warnings: validation.warnings.map((w) => `${w.path}: ${w.message}`),
      requestedBy: { id: caller.id, name: caller.displayName },
      clusterUid: this.clusterUid(existing),
      ...(access.access ? { access: access.access } : {}),
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
      await this.deps.index.put({
        name: spec.name,
        team: spec.team,
        instanceId,
        generation: 1,
        baseInstanceId: instanceId,
        request: text,
      });
      await this.deps.orchestrations.start(ORCHESTRATION.provisionCluster, { instanceId, input });
    } catch (e) {
      // Lost a race with an identical request: answer with the instance that won (which holds
      // the same quota entry: the holder is the instance id).
      const winner = await this.find(spec.name, false);
      if (!winner) {
        await this.quota.release(spec.team, instanceId);
        throw e;
      }
      return (
        this.conflict(winner, instanceId, hash, idempotencyKey, false) ??
        this.respond(this.document(winner), 202, location)
      );
    }
    // The cluster's drift monitor, from its first generation (its first check comes a period later).
    await ensureDriftMonitor(
      this.deps.orchestrations,
      driftMonitorInput(this.deps.config, instanceId, 1, input),
    );
    const doc = buildStatusDocument(
      { runtimeStatus: "Pending", input, output: null, customStatus: null, createdTime: input.requestedAt },
      undefined,
      BASE_PATH,
    );
    return this.respond(doc, 202, location);
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** `200 { plan }`: what the request would do (nothing is written anywhere). */
  private plan(input: PlanInput): ApiResponse {
    return { status: 200, jsonBody: { plan: planChange(input) } };
  }

  /**
   * PUT /api/clusters/{name}: the whole desired ClusterSpec. Creates the cluster when it does not
   * exist (exactly as POST), updates it when it does.
   */
  async put(
    name: string,
    request: ApiRequest,
    caller: Caller,
    options: RequestOptions = {},
  ): Promise<ApiResponse> {
    const refused = roleRequired(caller, "write", "create or change clusters");
    if (refused) return refused;
    const body = await readBodyText(request, LIMITS.documentBytes);
    if (!body.ok) return body.response;
    return this.apply(name, body.text, request, caller, options);
  }

  /**
   * PATCH /api/clusters/{name} with a JSON merge patch (RFC 7396), applied to the caller's last
   * accepted request document (kept in the index's name row), then as PUT.
   */
  async patch(
    name: string,
    request: ApiRequest,
    caller: Caller,
    options: RequestOptions = {},
  ): Promise<ApiResponse> {
    const refused = roleRequired(caller, "write", "change clusters");
    if (refused) return refused;
    if (!isMergePatch(request.headers.get("content-type")))
      return armError(
        415,
        "UnsupportedMediaType",
        `PATCH takes a JSON merge patch (Content-Type: ${MERGE_PATCH_TYPE}, RFC 7396); send a whole ClusterSpec with PUT`,
      );
    const body = await readBodyText(request, LIMITS.documentBytes);
    if (!body.ok) return body.response;
    let patch: unknown;
    try {
      patch = JSON.parse(body.text);
    } catch (e) {
      return armError(400, "InvalidClusterSpec", "the merge patch is not valid JSON", [
        { path: "", code: "InvalidJson", message: e instanceof Error ? e.message : String(e) },
      ]);
    }
    const f = await this.findFor(caller, name);
    if (!f || this.document(f).phase === "Deleted") return notFound(name);
    const precondition = checkPreconditions(request, f.generation);
    if (precondition) return precondition;
    const last: unknown = f.row?.request !== undefined ? JSON.parse(f.row.request) : f.input.spec;
    return this.apply(name, JSON.stringify(applyMergePatch(last, patch)), request, caller, options, f);
  }

  /** A whole desired document for `name`: a create when there is no cluster, else an update. */
  private async apply(
    name: string,
    text: string,
    request: ApiRequest,
    caller: Caller,
    options: RequestOptions,
    known?: Found,
  ): Promise<ApiResponse> {
    const f = known ?? (await this.find(name));
    const visible = f && canSee(caller, f.input.spec.team) ? f : undefined;
    const phase = visible && this.document(visible).phase;
    if (!visible || phase === "Deleted") {
      const precondition = checkPreconditions(request, undefined);
      if (precondition) return precondition;
      return this.createFrom(text, request, caller, { ...options, urlName: name });
    }
    const precondition = checkPreconditions(request, visible.generation);
    if (precondition) return precondition;
    // A create that Failed has no generation to update from: a new spec starts the create again.
    if (!asUpdateInput(visible.provision.input) && phase === "Failed" && !isRunning(visible.provision))
      return this.createFrom(text, request, caller, { ...options, urlName: name, replaceFailed: true });
    return this.change(visible, text, request, caller, options);
  }

  /** An update of an existing cluster: the rules of README "Updates (day 2)". */
  private async change(
    f: Found,
    text: string,
    request: ApiRequest,
    caller: Caller,
    options: RequestOptions,
  ): Promise<ApiResponse> {
    const validation = this.validate(text);
    if (!validation.ok) return { status: 400, jsonBody: invalidSpecError(validation.errors) };
    const current = f.input.spec;
    const name = current.name;
    const mismatch = nameMismatch(name, validation.spec.name);
    if (mismatch) return mismatch;
    // An absent Kubernetes version keeps the cluster's (it means "AKS's default" only at create).
    const spec: ClusterSpec =
      validation.spec.kubernetesVersion === undefined && current.kubernetesVersion !== undefined
        ? { ...validation.spec, kubernetesVersion: current.kubernetesVersion }
        : validation.spec;
    const notYours = this.teamRefused(caller, spec.team, "change");
    if (notYours) return notYours;
    const doc = this.document(f);
    const location = { Location: `${BASE_PATH}/${encodeURIComponent(name)}` };
    if (doc.phase === "Deleting")
      return armError(409, "ClusterBeingDeleted", `cluster ${name} is being deleted; it cannot change`);
    const hash = specHash(spec);
    // The current generation's spec again: nothing to do (a failed update is tried again as a new one).
    if (hash === f.input.specHash && doc.phase !== "Failed")
      return options.dryRun
        ? this.plan({ target: f.input.target, before: current, after: spec })
        : this.respond(doc, undefined, location);
    if (isRunning(f.provision) || f.starting)
      return {
        ...armError(
          409,
          "OperationInProgress",
          `cluster ${name} is running its ${doc.operation ?? "create"} (generation ${f.generation}); changes are refused, not queued: send yours again once it is over`,
        ),
        headers: { "Retry-After": String(retryAfterFor(doc.phase) ?? 10), ETag: etagOf(f.generation) },
      };
    const immutable = immutableViolations(current, spec);
    if (immutable.length > 0)
      return armError(
        409,
        "FieldImmutable",
        `cluster ${name} cannot change ${immutable.map((p) => p.path).join(", ")} in place`,
        immutable,
      );
    if (spec.kubernetesVersion !== current.kubernetesVersion) {
      const offered = await this.deps.kubernetesVersions?.(f.input.target.subscriptionId, spec.location);
      const refusal = versionProblems(current.kubernetesVersion, spec.kubernetesVersion, offered);
      if (refusal)
        return armError(refusal.status, refusal.problem.code, refusal.problem.message, [refusal.problem]);
    }
    const access = this.access(spec, caller);
    if (!access.ok) return access.response;

    // What the update changes from: the latest generation that Succeeded.
    const update = asUpdateInput(f.provision.input);
    const succeeded = doc.phase === "Succeeded";
    const previousSpec = succeeded ? current : (update?.previousSpec ?? current);
    const previousAccess = succeeded ? f.input.access : update?.previousAccess;
    const generation = f.generation + 1;
    const instanceId = updateInstanceId(f.base, generation);
    const input: UpdateInput = {
      target: f.input.target,
      spec,
      specHash: hash,
      requestedAt: this.now().toISOString(),
      timing: this.deps.config.timing,
      probe: this.deps.config.probe,
      warnings: validation.warnings.map((w) => `${w.path}: ${w.message}`),
      requestedBy: { id: caller.id, name: caller.displayName },
      ...(f.input.clusterUid ? { clusterUid: f.input.clusterUid } : {}),
      ...(access.access ? { access: access.access } : {}),
      generation,
      observedGeneration: doc.observedGeneration ?? 0,
      previousSpec,
      ...(previousAccess ? { previousAccess } : {}),
      baseInstanceId: f.base,
    };
    if (options.dryRun)
      return this.plan({
        target: f.input.target,
        before: previousSpec,
        ...grants("before", previousAccess),
        after: spec,
        ...grants("after", access.access),
      });
    const row = f.row ?? (await this.indexed(f));
    // The one write that decides between concurrent changes: the name row, If-Match its ETag.
    const accepted = await this.deps.index.advance(
      {
        name,
        team: spec.team,
        instanceId,
        generation,
        baseInstanceId: f.base,
        previousInstanceId: f.provision.instanceId,
        request: text,
      },
      row.etag,
    );
    if (!accepted)
      return hasIfMatch(request)
        ? armError(
            412,
            "PreconditionFailed",
            `cluster ${name} changed since generation ${f.generation}; read it again and decide again`,
          )
        : armError(
            409,
            "OperationInProgress",
            `another change of cluster ${name} was accepted first; send yours again once it is over`,
          );
    await this.deps.orchestrations.start(ORCHESTRATION.updateCluster, { instanceId, input });
    // The monitor compares the cluster with this generation from now on.
    await ensureDriftMonitor(
      this.deps.orchestrations,
      driftMonitorInput(this.deps.config, f.base, generation, input),
    );
    const pending = buildStatusDocument(
      { runtimeStatus: "Pending", input, output: null, customStatus: null, createdTime: input.requestedAt },
      undefined,
      BASE_PATH,
      { base: f.baseView ?? f.provision },
    );
    return this.respond(pending, 202, location);
  }

  /** The name row of a cluster found without one (created before the index): written, then read. */
  private async indexed(f: Found): Promise<IndexRow> {
    const { name, team } = f.input.spec;
    await this.deps.index.put({
      name,
      team,
      instanceId: f.provision.instanceId,
      generation: f.generation,
      baseInstanceId: f.base,
    });
    const row = await this.deps.index.byName(name);
    if (!row) throw new Error(`the index row of ${name} was written but cannot be read`);
    return row;
  }

  /** 409 when the name is taken by another request; undefined when this is the same request. */
  private conflict(
    f: Found,
    instanceId: string,
    hash: string,
    key: string | undefined,
    replaceFailed: boolean,
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
    if (phase === "Failed" && replaceFailed && !isRunning(f.provision) && f.base === instanceId)
      return undefined;
    if (f.base !== instanceId || f.input.specHash !== hash)
      return armError(
        409,
        "ClusterAlreadyExists",
        `cluster ${f.input.spec.name} already exists with a different specification; change it with PUT or PATCH /api/clusters/${f.input.spec.name}`,
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
      const f = await this.entry(e, false);
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

  async delete(
    name: string,
    caller: Caller,
    request?: ApiRequest,
    options: RequestOptions = {},
  ): Promise<ApiResponse> {
    const refused = roleRequired(caller, "write", "delete clusters");
    if (refused) return refused;
    const f = await this.findFor(caller, name);
    // Another team's cluster answers exactly as a missing one (204: nothing of yours to delete).
    if (!f) return { status: 204 };
    const precondition = request && checkPreconditions(request, f.generation);
    if (precondition) return precondition;
    const doc = this.document(f);
    const location = { Location: `${BASE_PATH}/${encodeURIComponent(f.input.spec.name)}` };
    if (doc.phase === "Deleting" || doc.phase === "Deleted") return this.respond(doc, undefined, location);
    if (options.dryRun)
      return this.plan({ target: f.input.target, before: f.input.spec, ...grants("before", f.input.access) });
    // A DELETE supersedes a running create or update: it stops, and the deletion starts at once.
    if (isRunning(f.provision))
      await this.deps.orchestrations.terminate(
        f.provision.instanceId,
        "superseded by a DELETE of the cluster",
      );
    if (f.drift && isRunning(f.drift))
      await this.deps.orchestrations.terminate(f.drift.instanceId, "the cluster is being deleted");
    const input: DeprovisionInput = {
      provisionInstanceId: f.base,
      target: f.input.target,
      spec: f.input.spec,
      timing: this.deps.config.timing,
      rollback: false,
      ...(f.input.clusterUid ? { clusterUid: f.input.clusterUid } : {}),
    };
    await this.deps.orchestrations.start(ORCHESTRATION.deprovisionCluster, {
      instanceId: deprovisionInstanceId(f.base),
      input,
    });
    // The deletion's view from the start: none of the provisioning's steps, warnings or error.
    const deleting = buildStatusDocument(
      f.provision,
      { runtimeStatus: "Pending", input, output: null, customStatus: null },
      BASE_PATH,
      f.baseView ? { base: f.baseView } : {},
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
    // Once created, the cluster serves its API through updates too (a failed one included).
    const doc = this.document(f);
    if (doc.phase !== "Succeeded" && ((doc.observedGeneration ?? 0) < 1 || doc.operation === "delete"))
      return armError(
        409,
        "ClusterNotReady",
        `cluster ${name} is ${doc.phase}; its kubeconfig is available once it has Succeeded`,
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

/** 400 when the document's name is not the URL's. */
function nameMismatch(urlName: string, specName: string): ApiResponse | undefined {
  if (urlName === specName) return undefined;
  return armError(400, "InvalidClusterSpec", `the document names cluster ${specName}, the URL ${urlName}`, [
    { path: "name", code: "NameMismatch", message: `must be ${urlName}, the name in the URL` },
  ]);
}

/** The grants of one side of a plan, when it has any. */
function grants(side: "before" | "after", access: AccessGrant[] | undefined) {
  return access ? { [`${side}Access`]: access } : {};
}

function notFound(name: string): ApiResponse {
  return armError(404, "ClusterNotFound", `cluster ${name} was not found`);
}
