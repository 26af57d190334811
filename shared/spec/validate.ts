// Validation of a ClusterSpec document: every problem at once (structure, address planning,
// references), warnings kept apart from errors, and the normalised spec when it is valid.
import { z } from "zod";
import { defaultNetworkPolicySpec } from "../netpol/policy-schema.js";
import {
  collectKeys,
  problemsFromZod,
  prototypeKeyProblems,
  type ArmErrorBody,
  type Problem,
} from "../validation/problems.js";
import { LIMITS } from "./defaults.js";
import { normaliseRegion } from "./regions.js";
import { checkExpectations } from "./rules/expectations.js";
import { checkNamespaces, workloadLabels } from "./rules/namespaces.js";
import { planNetwork } from "./rules/network.js";
import { maxNodes, planClusterOptions } from "./rules/cluster-options.js";
import {
  ClusterSpecSchema,
  NamespaceSchema,
  NetworkSchema,
  NodePoolSchema,
  type ClusterSpec,
  type NamespaceSpec,
} from "./schema.js";

export type ValidationResult =
  | { ok: true; spec: ClusterSpec; warnings: Problem[] }
  | { ok: false; errors: Problem[]; warnings: Problem[] };

export interface ValidateOptions {
  /** Location used when the document has none (e.g. the deployment's default region). */
  defaultLocation?: string;
  /** The only resource group clusters may go into (AKSV_TARGET_RESOURCE_GROUP); also the default. */
  resourceGroup?: string;
  /** The deployment's Entra tenant (AKSV_TENANT_ID): aadProfile.tenantID when the document has none. */
  tenantId?: string;
}

const KNOWN_KEYS = collectKeys(ClusterSpecSchema);
/** The sections the security and operations rules read (checked even when another section is broken). */
const OptionsSchema = z.looseObject(
  ClusterSpecSchema.pick({
    location: true,
    nodePool: true,
    nodePools: true,
    oidcIssuerProfile: true,
    securityProfile: true,
    addonProfiles: true,
    podSecurityStandard: true,
    autoUpgradeProfile: true,
    apiServerAccessProfile: true,
  }).shape,
);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.path}\u0000${p.code}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export function validateClusterSpec(input: unknown, options: ValidateOptions = {}): ValidationResult {
  if (!isRecord(input))
    return {
      ok: false,
      errors: [{ path: "", code: "InvalidType", message: "the request body must be a JSON object" }],
      warnings: [],
    };
  // Before anything copies the document: a spread or a schema would drop or apply these silently.
  const forbidden = prototypeKeyProblems(input);
  if (forbidden.length > 0) return { ok: false, errors: forbidden, warnings: [] };
  const doc =
    options.defaultLocation && input["location"] === undefined
      ? { ...input, location: options.defaultLocation }
      : input;

  const parsed = ClusterSpecSchema.safeParse(doc, { reportInput: true });
  const errors: Problem[] = parsed.success ? [] : problemsFromZod(parsed.error.issues, KNOWN_KEYS);
  const warnings: Problem[] = [];
  const requestedGroup = doc["resourceGroup"];
  if (
    options.resourceGroup &&
    typeof requestedGroup === "string" &&
    requestedGroup.toLowerCase() !== options.resourceGroup.toLowerCase()
  )
    errors.push({
      path: "resourceGroup",
      code: "ResourceGroupNotAllowed",
      message: `this deployment creates clusters only in resource group "${options.resourceGroup}" (AKSV_TARGET_RESOURCE_GROUP); omit resourceGroup or set it to that`,
    });

  // Cross-field rules run on every section that parsed on its own, so one broken field does not
  // hide the problems of the others.
  const optionsParsed = OptionsSchema.safeParse(doc);
  const settings = optionsParsed.success ? planClusterOptions(optionsParsed.data) : undefined;
  if (settings) {
    errors.push(...settings.errors);
    warnings.push(...settings.warnings);
  }
  const network = NetworkSchema.safeParse(doc["network"]);
  const nodePool = NodePoolSchema.safeParse(doc["nodePool"]);
  const clusterName = typeof doc["name"] === "string" ? doc["name"] : "cluster";
  // The node subnet must hold every pool at its autoscaler maximum.
  const nodes = settings
    ? maxNodes([settings.nodePool, ...settings.nodePools])
    : nodePool.success
      ? nodePool.data.count
      : undefined;
  const planning = network.success ? planNetwork(network.data, clusterName, nodes) : undefined;
  if (planning) {
    errors.push(...planning.errors);
    warnings.push(...planning.warnings);
  }

  const namespaces: { index: number; ns: NamespaceSpec }[] = [];
  if (Array.isArray(doc["namespaces"]))
    doc["namespaces"].forEach((raw, index) => {
      const ns = NamespaceSchema.safeParse(raw);
      if (ns.success) namespaces.push({ index, ns: ns.data });
    });
  const nsCheck = checkNamespaces(namespaces);
  errors.push(...nsCheck.errors);
  warnings.push(...nsCheck.warnings);

  if (!parsed.success || errors.length > 0 || !planning || !settings)
    return { ok: false, errors: dedupe(errors), warnings: dedupe(warnings) };

  const { podSecurityStandard: _requested, ...data } = parsed.data;
  const spec: ClusterSpec = {
    ...data,
    nodePool: settings.nodePool,
    nodePools: settings.nodePools,
    ...(settings.podSecurityStandard ? { podSecurityStandard: settings.podSecurityStandard } : {}),
    location: normaliseRegion(data.location),
    resourceGroup: options.resourceGroup ?? data.resourceGroup ?? `rg-${data.name}`,
    network: planning.plan,
    aadProfile: {
      ...data.aadProfile,
      ...(!data.aadProfile.tenantID && options.tenantId ? { tenantID: options.tenantId } : {}),
    },
    namespaces: data.namespaces.map((ns) => ({
      ...ns,
      workloads: ns.workloads.map((w) => ({ ...w, labels: workloadLabels(w) })),
      networkPolicies: ns.networkPolicies.map((p) => ({ ...p, spec: defaultNetworkPolicySpec(p.spec) })),
    })),
  };
  // Expectations are decided by the NetworkPolicy engine only once everything else is valid.
  const unsatisfiable = checkExpectations(spec);
  if (unsatisfiable.length > 0) return { ok: false, errors: unsatisfiable, warnings: dedupe(warnings) };
  return { ok: true, spec, warnings: dedupe(warnings) };
}

/** Parses JSON text (with the document size limit) and validates it. */
export function validateClusterSpecText(text: string, options: ValidateOptions = {}): ValidationResult {
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > LIMITS.documentBytes)
    return {
      ok: false,
      errors: [
        {
          path: "",
          code: "DocumentTooLarge",
          message: `the document is ${bytes} bytes; the limit is ${LIMITS.documentBytes} bytes`,
        },
      ],
      warnings: [],
    };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return {
      ok: false,
      errors: [
        { path: "", code: "InvalidJson", message: `the document is not valid JSON: ${(e as Error).message}` },
      ],
      warnings: [],
    };
  }
  return validateClusterSpec(value, options);
}

/** The ARM-style error body for a rejected document. */
export function invalidSpecError(errors: Problem[]): ArmErrorBody {
  const n = errors.length;
  return {
    error: {
      code: "InvalidClusterSpec",
      message: `The cluster request has ${n} problem${n === 1 ? "" : "s"}: ${errors
        .slice(0, 3)
        .map((e) => `${e.path || "(document)"}: ${e.message}`)
        .join("; ")}${n > 3 ? "; …" : ""}`,
      details: errors,
    },
  };
}
