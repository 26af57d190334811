// The API's zod answer schemas (shared/api/schemas.ts, from which the OpenAPI document is generated)
// against the TypeScript types the code builds its answers with. The type assertions below are
// checked by the compiler (npm run build / typecheck): a field added, removed, renamed or made
// optional on either side alone stops the build. The runtime tests parse real answers.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Plan } from "../../../shared/provision/plan.js";
import type { z } from "zod";
import type {
  CatalogInfoSchema,
  ClusterSummarySchema,
  PhaseSchema,
  ProblemSchema,
  StepErrorSchema,
  StepStatusSchema,
  VerificationReportSchema,
} from "../../../shared/api/schemas.js";
import {
  ClusterListSchema,
  ClusterStatusSchema,
  PlanSchema,
  ErrorResponseSchema,
  HealthSchema,
} from "../../../shared/api/schemas.js";
import * as examples from "../../../shared/api/examples.js";
import { buildStatusDocument } from "../../../shared/provision/status.js";
import type {
  ClusterStatusDocument,
  Phase,
  StepError,
  StepStatus,
  VerificationReport,
} from "../../../shared/provision/types.js";
import { validateClusterSpec } from "../../../shared/spec/validate.js";
import { ClusterApi } from "../../../application/cluster-api.js";
import type { Orchestrations } from "../../../application/ports.js";
import type { Caller } from "../../../shared/auth/caller.js";
import { loadConfig } from "../../../shared/config/index.js";
import type { BackstageResourceEntity } from "../../../shared/backstage/catalog-info.js";
import type { ArmErrorBody, Problem } from "../../../shared/validation/problems.js";
import { provisionInput } from "../provision/fixtures.js";

/** True only when A and B are assignable both ways: the same fields, optionality and value types. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Compiles only for `true`. */
function sameType<T extends true>(): T | undefined {
  return undefined;
}

/** What a list entry carries: the status document's summary fields. */
type ListEntry = Pick<
  ClusterStatusDocument,
  "name" | "resourceGroup" | "subscriptionId" | "team" | "phase" | "createdAt" | "lastUpdatedAt" | "links"
>;

sameType<Same<z.infer<typeof ClusterStatusSchema>, ClusterStatusDocument>>();
sameType<Same<z.infer<typeof ClusterSummarySchema>, ListEntry>>();
sameType<Same<z.infer<typeof ClusterListSchema>, { value: ListEntry[]; nextLink?: string }>>();
sameType<Same<z.infer<typeof StepStatusSchema>, StepStatus>>();
sameType<Same<z.infer<typeof StepErrorSchema>, StepError>>();
sameType<Same<z.infer<typeof VerificationReportSchema>, VerificationReport>>();
sameType<Same<z.infer<typeof PhaseSchema>, Phase>>();
sameType<Same<z.infer<typeof ProblemSchema>, Problem>>();
sameType<Same<z.infer<typeof ErrorResponseSchema>, ArmErrorBody>>();
sameType<Same<z.infer<typeof CatalogInfoSchema>, BackstageResourceEntity>>();
sameType<Same<z.infer<typeof PlanSchema>, Plan>>();

test("the equality check itself tells types apart (a missing, an extra and an optional field)", () => {
  const missing: Same<{ a: string; b: string }, { a: string }> = false;
  const optional: Same<{ a: string }, { a?: string }> = false;
  const same: Same<{ a: string; b?: number }, { b?: number; a: string }> = true;
  assert.deepEqual([missing, optional, same], [false, false, true]);
});

test("status documents the code builds parse with the published schema, in every shape", () => {
  const input = provisionInput();
  const docs: ClusterStatusDocument[] = [
    buildStatusDocument({
      runtimeStatus: "Pending",
      input,
      output: null,
      customStatus: null,
      createdTime: input.requestedAt,
    }),
    buildStatusDocument({
      runtimeStatus: "Running",
      input: { ...input, requestedBy: { id: "oid-1", name: "dev" } },
      output: null,
      customStatus: {
        phase: "Provisioning",
        steps: [
          { name: "resourceGroup", status: "Succeeded", attempts: 1, startedAt: input.requestedAt },
          {
            name: "cluster",
            status: "Running",
            attempts: 3,
            error: { code: "Throttled", message: "slow down", statusCode: 429 },
          },
        ],
        outputs: { resourceGroupId: "/subscriptions/s/resourceGroups/rg" },
        warnings: ["network.serviceCidr: overlaps"],
      },
      createdTime: input.requestedAt,
      lastUpdatedTime: "2026-01-01T00:05:00.000Z",
    }),
    buildStatusDocument({ runtimeStatus: "Failed", input, output: "boom\nat x", customStatus: null }),
    buildStatusDocument({
      runtimeStatus: "Completed",
      input,
      output: {
        phase: "Succeeded",
        outputs: { clusterId: "/subscriptions/s/x", fqdn: "x.hcp.eastus.azmk8s.io" },
        verification: {
          passed: true,
          results: [{ from: "a{}", to: "b.c:80", expected: "allowed", observed: "allowed" }],
        },
      },
      customStatus: null,
    }),
  ];
  for (const doc of docs) {
    const parsed = ClusterStatusSchema.safeParse(doc);
    assert.ok(parsed.success, `${doc.phase}: ${JSON.stringify(parsed.error?.issues)}`);
  }
  assert.deepEqual(
    docs.map((d) => d.phase),
    ["Accepted", "Provisioning", "Failed", "Succeeded"],
  );
});

test("a field the schema does not publish is refused, so an answer cannot quietly outgrow its document", () => {
  const doc = { ...examples.SUCCEEDED_EXAMPLE, secret: "x" };
  assert.equal(ClusterStatusSchema.safeParse(doc).success, false);
});

test("every example of the document is valid for the schema it illustrates", () => {
  for (const doc of [
    examples.ACCEPTED_EXAMPLE,
    examples.SUCCEEDED_EXAMPLE,
    examples.FAILED_EXAMPLE,
    examples.DELETING_EXAMPLE,
  ])
    ClusterStatusSchema.parse(doc);
  ClusterListSchema.parse(examples.LIST_EXAMPLE);
  HealthSchema.parse(examples.HEALTH_EXAMPLE);
  for (const body of Object.values(examples.ERROR_EXAMPLES)) ErrorResponseSchema.parse(body);
  const spec = validateClusterSpec(examples.CLUSTER_SPEC_EXAMPLE);
  assert.ok(spec.ok, JSON.stringify(spec));
  assert.equal(
    examples.ERROR_EXAMPLES.InvalidClusterSpec.error.details.length,
    2,
    "the 400 example is the validator's own answer",
  );
});

test("the 400 example of GET /clusters is the API's own answer to an unknown phase", async () => {
  const nothing = () => Promise.reject(new Error("not asked"));
  const orchestrations: Orchestrations = {
    start: nothing,
    getStatus: nothing,
    terminate: nothing,
    raiseEvent: nothing,
  };
  const state = {
    byName: nothing,
    put: nothing,
    advance: nothing,
    list: nothing,
    quota: nothing,
    writeQuota: nothing,
  };
  const api = new ClusterApi({
    config: loadConfig({}),
    orchestrations,
    index: state,
    quotas: state,
    userKubeconfig: nothing,
  });
  const reader: Caller = { id: "r", displayName: "r", roles: new Set(["Clusters.Read"]), teams: new Set() };
  const res = await api.list(new URLSearchParams("phase=Bogus"), reader);
  assert.equal(res.status, 400);
  assert.deepEqual(res.jsonBody, examples.ERROR_EXAMPLES.InvalidQuery);
});

test("the plan example is a plan (the what-if answer's schema)", () => {
  const parsed = PlanSchema.safeParse(examples.PLAN_EXAMPLE.plan);
  assert.ok(parsed.success, JSON.stringify(parsed.error?.issues));
  assert.ok(examples.PLAN_EXAMPLE.plan.changes.some((c) => c.path === "nodePool.count"));
});
