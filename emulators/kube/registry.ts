// Every kind this API server serves, in discovery order.
import { deployments } from "./apps/v1/deployments.js";
import { replicaSets } from "./apps/v1/replicasets.js";
import { jobs } from "./batch/v1/jobs.js";
import type { Kind } from "./context.js";
import { configMaps } from "./core/v1/configmaps.js";
import { events } from "./core/v1/events.js";
import { namespaces } from "./core/v1/namespaces.js";
import { nodes } from "./core/v1/nodes.js";
import { pods } from "./core/v1/pods.js";
import { secrets } from "./core/v1/secrets.js";
import { serviceAccounts } from "./core/v1/serviceaccounts.js";
import { endpoints, services } from "./core/v1/services.js";
import { groupVersion } from "./machinery/kinds.js";
import { networkPolicies } from "./networking/v1/networkpolicies.js";
import { endpointSlices } from "./discovery/v1/endpointslices.js";
import { selfSubjectReviews } from "./authentication/v1/selfsubjectreviews.js";
import {
  selfSubjectAccessReviews,
  selfSubjectRulesReviews,
  subjectAccessReviews,
} from "./authorization/v1/reviews.js";

export const KINDS: readonly Kind[] = [
  namespaces,
  pods,
  services,
  endpoints,
  configMaps,
  secrets,
  serviceAccounts,
  nodes,
  events,
  networkPolicies,
  deployments,
  replicaSets,
  jobs,
  endpointSlices,
  selfSubjectReviews,
  selfSubjectAccessReviews,
  selfSubjectRulesReviews,
  subjectAccessReviews,
];

/** The kind served at `/api/v1` or `/apis/{group}/{version}` under `plural`. */
export function findKind(gv: string, plural: string): Kind | undefined {
  return KINDS.find((k) => groupVersion(k) === gv && k.plural === plural);
}
