// The errors Microsoft.Authorization answers for policy definitions and policy assignments.
import { armErrors } from "../core/errors.js";

export const PolicyErrors = armErrors({
  PolicyDefinitionNotFound: {
    status: 404,
    text: (name: string) => `The policy definition '${name}' could not be found.`,
  },
  PolicySetDefinitionNotFound: {
    status: 404,
    text: (name: string) => `The policy set definition '${name}' could not be found.`,
  },
  PolicyAssignmentNotFound: {
    status: 404,
    text: (name: string) => `The policy assignment '${name}' is not found.`,
  },
  /** A parameter the definition does not declare. */
  UndefinedPolicyParameter: {
    status: 400,
    text: (assignment: string, names: string[], definition: string) =>
      `The policy assignment '${assignment}' has the parameter(s) '${names.join(", ")}' which are not defined in the policy definition '${definition}'.`,
  },
  /** A parameter value outside its allowed values, or not given as { value }. */
  InvalidPolicyParameters: {
    status: 400,
    text: (assignment: string, detail: string) =>
      `The parameters of the policy assignment '${assignment}' are invalid: ${detail}`,
  },
  /** A declared parameter without a default value, not given. */
  MissingPolicyParameter: {
    status: 400,
    text: (assignment: string, name: string) =>
      `The policy assignment '${assignment}' is missing the parameter '${name}', which has no default value.`,
  },
  InvalidRequestContent: {
    status: 400,
    text: (detail: string) => `The request content was invalid and could not be deserialized: ${detail}`,
  },
});
