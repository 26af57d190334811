// Named inputs, outputs and status shapes of the provisioning flow. Everything here is persisted in
// durable history or shown to callers, so none of it may ever hold a secret, token or kubeconfig.
import type { AccessGrant } from "../spec/access.js";
import type { ProvisionTiming } from "../config/index.js";
import type { StepError } from "../azure/errors.js";
import type { ClusterTarget } from "../azure/names.js";
import type { CallbackResult } from "../callback/headers.js";
import type { ClusterSpec } from "../spec/schema.js";

export type { StepError } from "../azure/errors.js";
export type { ClusterTarget } from "../azure/names.js";

/** A cluster's phases, in the order a life goes through them (GET ?phase= takes one of these). */
export const PHASES = [
  "Accepted",
  "Provisioning",
  "Seeding",
  "Verifying",
  "Succeeded",
  "Failed",
  "Deleting",
  "Deleted",
] as const;
export type Phase = (typeof PHASES)[number];

/**
 * What an activity or a sub-orchestration answers: a value, or the permanent failure that ends its
 * step (transient failures are thrown and retried; see activity-io.ts).
 */
export type ActivityResult<T> = { ok: true; value: T } | { ok: false; error: StepError };

export type StepState = "Pending" | "Running" | "Succeeded" | "Failed" | "Skipped";

export interface StepStatus {
  name: string;
  status: StepState;
  startedAt?: string;
  finishedAt?: string;
  /**
   * How many times the step's work was tried: 1, plus one per retry after a transient failure (an
   * activity run again by its retry policy, an ARM operation submitted again after it failed or
   * while the resource was busy) or per further verification round; 0 while Pending. Status polls
   * are not attempts (`polls`), nor are the SDK's HTTP retries inside one activity run.
   */
  attempts: number;
  /** Status polls of the step's long-running ARM operation, when it had one. */
  polls?: number;
  error?: StepError;
  /**
   * While a running step waits (the resource is busy with another operation, ARM answered a
   * transient error): what it waits for, and since when. Gone once the step moves on.
   */
  waitingFor?: StepWait;
}

export interface StepWait {
  code: string;
  message: string;
  /** When the step started waiting for this (ISO time). */
  since: string;
}

export interface ClusterOutputs {
  resourceGroupId?: string;
  vnetId?: string;
  subnetId?: string;
  identityId?: string;
  identityPrincipalId?: string;
  clusterId?: string;
  fqdn?: string;
  /** The pod security initiative's assignment at the cluster's scope. */
  policyAssignmentId?: string;
}

export interface ProbeResult {
  /** "namespace{labels}", e.g. "test{app=webapp,role=frontend}". */
  from: string;
  /** "service.namespace:port". */
  to: string;
  expected: "allowed" | "denied";
  observed: "allowed" | "denied" | "unknown";
}

/** One SubjectAccessReview of a granted principal (shared/provision/access-checks.ts). */
export interface AccessCheckResult {
  /** Who the grant stands for: "team platform", "group <id>", "principal <id>". */
  subject: string;
  /** The Entra object id reviewed (the review's user, or its group). */
  principalId: string;
  /** Verb and resource, e.g. "create pods", "create rolebindings.rbac.authorization.k8s.io". */
  action: string;
  namespace: string;
  expected: "allowed" | "denied";
  observed: "allowed" | "denied" | "unknown";
}

export interface VerificationReport {
  /** Every probe and every access check observed as expected. */
  passed: boolean;
  results: ProbeResult[];
  /** Clusters with Azure RBAC: the grants checked by SubjectAccessReviews. */
  access?: AccessCheckResult[];
}

/** What the orchestration publishes as custom status after every step (the GET document's source). */
export interface ProvisionCustomStatus {
  phase: Phase;
  steps: StepStatus[];
  outputs: ClusterOutputs;
  verification?: VerificationReport;
  warnings: string[];
  error?: StepError & { step: string };
}

/** Input of provisionCluster (and of deprovisionCluster): the normalised spec, never a credential. */
export interface ProvisionInput {
  target: ClusterTarget;
  spec: ClusterSpec;
  /** sha256 of the normalised spec: a re-POST with the same hash is the same request. */
  specHash: string;
  idempotencyKey?: string;
  /** ISO time the API accepted the request. */
  requestedAt: string;
  timing: ProvisionTiming;
  probe: { image: string; timeoutSeconds: number };
  /** Warnings from validation, shown in the status. */
  warnings: string[];
  /** The caller who asked (from the token's oid and name; never the token). */
  requestedBy?: Requester;
  /**
   * The cluster's unique id, tagged on everything created for it (ownership: a delete removes only
   * what carries it). One per life of the cluster: a retry after a failure keeps it, a create after
   * a delete gets a new one. Absent in inputs written before it existed.
   */
  clusterUid?: string;
  /**
   * Who gets Azure RBAC for Kubernetes on the cluster (Entra ID, on by default): the request's
   * `access`, or its default, resolved to Entra principals when the API accepted it
   * (shared/spec/access.ts). Object ids and roles only.
   */
  access?: AccessGrant[];
}

/** What a cluster's latest operation is (the status document's `operation`). */
export type OperationKind = "create" | "update" | "delete";

/**
 * Input of updateCluster: a change of an existing cluster (PUT/PATCH), or a drift repair. The
 * ProvisionInput fields describe the desired state (`spec`, `access`, `specHash` of `spec`).
 */
export interface UpdateInput extends ProvisionInput {
  /** The generation this run brings the cluster to (a create is generation 1). */
  generation: number;
  /** The generation the cluster had reached when the change was accepted. */
  observedGeneration: number;
  /** The spec of that generation: what this run changes from. */
  previousSpec: ClusterSpec;
  /** The grants of that generation (resolved Entra principals), to revoke what is gone. */
  previousAccess?: AccessGrant[];
  /** The cluster's create instance id: the deletion's and the drift monitor's ids derive from it. */
  baseInstanceId: string;
  /** Drift repair: apply everything `spec` says, not only what differs from `previousSpec`. */
  reconcile?: boolean;
}

/** One difference between the cluster as it is and its spec, found by the drift check. */
export interface DriftItem {
  /** Where, in spec terms: "nodePool.count", "tags.env", "namespaces[test].networkPolicies[deny-all]". */
  path: string;
  expected: unknown;
  actual: unknown;
  /** ISO time the drift was first seen (kept while it lasts). */
  detectedAt: string;
}

export interface Requester {
  id: string;
  name: string;
}

export interface ProvisionOutput {
  phase: "Succeeded" | "Failed";
  /** The generation the run reached when it Succeeded (updateCluster; a create is generation 1). */
  generation?: number;
  outputs: ClusterOutputs;
  verification?: VerificationReport;
  error?: StepError & { step: string };
}

export interface DeprovisionInput {
  provisionInstanceId: string;
  target: ClusterTarget;
  spec: ClusterSpec;
  timing: ProvisionTiming;
  /** Started by a failed provisioning with onFailure: rollback (rather than by DELETE). */
  rollback: boolean;
  /** The provisioning's cluster unique id (ProvisionInput.clusterUid). */
  clusterUid?: string;
  /** Rollback after the cluster step failed: keep a cluster ARM reports Succeeded (DeleteInput). */
  keepSucceededCluster?: boolean;
}

/** A resource a deletion left in place, and why. */
export interface KeptResource {
  resourceId: string;
  reason: string;
}

export interface DeprovisionOutput {
  deleted: string[];
  kept: KeptResource[];
  error?: StepError & { step: string };
}

/** The status document GET /api/clusters/{name} returns (our own, never the Durable status URL). */
export interface ClusterStatusDocument {
  name: string;
  resourceGroup: string;
  subscriptionId: string;
  team: string;
  phase: Phase;
  requestedBy?: Requester;
  createdAt?: string;
  lastUpdatedAt?: string;
  steps: StepStatus[];
  outputs: ClusterOutputs;
  verification?: VerificationReport;
  warnings: string[];
  error?: StepError & { step: string };
  /** After a DELETE: how the provisioning before it had ended (the rest of the document is the deletion's). */
  provisioning?: ProvisioningOutcome;
  links: { self: string; kubeconfig: string };
  /** The latest accepted change (the create is 1; every accepted PUT/PATCH adds 1). Always sent by the API. */
  generation?: number;
  /** The generation the cluster has reached (0 until the create Succeeded; a failed update leaves it). */
  observedGeneration?: number;
  /** The latest operation: the create, an update, or the deletion. */
  operation?: OperationKind;
  /** What the latest drift check found different from the spec (absent before the first check). */
  drift?: DriftItem[];
}

/** How a provisioning run ended (or stood when a DELETE stopped it). */
export interface ProvisioningOutcome {
  phase: Phase;
  error?: StepError & { step: string };
  warnings: string[];
}

/** Input of the seedNamespace sub-orchestration. */
export interface SeedNamespaceInput {
  target: ClusterTarget;
  namespace: ClusterSpec["namespaces"][number];
  timing: ProvisionTiming;
}

export type SeedNamespaceOutput = ActivityResult<{ policies: string[]; workloads: string[] }>;

/** Input of the verifyConnectivity sub-orchestration. */
export interface VerifyInput {
  target: ClusterTarget;
  spec: ClusterSpec;
  /** The request's grants (ProvisionInput.access): each is checked with SubjectAccessReviews. */
  access?: AccessGrant[];
  timing: ProvisionTiming;
  probe: { image: string; timeoutSeconds: number };
}

export type VerifyOutput = ActivityResult<{ report: VerificationReport; rounds: number }>;

/** Input of notifyPipelines: completes the pipeline tasks of a provisioning that is already done. */
export interface NotifyPipelinesInput {
  provisionInstanceId: string;
  result: CallbackResult;
  timing: ProvisionTiming;
}
