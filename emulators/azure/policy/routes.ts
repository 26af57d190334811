// Microsoft.Authorization policy surface on the wire: built-in policy (set) definitions, read at the
// tenant (`/providers/...`) or any scope, and policy assignments at any scope (`{scope*}`).
import type { ProviderContext } from "../core/context.js";
import { bodyObject } from "../core/request.js";
import type { ArmRequest, ArmResponse, Params, Route } from "../core/router.js";
import {
  BUILT_IN_POLICY_DEFINITIONS,
  BUILT_IN_POLICY_SET_DEFINITIONS,
  POLICY_DEFINITION_TYPE,
  POLICY_SET_DEFINITION_TYPE,
  policyDefinitionBody,
  policySetDefinitionBody,
} from "./definitions.js";
import { PolicyErrors } from "./errors.js";
import { POLICY_ASSIGNMENT_TYPE, PolicyAssignments } from "./model.js";

export function policyRoutes(ctx: ProviderContext): Route[] {
  const assignments = new PolicyAssignments(ctx);
  const pa = "{scope*}/providers/Microsoft.Authorization/policyAssignments";

  const put = (req: ArmRequest, p: Params): ArmResponse => {
    const { assignment, created } = assignments.put(
      p["scope"]!,
      p["name"]!,
      bodyObject(req),
      req.principal?.id ?? null,
    );
    return { status: created ? 201 : 200, body: assignment.body };
  };
  const list = (req: ArmRequest, p: Params): ArmResponse => {
    const atScope = /atScope\(\)/i.test(req.query.get("$filter") ?? "");
    return { status: 200, body: { value: assignments.list(p["scope"]!, atScope).map((a) => a.body) } };
  };

  const setDefinition = (_r: ArmRequest, p: Params): ArmResponse => {
    const d = BUILT_IN_POLICY_SET_DEFINITIONS.find((x) => x.name === p["id"]!.toLowerCase());
    if (!d) throw PolicyErrors.PolicySetDefinitionNotFound(p["id"]!);
    return { status: 200, body: policySetDefinitionBody(d) };
  };
  const definition = (_r: ArmRequest, p: Params): ArmResponse => {
    const d = BUILT_IN_POLICY_DEFINITIONS.find((x) => x.name === p["id"]!.toLowerCase());
    if (!d) throw PolicyErrors.PolicyDefinitionNotFound(p["id"]!);
    return { status: 200, body: policyDefinitionBody(d) };
  };
  const definitionRoutes = (prefix: string): Route[] => [
    {
      method: "GET",
      pattern: `${prefix}/providers/Microsoft.Authorization/policySetDefinitions/{id}`,
      resourceType: POLICY_SET_DEFINITION_TYPE,
      handler: setDefinition,
    },
    {
      method: "GET",
      pattern: `${prefix}/providers/Microsoft.Authorization/policySetDefinitions`,
      resourceType: POLICY_SET_DEFINITION_TYPE,
      handler: () => ({
        status: 200,
        body: { value: BUILT_IN_POLICY_SET_DEFINITIONS.map(policySetDefinitionBody) },
      }),
    },
    {
      method: "GET",
      pattern: `${prefix}/providers/Microsoft.Authorization/policyDefinitions/{id}`,
      resourceType: POLICY_DEFINITION_TYPE,
      handler: definition,
    },
    {
      method: "GET",
      pattern: `${prefix}/providers/Microsoft.Authorization/policyDefinitions`,
      resourceType: POLICY_DEFINITION_TYPE,
      handler: () => ({
        status: 200,
        body: { value: BUILT_IN_POLICY_DEFINITIONS.map(policyDefinitionBody) },
      }),
    },
  ];

  const resourceType = POLICY_ASSIGNMENT_TYPE;
  return [
    ...definitionRoutes(""),
    ...definitionRoutes("/subscriptions/{sub}"),
    { method: "GET", pattern: pa, resourceType, handler: list },
    {
      method: "GET",
      pattern: `${pa}/{name}`,
      resourceType,
      handler: (_r, p) => ({ status: 200, body: assignments.get(p["scope"]!, p["name"]!).body }),
    },
    { method: "PUT", pattern: `${pa}/{name}`, resourceType, handler: put },
    {
      method: "DELETE",
      pattern: `${pa}/{name}`,
      resourceType,
      handler: (_r, p) => {
        const gone = assignments.delete(p["scope"]!, p["name"]!);
        return gone ? { status: 200, body: gone.body } : { status: 204 };
      },
    },
  ];
}
