// Binds an implementation to every declaration of the durable surface (shared/provision/durable.ts)
// and registers them. The maps are typed by the declarations: a missing, extra or mistyped binding
// does not compile, so what is registered is exactly what is declared.
import type { ActivityOptions, OrchestrationHandler } from "durable-functions";
import { grantClusterAccess } from "./activities/access.js";
import { withArmPriorityOf } from "../shared/azure/throttle-gate.js";
import { ACTIVITY, ORCHESTRATION, type InputOf, type OutputOf } from "../shared/provision/durable.js";
import {
  assignSubnetRole,
  deleteOwnedResource,
  ensureIdentity,
  ensureResourceGroup,
  ensureVirtualNetwork,
  getClusterState,
  pollArmOperation,
  submitClusterCreate,
} from "./activities/arm.js";
import { reportToPipelinesActivity } from "./activities/callback.js";
import { assignPodSecurityPolicy, ensureMaintenanceConfigurations } from "./activities/cluster-settings.js";
import {
  checkWorkloadsReady,
  forgetClusterCredentials,
  removeConnectivityProbes,
  checkClusterAccess,
  runConnectivityProbes,
  seedNamespaceObject,
  seedNetworkPolicies,
  seedWorkloads,
} from "./activities/kube.js";
import { clusterQuotaSlot } from "./clusterQuotaSlot.js";
import { checkDrift } from "./activities/drift.js";
import { deprovisionCluster } from "./deprovisionCluster.js";
import { driftMonitor } from "./driftMonitor.js";
import type { Orchestrator } from "./durable.js";
import { notifyPipelines } from "./notifyPipelines.js";
import { provisionCluster } from "./provisionCluster.js";
import { seedNamespace } from "./seedNamespace.js";
import { updateCluster } from "./updateCluster.js";
import { pruneKubernetesObjects } from "./activities/prune.js";
import {
  deleteAgentPool,
  ensureAgentPool,
  planKubernetesUpgrade,
  revokeClusterAccess,
  submitClusterUpdate,
} from "./activities/update.js";
import { verifyConnectivity } from "./verifyConnectivity.js";

type Orchestrations = typeof ORCHESTRATION;
type Activities = typeof ACTIVITY;

/** Every declared orchestration's orchestrator. */
export const ORCHESTRATORS: {
  [K in keyof Orchestrations]: Orchestrator<InputOf<Orchestrations[K]>, OutputOf<Orchestrations[K]>>;
} = {
  provisionCluster,
  deprovisionCluster,
  updateCluster,
  seedNamespace,
  verifyConnectivity,
  notifyPipelines,
  clusterQuotaSlot,
  driftMonitor,
};

/**
 * Every declared activity's function. Activities receive their input only (not the invocation
 * context): each builds its clients from configuration through its default dependencies.
 */
export const ACTIVITIES: {
  [K in keyof Activities]: (input: InputOf<Activities[K]>) => Promise<OutputOf<Activities[K]>>;
} = {
  ensureResourceGroup: (i) => ensureResourceGroup(i),
  ensureVirtualNetwork: (i) => ensureVirtualNetwork(i),
  ensureIdentity: (i) => ensureIdentity(i),
  assignSubnetRole: (i) => assignSubnetRole(i),
  grantClusterAccess: (i) => grantClusterAccess(i),
  submitClusterCreate: (i) => submitClusterCreate(i),
  getClusterState: (i) => getClusterState(i),
  ensureMaintenanceConfigurations: (i) => ensureMaintenanceConfigurations(i),
  assignPodSecurityPolicy: (i) => assignPodSecurityPolicy(i),
  pollArmOperation: (i) => pollArmOperation(i),
  deleteOwnedResource: (i) => {
    // Credentials kept for a cluster that is going away are of no further use to anyone.
    if (i.kind === "cluster") forgetClusterCredentials(i.target);
    return deleteOwnedResource(i);
  },
  seedNamespaceObject: (i) => seedNamespaceObject(i),
  seedNetworkPolicies: (i) => seedNetworkPolicies(i),
  seedWorkloads: (i) => seedWorkloads(i),
  checkWorkloadsReady: (i) => checkWorkloadsReady(i),
  runConnectivityProbes: (i) => runConnectivityProbes(i),
  removeConnectivityProbes: (i) => removeConnectivityProbes(i),
  checkClusterAccess: (i) => checkClusterAccess(i),
  reportToPipelines: (i) => reportToPipelinesActivity(i),
  submitClusterUpdate: (i) => submitClusterUpdate(i),
  ensureAgentPool: (i) => ensureAgentPool(i),
  deleteAgentPool: (i) => deleteAgentPool(i),
  planKubernetesUpgrade: (i) => planKubernetesUpgrade(i),
  revokeClusterAccess: (i) => revokeClusterAccess(i),
  pruneKubernetesObjects: (i) => pruneKubernetesObjects(i),
  checkDrift: (i) => checkDrift(i),
};

/** The part of durable-functions' `df.app` registration uses (a test passes a recorder). */
export interface Registrar {
  orchestration(name: string, handler: OrchestrationHandler): unknown;
  activity(name: string, options: ActivityOptions): unknown;
}

/** Registers every declared orchestration and activity under its declared name. */
export function register(app: Registrar): void {
  for (const [key, orchestration] of Object.entries(ORCHESTRATION))
    app.orchestration(orchestration.name, ORCHESTRATORS[key as keyof Orchestrations]);
  for (const [key, activity] of Object.entries(ACTIVITY)) {
    const run = ACTIVITIES[key as keyof Activities] as (input: unknown) => Promise<unknown>;
    app.activity(activity.name, { handler: (input: unknown) => withArmPriorityOf(input, () => run(input)) });
  }
}
