// The errors Microsoft.Authorization answers for role definitions and role assignments.
import { armErrors } from "../core/errors.js";

export const AuthorizationErrors = armErrors({
  InvalidScope: {
    status: 400,
    text: (scope: string) => `The scope '${scope}' is not valid for role assignments.`,
  },
  InvalidRoleAssignmentId: {
    status: 400,
    text: (name: string) =>
      `The role assignment ID '${name}' is not valid. The role assignment ID must be a GUID.`,
  },
  /** An assignment names a role that does not exist. */
  RoleDefinitionDoesNotExist: {
    status: 400,
    text: (id: string) => `The specified role definition with ID '${id}' does not exist.`,
  },
  /** GET of a role definition that does not exist: the same code, as a 404. */
  RoleDefinitionNotFound: {
    status: 404,
    code: "RoleDefinitionDoesNotExist",
    text: (id: string) => `The role definition '${id}' could not be found.`,
  },
  InvalidPrincipalId: {
    status: 400,
    text: () => "A valid principal ID must be provided for role assignment.",
  },
  InvalidPrincipalType: {
    status: 400,
    text: (type: string) => `The principal type '${type}' is not valid.`,
  },
  RoleAssignmentUpdateNotPermitted: {
    status: 400,
    text: () => "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.",
  },
  RoleAssignmentExists: {
    status: 409,
    text: (existing: string) =>
      `The role assignment already exists. The ID of the existing role assignment is ${existing}.`,
  },
  /** A principal younger than the directory's replication delay, assigned without principalType. */
  PrincipalNotFound: {
    status: 400,
    text: (principalId: string, tenantId: string) =>
      `Principal ${principalId.replace(/-/g, "")} does not exist in the directory ${tenantId}. Check that you have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay. In this case, set the role assignment principalType property to a value, such as ServicePrincipal, User, or Group.  See https://aka.ms/docs-principaltype`,
  },
  RoleAssignmentNotFound: {
    status: 404,
    text: (name: string) => `The role assignment '${name}' is not found.`,
  },
});
