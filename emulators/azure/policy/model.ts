// Microsoft.Authorization/policyAssignments at any scope (subscription, resource group, a resource
// such as a managed cluster): synchronous PUT (201, 200 for an update), GET, list, DELETE. The
// assigned definition must be a built-in one (definitions.ts) and the parameters must be the ones it
// declares, with allowed values; a missing parameter takes its default. Assignments at a resource's
// scope are stored under it, so they go when the resource is deleted, as in Azure.
import type { ProviderContext } from "../core/context.js";
import type { JsonObject, StoredResource } from "../core/store.js";
import { RoleAssignments, scopeCovers } from "../authorization/model.js";
import {
  BUILT_IN_POLICY_DEFINITIONS,
  BUILT_IN_POLICY_SET_DEFINITIONS,
  type BuiltInDefinition,
} from "./definitions.js";
import { PolicyErrors } from "./errors.js";

export const POLICY_ASSIGNMENT_TYPE = "Microsoft.Authorization/policyAssignments";
const ENFORCEMENT_MODES = ["Default", "DoNotEnforce"];

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {});

/** The built-in definition (or initiative) an id names, or its not-found error. */
export function findDefinition(policyDefinitionId: string): { definition: BuiltInDefinition; set: boolean } {
  const m = /\/providers\/Microsoft\.Authorization\/(policyDefinitions|policySetDefinitions)\/([^/]+)$/i.exec(
    policyDefinitionId,
  );
  const name = m?.[2]?.toLowerCase() ?? policyDefinitionId.split("/").pop() ?? "";
  const set = m?.[1]?.toLowerCase() === "policysetdefinitions";
  const found = (set ? BUILT_IN_POLICY_SET_DEFINITIONS : BUILT_IN_POLICY_DEFINITIONS).find(
    (d) => d.name === name,
  );
  if (!found)
    throw set ? PolicyErrors.PolicySetDefinitionNotFound(name) : PolicyErrors.PolicyDefinitionNotFound(name);
  return { definition: found, set };
}

function checkParameters(name: string, definitionId: string, def: BuiltInDefinition, given: Obj): void {
  const undefinedNames = Object.keys(given).filter(
    (k) => !Object.keys(def.parameters).some((p) => p.toLowerCase() === k.toLowerCase()),
  );
  if (undefinedNames.length > 0)
    throw PolicyErrors.UndefinedPolicyParameter(name, undefinedNames, definitionId);
  for (const [key, declared] of Object.entries(def.parameters)) {
    const entry = Object.entries(given).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
    if (entry === undefined) {
      if (declared.defaultValue === undefined) throw PolicyErrors.MissingPolicyParameter(name, key);
      continue;
    }
    if (!("value" in obj(entry)))
      throw PolicyErrors.InvalidPolicyParameters(name, `parameter '${key}' must be given as { "value": … }.`);
    const value = obj(entry)["value"];
    if (declared.allowedValues && !declared.allowedValues.includes(String(value)))
      throw PolicyErrors.InvalidPolicyParameters(
        name,
        `the value '${String(value)}' of parameter '${key}' is not allowed; allowed values are '${declared.allowedValues.join("', '")}'.`,
      );
    if (declared.type === "Array" && !Array.isArray(value))
      throw PolicyErrors.InvalidPolicyParameters(name, `parameter '${key}' must be an array.`);
  }
}

export class PolicyAssignments {
  private readonly scopes: RoleAssignments;

  constructor(private readonly ctx: ProviderContext) {
    // The same rule as role assignments: the scope must exist.
    this.scopes = new RoleAssignments(ctx);
  }

  private idOf(scope: string, name: string): string {
    return `${scope.replace(/\/+$/, "")}/providers/Microsoft.Authorization/policyAssignments/${name}`;
  }

  put(
    scope: string,
    name: string,
    body: Obj,
    createdBy: string | null,
  ): { assignment: StoredResource; created: boolean } {
    this.scopes.requireScope(scope);
    const props = obj(body["properties"]);
    const policyDefinitionId = props["policyDefinitionId"];
    if (typeof policyDefinitionId !== "string" || !policyDefinitionId)
      throw PolicyErrors.InvalidRequestContent("properties.policyDefinitionId is required.");
    const { definition } = findDefinition(policyDefinitionId);
    const parameters = obj(props["parameters"]);
    checkParameters(name, policyDefinitionId, definition, parameters);
    const mode = props["enforcementMode"] ?? "Default";
    if (!ENFORCEMENT_MODES.includes(String(mode)))
      throw PolicyErrors.InvalidRequestContent(
        `enforcementMode '${String(mode)}' is not one of ${ENFORCEMENT_MODES.join(", ")}.`,
      );

    const id = this.idOf(scope, name);
    const existing = this.ctx.store.get(id);
    const now = new Date(this.ctx.clock.now()).toISOString();
    const before = obj(obj(existing?.body["properties"])["metadata"]);
    const assignment: StoredResource = {
      id: existing?.id ?? id,
      type: POLICY_ASSIGNMENT_TYPE,
      body: {
        id: existing?.id ?? id,
        name: (existing?.body["name"] as string | undefined) ?? name,
        type: POLICY_ASSIGNMENT_TYPE,
        ...(typeof body["location"] === "string" ? { location: body["location"] } : {}),
        identity: (body["identity"] as JsonObject | undefined) ?? { type: "None" },
        properties: {
          displayName: typeof props["displayName"] === "string" ? props["displayName"] : null,
          description: typeof props["description"] === "string" ? props["description"] : null,
          policyDefinitionId,
          definitionVersion: `${definition.version.split(".")[0]}.*.*`,
          scope,
          notScopes: Array.isArray(props["notScopes"]) ? (props["notScopes"] as string[]) : [],
          parameters: parameters as JsonObject,
          enforcementMode: String(mode),
          assignmentType: "Custom",
          metadata: {
            ...(obj(props["metadata"]) as JsonObject),
            createdBy: (before["createdBy"] as string | undefined) ?? createdBy,
            createdOn: (before["createdOn"] as string | undefined) ?? now,
            ...(existing ? { updatedBy: createdBy, updatedOn: now } : {}),
          },
          nonComplianceMessages: Array.isArray(props["nonComplianceMessages"])
            ? (props["nonComplianceMessages"] as JsonObject[])
            : [],
        },
      },
      internal: {},
    };
    this.ctx.store.put(assignment);
    return { assignment, created: !existing };
  }

  get(scope: string, name: string): StoredResource {
    const r = this.ctx.store.get(this.idOf(scope, name));
    if (!r) throw PolicyErrors.PolicyAssignmentNotFound(name);
    return r;
  }

  delete(scope: string, name: string): StoredResource | undefined {
    const r = this.ctx.store.get(this.idOf(scope, name));
    if (r) this.ctx.store.remove(r.id);
    return r;
  }

  /** Assignments that apply at `scope`: at it and above it (and, unless atScope, below it). */
  list(scope: string, atScope: boolean): StoredResource[] {
    this.scopes.requireScope(scope);
    return this.ctx.store.ofType(POLICY_ASSIGNMENT_TYPE).filter((r) => {
      const at = String(obj(r.body["properties"])["scope"]);
      return scopeCovers(at, scope) || (!atScope && scopeCovers(scope, at));
    });
  }
}
