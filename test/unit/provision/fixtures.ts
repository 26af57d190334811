import { readFileSync } from "node:fs";
import type { Instance } from "../../../application/ports.js";
import { loadConfig } from "../../../shared/config/index.js";
import { provisionInstanceId } from "../../../shared/azure/names.js";
import { ORCHESTRATION } from "../../../shared/provision/durable.js";
import type { ProvisionInput } from "../../../shared/provision/types.js";
import type { ClusterSpec } from "../../../shared/spec/schema.js";
import { validateClusterSpec } from "../../../shared/spec/validate.js";

export const SUBSCRIPTION = "00000000-0000-0000-0000-000000000001";

export function tutorialDocument(): Record<string, unknown> {
  return JSON.parse(
    readFileSync(new URL("../../../../examples/seed-tutorial.json", import.meta.url), "utf8"),
  ) as Record<string, unknown>;
}

export function spec(overrides: Record<string, unknown> = {}): ClusterSpec {
  const r = validateClusterSpec({ ...tutorialDocument(), ...overrides });
  if (!r.ok) throw new Error(`fixture invalid: ${JSON.stringify(r.errors)}`);
  return r.spec;
}

export const timing = loadConfig({ AKSV_TIME_SCALE: "1" }).timing;

export function provisionInput(s: ClusterSpec = spec()): ProvisionInput {
  return {
    target: { subscriptionId: SUBSCRIPTION, resourceGroup: s.resourceGroup, name: s.name },
    spec: s,
    specHash: "h",
    requestedAt: "2026-01-01T00:00:00.000Z",
    timing,
    probe: { image: "busybox:1.36", timeoutSeconds: 3 },
    warnings: [],
  };
}

export function instanceIdOf(input: ProvisionInput): string {
  return provisionInstanceId(input.target);
}

/** A provisioning instance that ended Succeeded, as the task hub lists it. */
export function succeededInstance(input: ProvisionInput, createdTime = "2026-01-01T00:00:00Z"): Instance {
  return {
    instanceId: instanceIdOf(input),
    name: ORCHESTRATION.provisionCluster.name,
    input,
    runtimeStatus: "Completed",
    output: { phase: "Succeeded", outputs: {} },
    customStatus: null,
    createdTime,
  };
}
