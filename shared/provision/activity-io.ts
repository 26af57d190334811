// Inputs and outputs of the activities. An activity throws only when another attempt may succeed
// (the orchestration's retry policy runs it again); a permanent failure is a value, so the
// orchestrator fails fast with ARM's code instead of burning retries on it.
import type { AccessAssignment, AccessGrant } from "../spec/access.js";
import type { StepError } from "../azure/errors.js";
import type { ClusterTarget } from "../azure/names.js";
import type { ClusterSpec, NodePoolPlan } from "../spec/schema.js";
import type { SeededObjects } from "./changes.js";
import type { AccessCheckResult, ProbeResult } from "./types.js";

/** The long-running ARM operations whose pollers we serialize into history and restore later. */
export type ArmOperationKind =
  | "virtualNetworkCreate"
  | "subnetCreate"
  | "clusterCreate"
  | "clusterDelete"
  | "virtualNetworkDelete"
  | "resourceGroupDelete"
  // Updates of an existing cluster (updateCluster): its PUT, and its agentPools subresource.
  | "clusterUpdate"
  | "agentPoolWrite"
  | "agentPoolDelete";

/** Where a long-running operation stands after one activity call. */
export type LroStep<T> =
  | { status: "succeeded"; value: T }
  | { status: "failed"; error: StepError }
  | {
      status: "running";
      /**
       * The SDK poller's serialized state (operation URLs only, no credentials). Absent when the
       * operation was started by someone else (or by an attempt whose answer was lost): the
       * orchestrator then calls the same "ensure" activity again, which GETs the resource.
       */
      poller?: { kind: ArmOperationKind; state: string };
      /** Retry-After of ARM's last answer, in seconds. */
      retryAfterSeconds?: number;
      /**
       * Why this call could not tell how the operation ended (a poll whose read failed): the
       * operation is not failed for that, the orchestrator asks again later and shows this meanwhile.
       */
      waitingFor?: StepError;
    };

export interface ResourceGroupInput {
  target: ClusterTarget;
  location: string;
  tags: Record<string, string>;
}
export interface ResourceGroupOutput {
  resourceGroupId: string;
  /** False when the group existed before: then it is never deleted by us. */
  created: boolean;
}

export interface VirtualNetworkInput {
  target: ClusterTarget;
  spec: ClusterSpec;
  tags: Record<string, string>;
}
export interface VirtualNetworkOutput {
  vnetId: string;
  subnetId: string;
}

export interface IdentityInput {
  target: ClusterTarget;
  identityName: string;
  location: string;
  tags: Record<string, string>;
}
export interface IdentityOutput {
  identityId: string;
  principalId: string;
  clientId: string;
}

export interface RoleAssignmentInput {
  subscriptionId: string;
  scope: string;
  principalId: string;
  roleGuid: string;
  /** The assignee's kind; default ServicePrincipal (the managed identities this flow creates). */
  principalType?: "User" | "Group" | "ServicePrincipal";
}
/** A cluster whose access is granted (Azure RBAC for Kubernetes authorization). */
export interface ClusterAccessInput {
  subscriptionId: string;
  clusterId: string;
  /** The request's grants (ProvisionInput.access); the app's own Cluster Admin is always made. */
  grants?: AccessGrant[];
}
export interface ClusterAccessOutput {
  /** The app identity's object id (it holds Cluster Admin on the cluster). */
  principalId: string;
  /** Every role assignment made or found: the app's first, then the grants' in order. */
  roleAssignmentIds: string[];
  created: number;
}
export interface RoleAssignmentOutput {
  roleAssignmentId: string;
  /** False when it was already there (RoleAssignmentExists or found by name). */
  created: boolean;
}

export interface ClusterCreateInput {
  target: ClusterTarget;
  spec: ClusterSpec;
  instanceId: string;
  /** The owning cluster's unique id (absent in inputs written before it existed). */
  clusterUid?: string;
  identityId: string;
  subnetId: string;
}
/** getClusterState's input: the cluster is read by GET only (never a second PUT while it is busy). */
export interface ClusterStateInput {
  target: ClusterTarget;
}
export interface ClusterInfo {
  clusterId: string;
  fqdn?: string;
  provisioningState?: string;
}

export interface PollInput {
  subscriptionId: string;
  kind: ArmOperationKind;
  state: string;
}

/** Result of a poll: the resource when the operation produced one (creates), else nothing. */
export interface PolledResource {
  id?: string;
  fqdn?: string;
  provisioningState?: string;
}

/** What deprovisioning deletes, in this order (the reverse of creation). */
export const OWNED_RESOURCE_KINDS = [
  "cluster",
  "roleAssignment",
  "identity",
  "virtualNetwork",
  "resourceGroup",
] as const;
export type OwnedResourceKind = (typeof OWNED_RESOURCE_KINDS)[number];

export interface DeleteInput {
  kind: OwnedResourceKind;
  target: ClusterTarget;
  /** Only resources tagged as created for this cluster are deleted (isOwnedBy). */
  instanceId: string;
  clusterUid?: string;
  spec: ClusterSpec;
  /**
   * Rollback after the cluster step itself failed: a cluster ARM reports Succeeded is kept (the
   * step failed on our reads or our deadline, not on the cluster; a failed read is not evidence).
   */
  keepSucceededCluster?: boolean;
}
export interface DeleteOutcome {
  /**
   * "deleted" (gone now), "absent" (nothing to do), "notOwned" (exists but not created for this
   * cluster: kept), "kept" (ours, kept for `reason`: in use, holding others' resources).
   */
  outcome: "deleted" | "absent" | "notOwned" | "kept";
  resourceId: string;
  /** Why a resource was kept. */
  reason?: string;
}

// --- Kubernetes ---

export interface KubeStepInput {
  target: ClusterTarget;
  namespace: ClusterSpec["namespaces"][number];
}

export interface ReadinessOutput {
  ready: boolean;
  /** e.g. "backend: 0/1 ready" for the status. */
  pending: string[];
}

export interface ProbeSpec {
  /** Deterministic pod name. */
  podName: string;
  namespace: string;
  labels: Record<string, string>;
  /** DNS name and port the probe connects to. */
  host: string;
  port: number;
  expected: "allowed" | "denied";
  /** For the report. */
  result: Omit<ProbeResult, "observed">;
}

export interface ProbesInput {
  target: ClusterTarget;
  probes: ProbeSpec[];
  image: string;
  timeoutSeconds: number;
}

export interface ProbeOutcome {
  podName: string;
  /** "pending" while the probe pod has not finished. */
  observed: "allowed" | "denied" | "pending";
}

/** One SubjectAccessReview: may this principal do this in this namespace? */
export interface AccessCheckSpec {
  principalId: string;
  principalType: AccessGrant["principalType"];
  namespace: string;
  verb: string;
  resource: string;
  /** API group ("" for the core group). */
  group: string;
  /** For the report. */
  result: Omit<AccessCheckResult, "observed">;
}

export interface AccessChecksInput {
  target: ClusterTarget;
  checks: AccessCheckSpec[];
}

/** The cluster's settings applied by their own ARM calls after the create (issue 15). */
export interface ClusterSettingsInput {
  target: ClusterTarget;
  spec: ClusterSpec;
}
export interface MaintenanceOutput {
  /** The maintenance configurations written (none when both upgrade channels are off). */
  names: string[];
}
export interface PolicyAssignmentOutput {
  policyAssignmentId: string;
}

// --- Updates of an existing cluster (updateCluster) ---

/** Who owns the cluster: its create's instance id and unique id, as its tags say (models.ts Owner). */
export interface ClusterOwner {
  instanceId: string;
  clusterUid?: string;
}

/**
 * The cluster PUT of an update: the spec's settings on the cluster as it is (its pools keep their
 * versions; pools are added or removed through the agentPools subresource, not here).
 */
export interface ClusterUpdateInput {
  target: ClusterTarget;
  spec: ClusterSpec;
  owner: ClusterOwner;
  /** The control plane version to PUT (an upgrade hop); absent: the version the cluster has. */
  kubernetesVersion?: string;
}

/** One agent pool created, scaled or upgraded through the agentPools subresource. */
export interface AgentPoolInput {
  target: ClusterTarget;
  owner: ClusterOwner;
  pool: NodePoolPlan;
  subnetId: string;
  /** The pool's Kubernetes version (an upgrade); absent: its own, or the control plane's for a new pool. */
  orchestratorVersion?: string;
}
export interface AgentPoolDeleteInput {
  target: ClusterTarget;
  owner: ClusterOwner;
  pool: string;
}
export interface AgentPoolOutput {
  poolId: string;
  /** "absent": nothing to delete; "unchanged": already as asked, nothing written. */
  outcome: "written" | "deleted" | "absent" | "unchanged";
}

/** Reads the cluster's versions and the region's listing to plan an upgrade to `kubernetesVersion`. */
export interface UpgradePlanInput {
  target: ClusterTarget;
  location: string;
  kubernetesVersion: string;
}
export interface UpgradePlanOutput {
  /** The patch the control plane runs now. */
  current: string;
  /** The control plane's PUTs, one minor version each (empty: it is there). */
  controlPlane: string[];
  /** Pools whose version is not the target yet, in the cluster's order. */
  pools: string[];
}

/** Role assignments of grants the spec no longer has, deleted by their deterministic names. */
export interface RevokeAccessInput {
  subscriptionId: string;
  assignments: AccessAssignment[];
}
export interface RevokeAccessOutput {
  /** The role assignment ids deleted (absent ones are not listed). */
  deleted: string[];
}

/** Pruning: objects carrying the managed-by mark that are not in `keep` are deleted. */
export interface PruneInput {
  target: ClusterTarget;
  keep: SeededObjects[];
}
export interface PruneOutput {
  /** What was deleted, as "namespace/x", "networkpolicy/ns/x", "deployment/ns/x", "service/ns/x". */
  deleted: string[];
}
