// Registers the orchestrators and activities with durable-functions 3.x. Importing this module is
// what makes them exist in the Functions app (functions/index.ts imports it).
import * as df from "durable-functions";
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
import {
  checkWorkloadsReady,
  removeConnectivityProbes,
  runConnectivityProbes,
  seedNamespaceObject,
  seedNetworkPolicies,
  seedWorkloads,
} from "./activities/kube.js";
import { QUOTA_SLOT_ORCHESTRATION } from "../shared/provision/quota.js";
import { reportToPipelinesActivity } from "./activities/callback.js";
import { clusterQuotaSlot } from "./clusterQuotaSlot.js";
import { deprovisionCluster } from "./deprovisionCluster.js";
import { ACTIVITY, ORCHESTRATION } from "./flow.js";
import { notifyPipelines } from "./notifyPipelines.js";
import { provisionCluster } from "./provisionCluster.js";
import { seedNamespace } from "./seedNamespace.js";
import { verifyConnectivity } from "./verifyConnectivity.js";

df.app.orchestration(ORCHESTRATION.provisionCluster, provisionCluster);
df.app.orchestration(ORCHESTRATION.deprovisionCluster, deprovisionCluster);
df.app.orchestration(ORCHESTRATION.seedNamespace, seedNamespace);
df.app.orchestration(ORCHESTRATION.verifyConnectivity, verifyConnectivity);
df.app.orchestration(ORCHESTRATION.notifyPipelines, notifyPipelines);
df.app.orchestration(QUOTA_SLOT_ORCHESTRATION, clusterQuotaSlot);

// Activities receive their input only (not the invocation context): each builds its clients from
// configuration through its default dependencies.
const activities: Record<keyof typeof ACTIVITY, (input: never) => Promise<unknown>> = {
  ensureResourceGroup: (i) => ensureResourceGroup(i),
  ensureVirtualNetwork: (i) => ensureVirtualNetwork(i),
  ensureIdentity: (i) => ensureIdentity(i),
  assignSubnetRole: (i) => assignSubnetRole(i),
  submitClusterCreate: (i) => submitClusterCreate(i),
  getClusterState: (i) => getClusterState(i),
  pollArmOperation: (i) => pollArmOperation(i),
  deleteOwnedResource: (i) => deleteOwnedResource(i),
  seedNamespaceObject: (i) => seedNamespaceObject(i),
  seedNetworkPolicies: (i) => seedNetworkPolicies(i),
  seedWorkloads: (i) => seedWorkloads(i),
  checkWorkloadsReady: (i) => checkWorkloadsReady(i),
  runConnectivityProbes: (i) => runConnectivityProbes(i),
  removeConnectivityProbes: (i) => removeConnectivityProbes(i),
  reportToPipelines: (i) => reportToPipelinesActivity(i),
};
for (const [name, fn] of Object.entries(activities))
  df.app.activity(name, { handler: (input: unknown) => fn(input as never) });

export { ACTIVITY, ORCHESTRATION };
