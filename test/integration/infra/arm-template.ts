// Reads the ARM JSON that `npm run infra:check` compiles from infra/*.bicep into .tools/bicep-out/,
// and walks it: nested deployments (modules) are inlined there, so one walk sees every resource.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..");
export const COMPILED_DIR = path.join(REPO_ROOT, ".tools", "bicep-out");

export interface ArmResource {
  type: string;
  name: string;
  condition?: string;
  copy?: { name: string; count: string };
  sku?: Record<string, unknown>;
  kind?: string;
  identity?: Record<string, unknown>;
  existing?: boolean;
  properties?: Record<string, unknown>;
}

export interface ArmTemplate {
  languageVersion?: string;
  parameters?: Record<string, unknown>;
  variables?: Record<string, unknown>;
  resources: ArmResource[] | Record<string, ArmResource>;
  outputs?: Record<string, { type: string; value: unknown }>;
}

/** A resource with the template that declares it (for its variables) and the module path to it. */
export interface FoundResource {
  resource: ArmResource;
  template: ArmTemplate;
  /** Deployment names from main down to the declaring template ("" for main). */
  module: string;
}

export function loadCompiled(name: string): ArmTemplate {
  const file = path.join(COMPILED_DIR, name);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new Error(
      `${path.relative(REPO_ROOT, file)} is missing: run \`npm run infra:check\` first ` +
        "(it restores the Bicep compiler and compiles infra/*.bicep into .tools/bicep-out/)",
    );
  }
  return JSON.parse(text) as ArmTemplate;
}

function resourcesOf(template: ArmTemplate): ArmResource[] {
  return Array.isArray(template.resources) ? template.resources : Object.values(template.resources);
}

/** Every resource of the template and of its nested deployments, depth first. */
export function allResources(template: ArmTemplate, module = ""): FoundResource[] {
  const found: FoundResource[] = [];
  for (const resource of resourcesOf(template)) {
    found.push({ resource, template, module });
    const nested = resource.properties?.["template"] as ArmTemplate | undefined;
    if (resource.type === "Microsoft.Resources/deployments" && nested) {
      found.push(...allResources(nested, module ? `${module}/${resource.name}` : resource.name));
    }
  }
  return found;
}

export function ofType(found: FoundResource[], type: string): FoundResource[] {
  return found.filter((f) => f.resource.type.toLowerCase() === type.toLowerCase() && !f.resource.existing);
}

export function variable(template: ArmTemplate, name: string): unknown {
  const variables = template.variables ?? {};
  if (!(name in variables)) throw new Error(`variable ${name} not in template`);
  return variables[name];
}

/** Names of the variables an ARM expression references: [..., variables('x'), ...]. */
export function referencedVariables(expression: string): string[] {
  return [...expression.matchAll(/variables\('([^']+)'\)/g)].map((m) => m[1]!);
}

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/**
 * The role definition GUIDs a roleAssignments resource assigns: resolves variables('obj').key and,
 * for a copy loop, variables('array')[copyIndex()] over every element.
 */
export function roleDefinitionGuids(found: FoundResource): string[] {
  const expression = String(found.resource.properties?.["roleDefinitionId"] ?? "");
  const loop = /variables\('([^']+)'\)\[copyIndex\(\)\]/.exec(expression);
  const expressions = loop
    ? (variable(found.template, loop[1]!) as string[]).map((element) =>
        expression.replace(loop[0], element.replace(/^\[|\]$/g, "")),
      )
    : [expression];
  return expressions.flatMap((e) => resolveMembers(e, found.template).match(GUID) ?? []);
}

/** Replaces variables('obj').member with the member's literal string value. */
export function resolveMembers(expression: string, template: ArmTemplate): string {
  return expression.replace(/variables\('([^']+)'\)\.(\w+)/g, (_, name: string, member: string) => {
    const value = (variable(template, name) as Record<string, unknown>)[member];
    if (typeof value !== "string") throw new Error(`variables('${name}').${member} is not a literal string`);
    return `'${value}'`;
  });
}

/** A string property that is either a literal or a bare variables('x') reference to a literal. */
export function literal(value: unknown, template: ArmTemplate): string {
  if (typeof value !== "string") throw new Error(`not a string: ${JSON.stringify(value)}`);
  const reference = /^\[variables\('([^']+)'\)\]$/.exec(value);
  if (!reference) return value;
  const resolved = variable(template, reference[1]!);
  if (typeof resolved !== "string") throw new Error(`variables('${reference[1]}') is not a string`);
  return resolved;
}
