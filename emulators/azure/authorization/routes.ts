// Microsoft.Authorization on the wire: role definitions (built-in, read-only) and role assignments at
// any scope (`{scope*}`), PUT 201, DELETE 200 (204 when absent), `$filter` of principalId and atScope().
import type { ProviderContext } from "../core/context.js";
import { bodyObject, propertiesOf, provisioningFault } from "../core/request.js";
import type { ArmRequest, ArmResponse, Params, Route } from "../core/router.js";
import { RoleAssignments, ROLE_ASSIGNMENT_TYPE } from "./model.js";
import { ROLE_DEFINITION_TYPE, roleDefinitionBody } from "./roles.js";

export function authorizationRoutes(ctx: ProviderContext): Route[] {
  const assignments = new RoleAssignments(ctx);

  const put = async (req: ArmRequest, p: Params): Promise<ArmResponse> => {
    const props = propertiesOf(bodyObject(req));
    const { assignment } = await assignments.create(
      p["scope"]!,
      p["name"]!,
      {
        roleDefinitionId: props["roleDefinitionId"],
        principalId: props["principalId"],
        principalType: props["principalType"],
        description: props["description"],
      },
      req.principal?.id ?? null,
      provisioningFault(ctx, req, ROLE_ASSIGNMENT_TYPE),
    );
    return { status: 201, body: assignment.body };
  };

  const remove = (_req: ArmRequest, p: Params): ArmResponse => {
    const gone = assignments.delete(p["scope"]!, p["name"]!);
    return gone ? { status: 200, body: gone.body } : { status: 204 };
  };

  const list = (req: ArmRequest, p: Params): ArmResponse => {
    const filter = req.query.get("$filter") ?? "";
    const principalId = /principalId\s+eq\s+'([^']+)'/i.exec(filter)?.[1];
    const value = assignments
      .list(p["scope"]!, { ...(principalId ? { principalId } : {}), atScope: /atScope\(\)/i.test(filter) })
      .map((a) => a.body);
    return { status: 200, body: { value } };
  };

  const definitions = (req: ArmRequest, p: Params): ArmResponse => {
    const roleName = /roleName\s+eq\s+'([^']+)'/i.exec(req.query.get("$filter") ?? "")?.[1];
    const value = assignments.roleDefinitions(roleName).map((r) => roleDefinitionBody(r, p["scope"]!));
    return { status: 200, body: { value } };
  };

  const ra = "{scope*}/providers/Microsoft.Authorization/roleAssignments";
  const rd = "{scope*}/providers/Microsoft.Authorization/roleDefinitions";
  const resourceType = ROLE_ASSIGNMENT_TYPE;
  return [
    { method: "GET", pattern: ra, resourceType, handler: list },
    {
      method: "GET",
      pattern: `${ra}/{name}`,
      resourceType,
      handler: (_r, p) => ({ status: 200, body: assignments.get(p["scope"]!, p["name"]!).body }),
    },
    { method: "PUT", pattern: `${ra}/{name}`, resourceType, handler: put },
    { method: "DELETE", pattern: `${ra}/{name}`, resourceType, handler: remove },
    { method: "GET", pattern: rd, resourceType: ROLE_DEFINITION_TYPE, handler: definitions },
    {
      method: "GET",
      pattern: `${rd}/{id}`,
      resourceType: ROLE_DEFINITION_TYPE,
      handler: (_r, p) => ({
        status: 200,
        body: roleDefinitionBody(assignments.roleDefinition(p["id"]!), p["scope"]!),
      }),
    },
  ];
}
