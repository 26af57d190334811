// The cluster API's answers as zod schemas: the status document, a list page, the ARM-style error
// body and the health answer. The OpenAPI document (openapi.ts) is generated from them, and
// test/unit/api/schemas.test.ts checks at compile time that each one infers exactly the TypeScript
// type the code builds (shared/provision/types.ts, shared/validation/problems.ts), so neither can
// change without the other. `.meta()` is what the document says of a field. Objects are strict:
// the document says no other field is sent, and the API tests hold real answers to that.
import { z } from "zod";
import { PHASES } from "../provision/types.js";

export const PhaseSchema = z.enum(PHASES).meta({
  description:
    "Accepted → Provisioning → Seeding → Verifying → Succeeded or Failed; after DELETE: Deleting → Deleted (or Failed)",
});

const timestamp = z.string().meta({ format: "date-time", examples: ["2026-05-04T09:30:00.000Z"] });

export const StepErrorSchema = z.strictObject({
  code: z.string().meta({ description: "Stable, machine-readable code (ARM's own code when ARM refused)" }),
  message: z.string().meta({ description: "What went wrong, with no secret in it" }),
  statusCode: z
    .number()
    .int()
    .meta({ minimum: 100, maximum: 599, description: "HTTP status when ARM answered" })
    .optional(),
});

export const FailedStepErrorSchema = StepErrorSchema.extend({
  step: z.string().meta({ description: "The step that failed", examples: ["cluster"] }),
});

export const StepStatusSchema = z.strictObject({
  name: z.string().meta({
    description:
      "resourceGroup, virtualNetwork, identity, roleAssignment, cluster, seed:<namespace>, verification, rollback, delete:<resource>",
    examples: ["cluster"],
  }),
  status: z.enum(["Pending", "Running", "Succeeded", "Failed", "Skipped"]),
  startedAt: timestamp.optional(),
  finishedAt: timestamp.optional(),
  attempts: z
    .number()
    .int()
    .meta({
      minimum: 0,
      description:
        "How many times the step's work was tried: 1, plus one per retry after a transient failure (an activity run again by its retry policy, an ARM operation submitted again after it failed or while the resource was busy) or per further verification round; 0 while Pending. Status polls are not attempts (see polls), nor are the SDK's HTTP retries inside one call",
      examples: [1],
    }),
  polls: z
    .number()
    .int()
    .meta({
      minimum: 1,
      description: "Status polls of the step's long-running ARM operation, when it had one",
      examples: [12],
    })
    .optional(),
  error: StepErrorSchema.optional(),
  waitingFor: z
    .strictObject({
      code: z.string().meta({ examples: ["OperationNotAllowed"] }),
      message: z.string(),
      since: timestamp.meta({ description: "When the step started waiting for this" }),
    })
    .meta({
      description:
        "While a running step waits (the cluster busy with another operation, a transient ARM error): what it waits for",
    })
    .optional(),
});

const armId = (what: string) => z.string().meta({ description: `ARM resource id of the ${what}` });

export const ClusterOutputsSchema = z
  .strictObject({
    resourceGroupId: armId("resource group").optional(),
    vnetId: armId("virtual network").optional(),
    subnetId: armId("node subnet").optional(),
    identityId: armId("cluster's user-assigned managed identity").optional(),
    identityPrincipalId: z
      .string()
      .meta({ description: "Principal (object) id of that identity" })
      .optional(),
    clusterId: armId("managed cluster").optional(),
    fqdn: z.string().meta({ description: "The API server's FQDN" }).optional(),
    policyAssignmentId: armId("pod security initiative's policy assignment at the cluster").optional(),
  })
  .meta({ description: "What has been created so far" });

export const ProbeResultSchema = z.strictObject({
  from: z.string().meta({
    description: 'The probe pod: "namespace{labels}"',
    examples: ["test{app=webapp,role=frontend}"],
  }),
  to: z.string().meta({ description: '"service.namespace:port"', examples: ["backend.test:80"] }),
  expected: z.enum(["allowed", "denied"]),
  observed: z.enum(["allowed", "denied", "unknown"]),
});

export const AccessCheckResultSchema = z
  .strictObject({
    subject: z.string().meta({
      description: 'Who the grant stands for: "team <name>", "group <id>" or "principal <id>"',
      examples: ["team payments"],
    }),
    principalId: z.string().meta({
      description: "The Entra object id reviewed (the SubjectAccessReview's user, or its group)",
      examples: ["5b3e2a71-9c4d-4f8e-a1b6-7d0c3e9f2a58"],
    }),
    action: z.string().meta({
      description: "Verb and resource (resource.group outside the core group)",
      examples: ["create pods", "create rolebindings.rbac.authorization.k8s.io"],
    }),
    namespace: z.string().meta({ examples: ["checkout"] }),
    expected: z.enum(["allowed", "denied"]),
    observed: z.enum(["allowed", "denied", "unknown"]),
  })
  .meta({
    description:
      "One SubjectAccessReview of a granted principal: what its role allows in its namespaces (reader: get pods, writer: create pods, admin: create rolebindings), the next action up it must not have, and its own action outside its namespaces (kube-system)",
  });

export const VerificationReportSchema = z
  .strictObject({
    passed: z.boolean().meta({ description: "Every probe and every access check observed as expected" }),
    results: z.array(ProbeResultSchema),
    access: z.array(AccessCheckResultSchema).optional().meta({
      description:
        "The access grants checked with SubjectAccessReviews, beside the connectivity probes (clusters with Entra ID: all but those requested while it was opt-in)",
    }),
  })
  .meta({
    description: "The request's expectations, probed on the cluster, and its access grants, reviewed",
  });

export const RequesterSchema = z
  .strictObject({
    id: z.string().meta({ description: "The token's object id (oid)" }),
    name: z.string().meta({ description: "The token's name or preferred username" }),
  })
  .meta({ description: "Who asked for the cluster" });

export const ClusterLinksSchema = z.strictObject({
  self: z.string().meta({ description: "This status document", examples: ["/api/clusters/c1"] }),
  kubeconfig: z
    .string()
    .meta({ description: "The user kubeconfig, once Succeeded", examples: ["/api/clusters/c1/kubeconfig"] }),
});

export const ProvisioningOutcomeSchema = z
  .strictObject({
    phase: PhaseSchema,
    error: FailedStepErrorSchema.optional(),
    warnings: z.array(z.string()),
  })
  .meta({
    description:
      "After DELETE: how the provisioning before it had ended (or stood when the DELETE stopped it); the document's own phase, steps, warnings and error are the deletion's",
  });

export const DriftItemSchema = z
  .strictObject({
    path: z.string().meta({
      description: "Where, in spec terms",
      examples: ["nodePool.count", "namespaces[test].networkPolicies[deny-all]"],
    }),
    expected: z.unknown().meta({ description: "What the spec says" }),
    actual: z.unknown().meta({ description: "What the cluster has (null: missing)" }),
    detectedAt: timestamp.meta({ description: "When the difference was first seen (kept while it lasts)" }),
  })
  .meta({ description: "One difference between the cluster and its spec" });

/** What the status document and a list entry both say about a cluster. */
const summaryFields = {
  name: z.string().meta({ description: "The cluster's name" }),
  resourceGroup: z.string(),
  subscriptionId: z.string(),
  team: z.string().meta({ description: "The team that owns it" }),
  phase: PhaseSchema,
  createdAt: timestamp.optional(),
  lastUpdatedAt: timestamp.optional(),
  links: ClusterLinksSchema,
};

export const ClusterStatusSchema = z
  .strictObject({
    ...summaryFields,
    requestedBy: RequesterSchema.optional(),
    steps: z.array(StepStatusSchema).meta({ description: "Every step, in the order they run" }),
    outputs: ClusterOutputsSchema,
    verification: VerificationReportSchema.optional(),
    warnings: z.array(z.string()).meta({ description: "Warnings from validation and from the steps" }),
    error: FailedStepErrorSchema.optional(),
    provisioning: ProvisioningOutcomeSchema.optional(),
    generation: z
      .number()
      .int()
      .meta({
        minimum: 1,
        description:
          'The latest accepted change: the create is 1, every accepted PUT or PATCH adds 1 (the ETag header is "<generation>")',
        examples: [2],
      })
      .optional(),
    observedGeneration: z
      .number()
      .int()
      .meta({
        minimum: 0,
        description:
          "The generation the cluster has reached: equal to generation once the latest operation Succeeded; a failed update leaves it at the generation before (0 until the create Succeeded)",
        examples: [2],
      })
      .optional(),
    operation: z
      .enum(["create", "update", "delete"])
      .meta({ description: "The latest operation on the cluster" })
      .optional(),
    drift: z
      .array(DriftItemSchema)
      .meta({
        description:
          "What the latest periodic drift check found different from the spec (empty: none; absent before the first check)",
      })
      .optional(),
  })
  .meta({
    description:
      "A cluster's status: phase, steps, outputs, verification, error. After DELETE, the phase, steps, warnings and error are the deletion's (the provisioning's outcome is under provisioning). 202 with Retry-After while in progress, 200 once terminal.",
  });

export const ClusterSummarySchema = z.strictObject(summaryFields);

export const ClusterListSchema = z.strictObject({
  value: z.array(ClusterSummarySchema).meta({ description: "The clusters on this page, by name" }),
  nextLink: z
    .string()
    .meta({ description: "The next page (absent on the last)", examples: ["/api/clusters?skipToken=NTA"] })
    .optional(),
});

export const ProblemSchema = z.strictObject({
  path: z.string().meta({
    description: 'Where in the document, e.g. "network.dnsServiceIp" ("" for the document itself)',
  }),
  code: z.string().meta({ description: "Stable, machine-readable code" }),
  message: z.string().meta({ description: "What is wrong and what to do" }),
});

export const ErrorResponseSchema = z
  .strictObject({
    error: z.strictObject({
      code: z.string().meta({ description: "Stable, machine-readable code", examples: ["ClusterNotFound"] }),
      message: z.string().meta({ description: "What happened and what to do" }),
      details: z.array(ProblemSchema).meta({ description: "Every problem (400), else empty" }),
    }),
  })
  .meta({ description: "The ARM-style error body every failure answers with" });

const verdict = z.enum(["allowed", "denied", "absent"]);

export const PlanSchema = z
  .strictObject({
    changes: z
      .array(
        z.strictObject({
          path: z.string().meta({
            description: "Where, in spec terms; list items by name",
            examples: ["nodePool.count", "namespaces[shop].workloads[api].image"],
          }),
          from: z.unknown().meta({ description: "The value now (absent for a create)" }).optional(),
          to: z.unknown().meta({ description: "The value asked for (absent for a delete)" }).optional(),
          action: z.enum(["create", "update", "replace", "delete", "none"]),
          disruptive: z.boolean().meta({
            description:
              "Running pods are restarted or traffic is cut: a node pool removed, a Kubernetes upgrade (nodes drained), a namespace or workload deleted, a workload's image or labels changed",
          }),
        }),
      )
      .meta({ description: "Every field that changes" }),
    arm: z
      .array(
        z.strictObject({
          method: z.enum(["PUT", "PATCH", "DELETE"]),
          resourceId: z.string().meta({ description: "The ARM resource written" }),
          reason: z.string(),
        }),
      )
      .meta({ description: "The ARM writes the change would make" }),
    kubernetes: z
      .array(
        z.strictObject({
          action: z.enum(["create", "update", "delete"]),
          kind: z.enum(["Namespace", "Deployment", "Service", "NetworkPolicy"]),
          namespace: z.string().meta({ description: '"" for a Namespace itself' }),
          name: z.string(),
        }),
      )
      .meta({ description: "The Kubernetes objects created, changed or pruned (only the project's own)" }),
    reachability: z
      .strictObject({
        changed: z.array(
          z.strictObject({
            from: z
              .string()
              .meta({ description: 'The probe pod: "namespace{labels}"', examples: ["shop{app=web}"] }),
            to: z.string().meta({ description: '"service.namespace:port"', examples: ["api.shop:80"] }),
            port: z.number().int().meta({ minimum: 1, maximum: 65535 }),
            before: verdict,
            after: verdict,
          }),
        ),
      })
      .meta({
        description:
          "Expectation probes (of either spec) the NetworkPolicy engine decides differently after the change; absent: that side has no such pod or service",
      }),
  })
  .meta({
    description: "What a request would do (?dryRun=true): computed with reads only, nothing is written",
  });

export const PlanResponseSchema = z.strictObject({ plan: PlanSchema });

export const HealthSchema = z.strictObject({
  status: z.literal("ok"),
  version: z.string().meta({ description: "The app's version (package.json)", examples: ["0.1.0"] }),
});

const stringMap = z.record(z.string(), z.string());

/**
 * GET /clusters/{name}/catalog-info: the cluster as a Backstage catalog entity
 * (shared/backstage/catalog-info.ts builds it). Backstage's own validators check real ones in the
 * tests; this says which of Backstage's fields the API fills in.
 */
export const CatalogInfoSchema = z
  .strictObject({
    apiVersion: z.literal("backstage.io/v1alpha1"),
    kind: z.literal("Resource"),
    metadata: z.strictObject({
      name: z.string().meta({ description: "The cluster's name" }),
      title: z.string(),
      description: z.string(),
      labels: stringMap.meta({ description: "aks-vending.io/team and aks-vending.io/phase" }),
      annotations: stringMap.meta({
        description:
          "The status document's facts: subscription, resource group, phase, status URL, cluster id, FQDN",
      }),
      tags: z.array(z.string()),
      links: z.array(z.strictObject({ url: z.string(), title: z.string(), icon: z.string().optional() })),
    }),
    spec: z.strictObject({
      type: z.literal("kubernetes-cluster"),
      owner: z.string().meta({ description: "The team's group", examples: ["group:default/team-a"] }),
      system: z.string().meta({ description: "The system query parameter, when given" }).optional(),
    }),
  })
  .meta({
    description:
      "A Backstage Resource entity (backstage.io/v1alpha1); JSON is YAML, so it is a catalog-info file",
  });

export type ClusterSummary = z.infer<typeof ClusterSummarySchema>;
export type ClusterList = z.infer<typeof ClusterListSchema>;
export type Health = z.infer<typeof HealthSchema>;
