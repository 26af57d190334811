// The ARM emulator's error catalogue: every code it answers, with its status, named once per provider.
import { test } from "node:test";
import assert from "node:assert/strict";
import { AuthorizationErrors } from "../../../emulators/azure/authorization/errors.js";
import { ContainerServiceErrors } from "../../../emulators/azure/containerservice/errors.js";
import { ArmError, ArmErrors } from "../../../emulators/azure/core/errors.js";
import { IdentityErrors } from "../../../emulators/azure/identity/errors.js";
import { ManagedIdentityErrors } from "../../../emulators/azure/managedidentity/errors.js";
import { NetworkErrors } from "../../../emulators/azure/network/errors.js";
import { ResourcesErrors } from "../../../emulators/azure/resources/errors.js";

const catalogues = {
  ArmErrors,
  ResourcesErrors,
  NetworkErrors,
  ManagedIdentityErrors,
  AuthorizationErrors,
  ContainerServiceErrors,
  IdentityErrors,
};

test("each named error keeps ARM's code and status", () => {
  const actual = Object.fromEntries(
    Object.entries(catalogues).map(([catalogue, errors]) => [
      catalogue,
      Object.fromEntries(Object.entries(errors).map(([name, f]) => [name, `${f.status} ${f.code}`])),
    ]),
  );
  assert.deepEqual(actual, {
    ArmErrors: {
      SubscriptionNotFound: "404 SubscriptionNotFound",
      ResourceGroupNotFound: "404 ResourceGroupNotFound",
      ResourceGroupBeingDeleted: "409 ResourceGroupBeingDeleted",
      ResourceNotFound: "404 ResourceNotFound",
      InvalidRequestContent: "400 InvalidRequestContent",
      LocationRequired: "400 LocationRequired",
      RequestEntityTooLarge: "413 RequestEntityTooLarge",
      MethodNotAllowed: "405 MethodNotAllowed",
      InvalidResourceType: "404 InvalidResourceType",
      MissingApiVersionParameter: "400 MissingApiVersionParameter",
      OperationNotFound: "404 OperationNotFound",
      InternalServerError: "500 InternalServerError",
    },
    ResourcesErrors: {
      InvalidResourceGroupName: "400 InvalidResourceGroupName",
      InvalidResourceGroupLocation: "409 InvalidResourceGroupLocation",
      InvalidFilterInQueryString: "400 InvalidFilterInQueryString",
    },
    NetworkErrors: {
      InvalidAddressPrefixFormat: "400 InvalidAddressPrefixFormat",
      InvalidCIDRNotation: "400 InvalidCIDRNotation",
      InvalidRequestFormat: "400 InvalidRequestFormat",
      VnetAddressSpacesOverlap: "400 VnetAddressSpacesOverlap",
      NetcfgSubnetRangeOutsideVnet: "400 NetcfgSubnetRangeOutsideVnet",
      NetcfgSubnetRangesOverlap: "400 NetcfgSubnetRangesOverlap",
      InUseSubnetCannotBeDeleted: "400 InUseSubnetCannotBeDeleted",
      AnotherOperationInProgress: "409 AnotherOperationInProgress",
      NotFound: "404 NotFound",
    },
    ManagedIdentityErrors: { InvalidResourceName: "400 InvalidResourceName" },
    AuthorizationErrors: {
      InvalidScope: "400 InvalidScope",
      InvalidRoleAssignmentId: "400 InvalidRoleAssignmentId",
      RoleDefinitionDoesNotExist: "400 RoleDefinitionDoesNotExist",
      RoleDefinitionNotFound: "404 RoleDefinitionDoesNotExist",
      InvalidPrincipalId: "400 InvalidPrincipalId",
      InvalidPrincipalType: "400 InvalidPrincipalType",
      RoleAssignmentUpdateNotPermitted: "400 RoleAssignmentUpdateNotPermitted",
      RoleAssignmentExists: "409 RoleAssignmentExists",
      PrincipalNotFound: "400 PrincipalNotFound",
      RoleAssignmentNotFound: "404 RoleAssignmentNotFound",
    },
    ContainerServiceErrors: {
      InvalidParameter: "400 InvalidParameter",
      DnsServiceIpOutOfServiceCidr: "400 DnsServiceIpOutOfServiceCidr",
      ServiceCidrOverlapExistingSubnetsCidr: "400 ServiceCidrOverlapExistingSubnetsCidr",
      InsufficientSubnetSize: "400 InsufficientSubnetSize",
      MustDefineAtLeastOneSystemPool: "400 MustDefineAtLeastOneSystemPool",
      K8sVersionNotSupported: "400 K8sVersionNotSupported",
      UpgradeNotAllowed: "400 OperationNotAllowed",
      NodePoolMcVersionIncompatible: "400 NodePoolMcVersionIncompatible",
      SubnetIsFull: "400 SubnetIsFull",
      PropertyChangeNotAllowed: "400 PropertyChangeNotAllowed",
      ServicePrincipalNotFound: "400 ServicePrincipalNotFound",
      LinkedAuthorizationFailed: "403 LinkedAuthorizationFailed",
      OperationNotAllowed: "409 OperationNotAllowed",
      StaticCredentialNotAllowed: "400 BadRequest",
      LocalAccountsNeedAad: "400 BadRequest",
      BadRequest: "400 BadRequest",
    },
    IdentityErrors: {
      AuthenticationFailed: "401 AuthenticationFailed",
      ExpiredAuthenticationToken: "401 ExpiredAuthenticationToken",
      InvalidAuthenticationToken: "401 InvalidAuthenticationToken",
      InvalidAuthenticationTokenAudience: "401 InvalidAuthenticationTokenAudience",
    },
  });
});

test("a factory builds the ArmError the server writes: body, target, details and headers", () => {
  const e = ArmErrors.ResourceGroupNotFound("rg1");
  assert.ok(e instanceof ArmError);
  assert.deepEqual(e.toBody(), {
    error: { code: "ResourceGroupNotFound", message: "Resource group 'rg1' could not be found." },
  });
  assert.deepEqual(
    ArmErrors.ResourceNotFound("/subscriptions/s/x").toBody().error.message,
    "The Resource '/subscriptions/s/x' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
  );
  const details = [{ code: "InvalidParameter", message: "m2", target: "t2" }];
  assert.deepEqual(ContainerServiceErrors.DnsServiceIpOutOfServiceCidr("m1", "t1", details).toBody(), {
    error: { code: "DnsServiceIpOutOfServiceCidr", message: "m1", target: "t1", details },
  });
  const challenge = { "WWW-Authenticate": "Bearer" };
  const auth = IdentityErrors.InvalidAuthenticationToken(challenge);
  assert.equal(auth.status, 401);
  assert.deepEqual(auth.headers, challenge);
  assert.equal(AuthorizationErrors.RoleDefinitionNotFound("x").code, "RoleDefinitionDoesNotExist");
});
