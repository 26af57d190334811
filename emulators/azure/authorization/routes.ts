// Microsoft.Authorization: role definitions (built-in, read-only) and role assignments at any scope.
// Role assignment PUT is synchronous (201); the same (scope, principal, role) under another name is
// 409 RoleAssignmentExists; a principal younger than the replication delay is 400 PrincipalNotFound
// unless principalType is given (the race the tutorial papered over with `sleep 15`).
import {
  bodyObject,
  delay,
  requireResourceGroup,
  subscriptionOf,
  type ProviderContext,
} from "../core/context.js";
import { ArmError } from "../core/errors.js";
import type { ArmRequest, ArmResponse, Params, Route } from "../core/router.js";
import type { StoredResource } from "../core/store.js";
import {
  BUILT_IN_ROLES,
  ROLE_ASSIGNMENT_TYPE,
  ROLE_DEFINITION_TYPE,
  assignmentProperties,
  findRole,
  roleAssignments,
  roleDefinitionBody,
  scopeCovers,
} from "./model.js";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PRINCIPAL_TYPES = ["User", "Group", "ServicePrincipal", "ForeignGroup", "Device"];

export function authorizationRoutes(ctx: ProviderContext): Route[] {
  const { store } = ctx;

  /** The scope must exist: a subscription, a resource group or a resource. */
  const requireScope = (scope: string) => {
    const m = /^\/subscriptions\/([^/]+)(?:\/resourceGroups\/([^/]+))?(\/.*)?$/i.exec(scope);
    if (!m)
      throw new ArmError(400, "InvalidScope", `The scope '${scope}' is not valid for role assignments.`);
    subscriptionOf(ctx, m[1]!);
    if (m[2]) requireResourceGroup(ctx, m[1]!, m[2]);
    if (m[3] && !store.get(scope))
      throw new ArmError(
        404,
        "ResourceNotFound",
        `The Resource '${scope}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
      );
  };

  const idOf = (scope: string, name: string) =>
    `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`;

  const put = async (req: ArmRequest, p: Params): Promise<ArmResponse> => {
    const scope = p["scope"]!;
    const name = p["name"]!;
    if (!GUID.test(name))
      throw new ArmError(
        400,
        "InvalidRoleAssignmentId",
        `The role assignment ID '${name}' is not valid. The role assignment ID must be a GUID.`,
      );
    requireScope(scope);
    const props = (bodyObject(req)["properties"] ?? {}) as Record<string, unknown>;
    const roleDefinitionId = String(props["roleDefinitionId"] ?? "");
    const principalId = String(props["principalId"] ?? "");
    const principalType = typeof props["principalType"] === "string" ? props["principalType"] : undefined;
    const role = findRole(roleDefinitionId);
    if (!roleDefinitionId || !role)
      throw new ArmError(
        400,
        "RoleDefinitionDoesNotExist",
        `The specified role definition with ID '${roleDefinitionId.split("/").pop() ?? ""}' does not exist.`,
      );
    if (!GUID.test(principalId))
      throw new ArmError(
        400,
        "InvalidPrincipalId",
        `A valid principal ID must be provided for role assignment.`,
      );
    if (principalType !== undefined && !PRINCIPAL_TYPES.includes(principalType))
      throw new ArmError(400, "InvalidPrincipalType", `The principal type '${principalType}' is not valid.`);

    const id = idOf(scope, name);
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
      if (!same(existing))
        throw new ArmError(
          400,
          "RoleAssignmentUpdateNotPermitted",
          "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.",
        );
      return { status: 201, body: existing.body };
    }
    const duplicate = roleAssignments(store).find(same);
    if (duplicate)
      throw new ArmError(
        409,
        "RoleAssignmentExists",
        `The role assignment already exists. The ID of the existing role assignment is ${duplicate.body["name"] as string}.`,
      );

    if (principalType === undefined) {
      const principal =
        store.state.principals[principalId] ??
        Object.values(store.state.principals).find((x) => x.id.toLowerCase() === principalId.toLowerCase());
      const visibleAt = principal
        ? principal.createdAt + ctx.clock.toWallMs(ctx.latency.principalReplication)
        : Infinity;
      if (ctx.clock.now() < visibleAt)
        throw new ArmError(
          400,
          "PrincipalNotFound",
          `Principal ${principalId.replace(/-/g, "")} does not exist in the directory ${ctx.tenantId}. Check that you have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay. In this case, set the role assignment principalType property to a value, such as ServicePrincipal, User, or Group.  See https://aka.ms/docs-principaltype`,
        );
    }
    const { factor } = ctx.faults.provisioning({
      method: req.method,
      path: req.path,
      operation: "write",
      resourceType: ROLE_ASSIGNMENT_TYPE,
    });
    await delay(ctx, ctx.latency.roleAssignmentCreate, factor);
    const now = new Date(ctx.clock.now()).toISOString();
    const known = store.state.principals[principalId];
    const r: StoredResource = {
      id,
      type: ROLE_ASSIGNMENT_TYPE,
      body: {
        id,
        name,
        type: ROLE_ASSIGNMENT_TYPE,
        properties: {
          roleDefinitionId: `/subscriptions/${scope.split("/")[2]!}/providers/Microsoft.Authorization/roleDefinitions/${role.id}`,
          principalId,
          principalType: principalType ?? known?.kind ?? "ServicePrincipal",
          scope,
          condition: null,
          conditionVersion: null,
          description: typeof props["description"] === "string" ? props["description"] : null,
          createdOn: now,
          updatedOn: now,
          createdBy: req.principal?.id ?? null,
          updatedBy: req.principal?.id ?? null,
          delegatedManagedIdentityResourceId: null,
        },
      },
      internal: { effectiveAt: ctx.clock.now() + ctx.clock.toWallMs(ctx.latency.rolePropagation) },
    };
    store.put(r);
    return { status: 201, body: r.body };
  };

  const get = (_req: ArmRequest, p: Params): ArmResponse => {
    const r = store.get(idOf(p["scope"]!, p["name"]!));
    if (!r)
      throw new ArmError(404, "RoleAssignmentNotFound", `The role assignment '${p["name"]!}' is not found.`);
    return { status: 200, body: r.body };
  };

  const remove = (_req: ArmRequest, p: Params): ArmResponse => {
    const r = store.get(idOf(p["scope"]!, p["name"]!));
    if (!r) return { status: 204 };
    store.remove(r.id);
    return { status: 200, body: r.body };
  };

  const list = (req: ArmRequest, p: Params): ArmResponse => {
    const scope = p["scope"]!;
    requireScope(scope);
    const filter = req.query.get("$filter") ?? "";
    const principal = /principalId\s+eq\s+'([^']+)'/i.exec(filter)?.[1]?.toLowerCase();
    const atScope = /atScope\(\)/i.test(filter);
    const value = roleAssignments(store)
      .filter((a) => {
        const ap = assignmentProperties(a);
        const above = scopeCovers(ap.scope, scope);
        const below = scopeCovers(scope, ap.scope);
        return (above || (!atScope && below)) && (!principal || ap.principalId.toLowerCase() === principal);
      })
      .map((a) => a.body);
    return { status: 200, body: { value } };
  };

  const definitions = (req: ArmRequest, p: Params): ArmResponse => {
    const name = /roleName\s+eq\s+'([^']+)'/i.exec(req.query.get("$filter") ?? "")?.[1]?.toLowerCase();
    return {
      status: 200,
      body: {
        value: BUILT_IN_ROLES.filter((r) => !name || r.roleName.toLowerCase() === name).map((r) =>
          roleDefinitionBody(r, p["scope"]!),
        ),
      },
    };
  };

  const definition = (_req: ArmRequest, p: Params): ArmResponse => {
    const r = findRole(p["id"]!);
    if (!r)
      throw new ArmError(
        404,
        "RoleDefinitionDoesNotExist",
        `The role definition '${p["id"]!}' could not be found.`,
      );
    return { status: 200, body: roleDefinitionBody(r, p["scope"]!) };
  };

  const ra = "{scope*}/providers/Microsoft.Authorization/roleAssignments";
  const rd = "{scope*}/providers/Microsoft.Authorization/roleDefinitions";
  return [
    { method: "GET", pattern: ra, resourceType: ROLE_ASSIGNMENT_TYPE, handler: list },
    { method: "GET", pattern: `${ra}/{name}`, resourceType: ROLE_ASSIGNMENT_TYPE, handler: get },
    { method: "PUT", pattern: `${ra}/{name}`, resourceType: ROLE_ASSIGNMENT_TYPE, handler: put },
    { method: "DELETE", pattern: `${ra}/{name}`, resourceType: ROLE_ASSIGNMENT_TYPE, handler: remove },
    { method: "GET", pattern: rd, resourceType: ROLE_DEFINITION_TYPE, handler: definitions },
    { method: "GET", pattern: `${rd}/{id}`, resourceType: ROLE_DEFINITION_TYPE, handler: definition },
  ];
}
