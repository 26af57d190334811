// The durable surface of the app, declared once: every orchestration and activity with its name,
// its input type and its output type. Everything else comes from here: the registration
// (orchestrations/registry.ts binds an implementation to each declaration, checked against these
// types), the typed calls of the orchestrators (orchestrations/durable.ts) and the typed starts of
// the API (the Orchestrations port of application/). A name is written nowhere else.
//
// Pure declarations, no orchestrator code: the application layer imports this file without pulling
// in the orchestrators, their activities or durable-functions.
import type { ReportInput, ReportOutput } from "../callback/report.js";
import type {
  ClusterCreateInput,
  ClusterInfo,
  ClusterStateInput,
  DeleteInput,
  DeleteOutcome,
  IdentityInput,
  IdentityOutput,
  KubeStepInput,
  LroStep,
  PolledResource,
  PollInput,
  ProbeOutcome,
  ProbesInput,
  AccessChecksInput,
  ReadinessOutput,
  ResourceGroupInput,
  ResourceGroupOutput,
  ClusterAccessInput,
  ClusterAccessOutput,
  RoleAssignmentInput,
  ClusterSettingsInput,
  MaintenanceOutput,
  PolicyAssignmentOutput,
  RoleAssignmentOutput,
  VirtualNetworkInput,
  VirtualNetworkOutput,
  AgentPoolDeleteInput,
  AgentPoolInput,
  AgentPoolOutput,
  ClusterUpdateInput,
  PruneInput,
  PruneOutput,
  RevokeAccessInput,
  RevokeAccessOutput,
  UpgradePlanInput,
  UpgradePlanOutput,
} from "./activity-io.js";
import type { DriftCheckInput, DriftMonitorInput, DriftObservation } from "./drift.js";
import type { QuotaSlotInput } from "./quota.js";
import type {
  ActivityResult,
  DeprovisionInput,
  DeprovisionOutput,
  NotifyPipelinesInput,
  ProvisionInput,
  ProvisionOutput,
  SeedNamespaceInput,
  SeedNamespaceOutput,
  UpdateInput,
  VerifyInput,
  VerifyOutput,
} from "./types.js";

// The input and output types ride along as a phantom member: never set at run time, there only for
// the compiler (the input in a parameter position, so an activity taking less is not one taking more).
declare const io: unique symbol;

/**
 * What a call whose task failed (an activity that ran out of retries, a crashed sub-orchestration)
 * becomes: the output's own failure value (`{ ok: false }` or `{ status: "failed" }`), so the
 * orchestrator handles it like a permanent failure, or an exception the caller catches.
 */
export type TaskFailure = "result" | "lro" | "throw";

export interface Activity<I, O> {
  readonly kind: "activity";
  readonly name: string;
  readonly failure: TaskFailure;
  readonly [io]?: (input: I) => O;
}

export interface Orchestration<I, O> {
  readonly kind: "orchestration";
  readonly name: string;
  readonly [io]?: (input: I) => O;
}

/** The shape of one declaration before it gets its name (the key it is declared under). */
interface Shape<I, O> {
  readonly failure: TaskFailure;
  readonly [io]?: (input: I) => O;
}

type Declared = Record<string, Shape<never, unknown>>;
export type InputOf<D> = D extends { readonly [io]?: (input: infer I) => unknown } ? I : never;
export type OutputOf<D> = D extends { readonly [io]?: (input: never) => infer O } ? O : never;

/** An activity that answers `ActivityResult<T>`; its exhausted retries become `{ ok: false }`. */
function result<I, T>(): Shape<I, ActivityResult<T>> {
  return { failure: "result" };
}
/** An activity that reports a long-running ARM operation; its exhausted retries become `failed`. */
function lro<I, T>(): Shape<I, LroStep<T>> {
  return { failure: "lro" };
}
/** An activity whose failed task throws (the caller decides what that means). */
function throws<I, O>(): Shape<I, O> {
  return { failure: "throw" };
}
/** An orchestration; a sub-orchestration call of it throws when it crashes. */
function flow<I, O>(): Shape<I, O> {
  return { failure: "throw" };
}

function activities<T extends Declared>(
  shapes: T,
): { readonly [K in keyof T & string]: Activity<InputOf<T[K]>, OutputOf<T[K]>> & { readonly name: K } } {
  return Object.fromEntries(
    Object.entries(shapes).map(([name, s]) => [name, { kind: "activity", name, failure: s.failure }]),
  ) as never;
}

function orchestrations<T extends Declared>(
  shapes: T,
): {
  readonly [K in keyof T & string]: Orchestration<InputOf<T[K]>, OutputOf<T[K]>> & { readonly name: K };
} {
  return Object.fromEntries(
    Object.keys(shapes).map((name) => [name, { kind: "orchestration", name }]),
  ) as never;
}

/** Every activity: plain async functions doing the I/O (orchestrations/activities/). */
export const ACTIVITY = activities({
  ensureResourceGroup: result<ResourceGroupInput, ResourceGroupOutput>(),
  ensureVirtualNetwork: lro<VirtualNetworkInput, VirtualNetworkOutput>(),
  ensureIdentity: result<IdentityInput, IdentityOutput>(),
  assignSubnetRole: result<RoleAssignmentInput, RoleAssignmentOutput>(),
  grantClusterAccess: result<ClusterAccessInput, ClusterAccessOutput>(),
  submitClusterCreate: lro<ClusterCreateInput, ClusterInfo>(),
  getClusterState: lro<ClusterStateInput, ClusterInfo>(),
  ensureMaintenanceConfigurations: result<ClusterSettingsInput, MaintenanceOutput>(),
  assignPodSecurityPolicy: result<ClusterSettingsInput, PolicyAssignmentOutput>(),
  // A poll that ran out of retries has lost track of the operation, which has not failed for that:
  // the monitor catches it and re-reads the resource (orchestrations/monitor.ts).
  pollArmOperation: throws<PollInput, LroStep<PolledResource>>(),
  deleteOwnedResource: lro<DeleteInput, DeleteOutcome>(),
  seedNamespaceObject: result<KubeStepInput, string>(),
  seedNetworkPolicies: result<KubeStepInput, string[]>(),
  seedWorkloads: result<KubeStepInput, string[]>(),
  checkWorkloadsReady: result<KubeStepInput, ReadinessOutput>(),
  runConnectivityProbes: result<ProbesInput, ProbeOutcome[]>(),
  removeConnectivityProbes: result<ProbesInput, number>(),
  checkClusterAccess: result<AccessChecksInput, ("allowed" | "denied")[]>(),
  reportToPipelines: throws<ReportInput, ReportOutput>(),
  // Updates of an existing cluster (updateCluster).
  submitClusterUpdate: lro<ClusterUpdateInput, ClusterInfo>(),
  ensureAgentPool: lro<AgentPoolInput, AgentPoolOutput>(),
  deleteAgentPool: lro<AgentPoolDeleteInput, AgentPoolOutput>(),
  planKubernetesUpgrade: result<UpgradePlanInput, UpgradePlanOutput>(),
  revokeClusterAccess: result<RevokeAccessInput, RevokeAccessOutput>(),
  pruneKubernetesObjects: result<PruneInput, PruneOutput>(),
  /** One drift check of one cluster: ARM and Kubernetes against the spec (shared/provision/drift.ts). */
  checkDrift: result<DriftCheckInput, DriftObservation>(),
});

/** Every orchestration: the flows (orchestrations/), started by the API or by another flow. */
export const ORCHESTRATION = orchestrations({
  provisionCluster: flow<ProvisionInput, ProvisionOutput>(),
  deprovisionCluster: flow<DeprovisionInput, DeprovisionOutput>(),
  /** A change of an existing cluster (PUT/PATCH), or a drift repair (`reconcile`): instance `<base>-g<generation>`. */
  updateCluster: flow<UpdateInput, ProvisionOutput>(),
  seedNamespace: flow<SeedNamespaceInput, SeedNamespaceOutput>(),
  verifyConnectivity: flow<VerifyInput, VerifyOutput>(),
  notifyPipelines: flow<NotifyPipelinesInput, { reported: boolean }>(),
  /** One held quota slot of a team (quota.ts); it ends with its own input. */
  clusterQuotaSlot: flow<QuotaSlotInput, QuotaSlotInput>(),
  /** One per cluster (`driftInstanceId`), eternal: a drift check per period, then continueAsNew. */
  driftMonitor: flow<DriftMonitorInput, void>(),
});
