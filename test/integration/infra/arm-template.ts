// Compiles infra/main.bicep to ARM JSON with the pinned Bicep compiler (scripts/bicep.sh, the one
// `npm run infra:check` uses; restored from NuGet on first use) and walks it: nested deployments
// (modules) are inlined there, so one walk sees every resource.
import { execFile } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..");

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

const onPath = (command: string): boolean =>
  (process.env["PATH"] ?? "").split(path.delimiter).some((dir) => {
    try {
      accessSync(path.join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });

/** Why the templates cannot be compiled on this machine (the reason a skip names), if they cannot. */
export function compilerMissing(): string | undefined {
  if (onPath("dotnet")) return undefined;
  return (
    "dotnet (the .NET SDK) not on PATH: it restores the pinned Bicep compiler " +
    "(Azure.Bicep.CommandLine.linux-x64, see scripts/bicep.sh) from NuGet; install the .NET SDK to run these tests"
  );
}

/** infra/main.bicep compiled now, into a temporary folder (never a stale earlier build). */
export async function compileMain(): Promise<ArmTemplate> {
  const run = promisify(execFile);
  const bicep = (await run("bash", [path.join(REPO_ROOT, "scripts", "bicep.sh"), "path"])).stdout.trim();
  const dir = await mkdtemp(path.join(tmpdir(), "aksv-bicep-"));
  try {
    const out = path.join(dir, "main.json");
    // Warnings go to stderr and do not stop the build; infra:check is where they fail.
    await run(bicep, ["build", path.join(REPO_ROOT, "infra", "main.bicep"), "--outfile", out]);
    return JSON.parse(await readFile(out, "utf8")) as ArmTemplate;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
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
