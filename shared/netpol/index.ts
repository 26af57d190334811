// The NetworkPolicy engine (networking.k8s.io/v1): compile once, evaluate and explain many times.
// No Kubernetes client in here: callers hand over plain objects. See README.md for the semantics.
export * from "./types.js";
export { compileCluster, compileValidated, type ClusterDefinition } from "./cluster.js";
export {
  NAMESPACE_NAME_LABEL,
  NetworkPolicyObjectSchema,
  PodInputSchema,
  validateClusterInput,
  validateNetworkPolicyObject,
  validatePod,
  type ValidClusterInput,
  type ValidNetworkPolicy,
  type ValidPod,
} from "./input.js";
export { renderMatrix } from "./render.js";
export { NetworkPolicySpecSchema, defaultNetworkPolicySpec } from "./policy-schema.js";
