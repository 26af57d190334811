// Microsoft.Authorization: role assignments at any scope and the permission check ARM applies (a
// principal may perform an action on a resource when a role assignment at that resource or any
// parent scope grants it). An assignment is synchronous; the same (scope, principal, role) under
// another name is RoleAssignmentExists; a principal younger than the replication delay is
// PrincipalNotFound unless principalType is given (the race the tutorial papered over with `sleep 15`).
import { delay, requireResourceGroup, subscriptionOf, type ProviderContext } from "../core/context.js";
import { ArmErrors } from "../core/errors.js";
import { NO_FAULT, type FaultCheck } from "../core/faults.js";
import type { Store, StoredResource } from "../core/store.js";
import { AuthorizationErrors } from "./errors.js";
import { BUILT_IN_ROLES, findRole, grants, type RoleDefinition } from "./roles.js";

export const ROLE_ASSIGNMENT_TYPE = "Microsoft.Authorization/roleAssignments";
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PRINCIPAL_TYPES = ["User", "Group", "ServicePrincipal", "ForeignGroup", "Device"];

export interface AssignmentProperties {
  roleDefinitionId: string;
  principalId: string;
  principalType: string;
  scope: string;
}

export function assignmentProperties(r: StoredResource): AssignmentProperties {
  return r.body["properties"] as unknown as AssignmentProperties;
}

/** True when `scope` is `resourceId` or one of its parents. */
export function scopeCovers(scope: string, resourceId: string): boolean {
  const s = scope.toLowerCase().replace(/\/+$/, "");
  const id = resourceId.toLowerCase();
  return id === s || id.startsWith(`${s}/`);
}

/**
 * What Azure RBAC for Kubernetes authorization reads for the cluster `clusterId`: the assignments in
 * effect at `now` at the cluster, above it or at its namespaces, with the role definitions they name.
 */
export function clusterAccess(store: Store, clusterId: string, now: number) {
  const v = view(store);
  const id = clusterId.toLowerCase();
  // The scopes that cover the cluster: the root, each parent and the cluster itself.
  const above = [...id.matchAll(/\//g)].map((m) => id.slice(0, m.index)).concat(id);
  const atCluster = [
    ...above.flatMap((scope) => v.byScope.get(scope) ?? []),
    ...(v.byNamespacesOf.get(id) ?? []),
  ];
  const assignments = atCluster
    .filter((a) => inEffect(a, now))
    .map((a) => {
      const p = assignmentProperties(a);
      return { principalId: p.principalId, roleDefinitionId: p.roleDefinitionId, scope: p.scope };
    });
  const ids = new Set(assignments.map((a) => findRole(a.roleDefinitionId)?.id));
  const roles = BUILT_IN_ROLES.filter((r) => ids.has(r.id)).map((r) => ({
    id: r.id,
    roleName: r.roleName,
    dataActions: r.dataActions,
    notDataActions: r.notDataActions,
  }));
  return { clusterId, assignments, roles };
}

export function roleAssignments(store: Store): StoredResource[] {
  return store.ofType(ROLE_ASSIGNMENT_TYPE);
}

/**
 * The role assignments grouped as the checks read them, kept up to date as assignments are put and
 * removed: every ARM request and every Kubernetes request of a cluster with Azure RBAC is checked,
 * and a scan of every assignment per check made the emulator's cost grow with the number of clusters.
 */
interface AssignmentView {
  /** By principal id (lower case). */
  byPrincipal: Map<string, StoredResource[]>;
  /** By scope (lower case, no trailing slash). */
  byScope: Map<string, StoredResource[]>;
  /** The assignments at `<id>/namespaces` or below it, by that `<id>` (lower case). */
  byNamespacesOf: Map<string, StoredResource[]>;
}

const views = new WeakMap<Store, AssignmentView>();

function view(store: Store): AssignmentView {
  const current = views.get(store);
  if (current) return current;
  const built: AssignmentView = { byPrincipal: new Map(), byScope: new Map(), byNamespacesOf: new Map() };
  const change = (a: StoredResource, present: boolean) => {
    const p = assignmentProperties(a);
    const scope = p.scope.toLowerCase();
    const keys: [Map<string, StoredResource[]>, string][] = [
      [built.byPrincipal, p.principalId.toLowerCase()],
      [built.byScope, scope.replace(/\/+$/, "")],
      ...[...scope.matchAll(/\/namespaces(?=\/|$)/g)].map((m): [Map<string, StoredResource[]>, string] => [
        built.byNamespacesOf,
        scope.slice(0, m.index),
      ]),
    ];
    for (const [map, key] of keys) {
      const others = (map.get(key) ?? []).filter((x) => x !== a);
      if (present) others.push(a);
      if (others.length > 0) map.set(key, others);
      else map.delete(key);
    }
  };
  for (const a of roleAssignments(store)) change(a, true);
  store.watch(ROLE_ASSIGNMENT_TYPE, change);
  views.set(store, built);
  return built;
}

/** The role assignments of one principal. */
function assignmentsOf(store: Store, principalId: string): StoredResource[] {
  return view(store).byPrincipal.get(principalId.toLowerCase()) ?? [];
}

/** Is the assignment in effect at `now` (role propagation, see the latency profile)? */
function inEffect(a: StoredResource, now: number): boolean {
  const effectiveAt = a.internal["effectiveAt"];
  return !(typeof effectiveAt === "number" && effectiveAt > now);
}

/**
 * Does `principalId` hold a role granting `action` on `resourceId` (at it or a parent scope)?
 * Only assignments already in effect at `now` count (role propagation, see the latency profile).
 */
export function hasPermission(
  store: Store,
  principalId: string,
  action: string,
  resourceId: string,
  now: number = Number.POSITIVE_INFINITY,
): boolean {
  return assignmentsOf(store, principalId).some((a) => {
    if (!inEffect(a, now)) return false;
    const p = assignmentProperties(a);
    if (!scopeCovers(p.scope, resourceId)) return false;
    const def = findRole(p.roleDefinitionId);
    return def !== undefined && grants(def, action);
  });
}

/** An assignment's properties as the request gives them (validated here, not by the routes). */
export interface AssignmentInput {
  roleDefinitionId: unknown;
  principalId: unknown;
  principalType: unknown;
  description: unknown;
}

export class RoleAssignments {
  constructor(private readonly ctx: ProviderContext) {}

  /** The scope must exist: a subscription, a resource group or a resource. */
  requireScope(scope: string): void {
    const m = /^\/subscriptions\/([^/]+)(?:\/resourceGroups\/([^/]+))?(\/.*)?$/i.exec(scope);
    if (!m) throw AuthorizationErrors.InvalidScope(scope);
    subscriptionOf(this.ctx, m[1]!);
    if (m[2]) requireResourceGroup(this.ctx, m[1]!, m[2]);
    // A managed cluster's namespaces are scopes too (Azure RBAC for Kubernetes authorization), though
    // ARM holds no resource for them: the cluster must exist.
    const namespace =
      /^(.*\/providers\/Microsoft\.ContainerService\/managedClusters\/[^/]+)\/namespaces\/[^/]+$/i.exec(
        scope,
      );
    if (m[3] && !this.ctx.store.get(namespace ? namespace[1]! : scope))
      throw ArmErrors.ResourceNotFound(scope);
  }

  /** The existing assignment when the same one is PUT again (`created` false). */
  async create(
    scope: string,
    name: string,
    input: AssignmentInput,
    createdBy: string | null,
    fault: FaultCheck = NO_FAULT,
  ): Promise<{ assignment: StoredResource; created: boolean }> {
    const { store, clock } = this.ctx;
    if (!GUID.test(name)) throw AuthorizationErrors.InvalidRoleAssignmentId(name);
    this.requireScope(scope);
    const roleDefinitionId = String(input.roleDefinitionId ?? "");
    const principalId = String(input.principalId ?? "");
    const principalType = typeof input.principalType === "string" ? input.principalType : undefined;
    const role = findRole(roleDefinitionId);
    if (!roleDefinitionId || !role)
      throw AuthorizationErrors.RoleDefinitionDoesNotExist(roleDefinitionId.split("/").pop() ?? "");
    if (!GUID.test(principalId)) throw AuthorizationErrors.InvalidPrincipalId();
    if (principalType !== undefined && !PRINCIPAL_TYPES.includes(principalType))
      throw AuthorizationErrors.InvalidPrincipalType(principalType);

    const id = this.idOf(scope, name);
    const existing = store.get(id);
    const same = (a: StoredResource) => {
      const ap = assignmentProperties(a);
      return (
        ap.scope.toLowerCase() === scope.toLowerCase() &&
        ap.principalId.toLowerCase() === principalId.toLowerCase() &&
        findRole(ap.roleDefinitionId)?.id === role.id
      );
    };
    if (existing) {
      if (!same(existing)) throw AuthorizationErrors.RoleAssignmentUpdateNotPermitted();
      return { assignment: existing, created: false };
    }
    const duplicate = assignmentsOf(store, principalId).find(same);
    if (duplicate) throw AuthorizationErrors.RoleAssignmentExists(duplicate.body["name"] as string);
    if (principalType === undefined && clock.now() < this.visibleAt(principalId))
      throw AuthorizationErrors.PrincipalNotFound(principalId, this.ctx.tenantId);
    await delay(this.ctx, this.ctx.latency.roleAssignmentCreate, fault().factor);

    const now = new Date(clock.now()).toISOString();
    const assignment: StoredResource = {
      id,
      type: ROLE_ASSIGNMENT_TYPE,
      body: {
        id,
        name,
        type: ROLE_ASSIGNMENT_TYPE,
        properties: {
          roleDefinitionId: `/subscriptions/${scope.split("/")[2]!}/providers/Microsoft.Authorization/roleDefinitions/${role.id}`,
          principalId,
          principalType: principalType ?? store.state.principals[principalId]?.kind ?? "ServicePrincipal",
          scope,
          condition: null,
          conditionVersion: null,
          description: typeof input.description === "string" ? input.description : null,
          createdOn: now,
          updatedOn: now,
          createdBy,
          updatedBy: createdBy,
          delegatedManagedIdentityResourceId: null,
        },
      },
      internal: { effectiveAt: clock.now() + clock.toWallMs(this.ctx.latency.rolePropagation) },
    };
    store.put(assignment);
    return { assignment, created: true };
  }

  get(scope: string, name: string): StoredResource {
    const r = this.ctx.store.get(this.idOf(scope, name));
    if (!r) throw AuthorizationErrors.RoleAssignmentNotFound(name);
    return r;
  }

  /** The removed assignment, or nothing when there was none. */
  delete(scope: string, name: string): StoredResource | undefined {
    const r = this.ctx.store.get(this.idOf(scope, name));
    if (r) this.ctx.store.remove(r.id);
    return r;
  }

  /** Assignments at, above and (unless `atScope`) below `scope`, optionally of one principal. */
  list(scope: string, filter: { principalId?: string; atScope: boolean }): StoredResource[] {
    this.requireScope(scope);
    const principal = filter.principalId?.toLowerCase();
    return roleAssignments(this.ctx.store).filter((a) => {
      const ap = assignmentProperties(a);
      const above = scopeCovers(ap.scope, scope);
      const below = scopeCovers(scope, ap.scope);
      return (
        (above || (!filter.atScope && below)) && (!principal || ap.principalId.toLowerCase() === principal)
      );
    });
  }

  roleDefinitions(roleName?: string): readonly RoleDefinition[] {
    const name = roleName?.toLowerCase();
    return BUILT_IN_ROLES.filter((r) => !name || r.roleName.toLowerCase() === name);
  }

  roleDefinition(id: string): RoleDefinition {
    const r = findRole(id);
    if (!r) throw AuthorizationErrors.RoleDefinitionNotFound(id);
    return r;
  }

  private idOf(scope: string, name: string): string {
    return `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`;
  }

  /** When a principal becomes visible to role assignments: never for an unknown one. */
  private visibleAt(principalId: string): number {
    const principals = this.ctx.store.state.principals;
    const principal =
      principals[principalId] ??
      Object.values(principals).find((x) => x.id.toLowerCase() === principalId.toLowerCase());
    return principal
      ? principal.createdAt + this.ctx.clock.toWallMs(this.ctx.latency.principalReplication)
      : Number.POSITIVE_INFINITY;
  }
}
