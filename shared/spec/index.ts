export * from "./schema.js";
export * from "./validate.js";
export { SPEC_DEFAULTS, LIMITS } from "./defaults.js";
export { defaultDenyPolicyName, workloadLabels } from "./rules/namespaces.js";
