// The errors Microsoft.ContainerService answers for managedClusters. The address rules come from the
// project's own planner (validation.ts), whose problem codes map onto AKS's: DnsServiceIpOutOfServiceCidr,
// ServiceCidrOverlapExistingSubnetsCidr, InsufficientSubnetSize, and InvalidParameter for the rest.
import { armErrors, type ArmErrorDetail, type ErrorText } from "../core/errors.js";

/** A request property AKS rejects: its wire path as the target, the other problems as details. */
const parameter = (message: string, target: string, details?: ArmErrorDetail[]): ErrorText => ({
  message,
  target,
  ...(details ? { details } : {}),
});

export const ContainerServiceErrors = armErrors({
  InvalidParameter: { status: 400, text: parameter },
  DnsServiceIpOutOfServiceCidr: { status: 400, text: parameter },
  ServiceCidrOverlapExistingSubnetsCidr: { status: 400, text: parameter },
  InsufficientSubnetSize: { status: 400, text: parameter },
  MustDefineAtLeastOneSystemPool: {
    status: 400,
    text: () => ({ message: "Must define at least one system pool.", target: "agentPoolProfiles" }),
  },
  K8sVersionNotSupported: {
    status: 400,
    text: (version: string) => ({
      message: `Version ${version} is not supported in this region. Please use [az aks get-versions] command to get the supported version list in this region. For more information, please check https://aka.ms/supported-version-list`,
      target: "kubernetesVersion",
    }),
  },
  /**
   * A control-plane version change off the region's upgrade paths (a skipped minor, a downgrade), or a
   * pool moved down. AKS answers it as OperationNotAllowed, worded as "Troubleshoot AKS upgrade
   * errors" quotes it, but as a 400: unlike the busy 409 it will never succeed by waiting.
   */
  UpgradeNotAllowed: {
    status: 400,
    code: "OperationNotAllowed",
    text: (from: string, to: string, available: string[]) => ({
      message: `Upgrading Kubernetes version ${from} to ${to} is not allowed. Available upgrades: [${available.join(" ")}]. Please see https://aka.ms/supported-version-list for version details.`,
      target: "kubernetesVersion",
    }),
  },
  /** A pool's orchestratorVersion above its control plane's, or too far below it. */
  NodePoolMcVersionIncompatible: {
    status: 400,
    text: (pool: string, poolVersion: string, controlPlane: string, why: string) => ({
      message: `Node pool version ${poolVersion} and control plane version ${controlPlane} are incompatible. ${why} For more information, please check https://aka.ms/version-skew-policy`,
      target: `agentPoolProfiles[${pool}].orchestratorVersion`,
    }),
  },
  SubnetIsFull: {
    status: 400,
    text: (subnetId: string, prefix: string, needed: number, free: number) => ({
      message: `Subnet ${subnetId.split("/").pop()!} with address prefix ${prefix} does not have enough capacity for ${needed} IP addresses (${free} free).`,
      target: "agentPoolProfile.vnetSubnetID",
    }),
  },
  /** A property AKS cannot change in place (`path` as AKS names it, e.g. networkProfile.serviceCidr). */
  PropertyChangeNotAllowed: {
    status: 400,
    text: (path: string) => ({ message: `Changing property '${path}' is not allowed.`, target: path }),
  },
  ServicePrincipalNotFound: {
    status: 400,
    text: (clientId: string) => ({
      message: `The service principal with client id ${clientId} was not found.`,
      target: "servicePrincipalProfile.clientId",
    }),
  },
  /** The cluster identity may not join the node subnet (AKS checks `subnets/join/action`). */
  LinkedAuthorizationFailed: {
    status: 403,
    text: (principalId: string, action: string, scope: string) => ({
      message: `The cluster identity with object id '${principalId}' does not have permission to perform action '${action}' on the linked scope '${scope}'. Grant it a role such as Network Contributor (4d97b98b-1d4f-4787-a291-c67834d212e7) on the subnet, then retry.`,
      target: "agentPoolProfile.vnetSubnetID",
    }),
  },
  /** A write or credential request while another operation runs on the cluster. */
  OperationNotAllowed: {
    status: 409,
    text: (state: string) =>
      `Operation is not allowed because there's an in progress ${state.toLowerCase()} managed cluster operation which will conflict with it. Please wait for the operation to complete before retrying.`,
  },
  /** listClusterAdminCredential of a cluster whose local accounts are disabled. */
  StaticCredentialNotAllowed: {
    status: 400,
    code: "BadRequest",
    text: () =>
      "Getting static credential is not allowed because this cluster is set to disable local accounts.",
  },
  /** disableLocalAccounts on a cluster without AKS-managed Entra ID integration. */
  LocalAccountsNeedAad: {
    status: 400,
    code: "BadRequest",
    text: () => ({
      message:
        "Since kubernetes version 1.25, disableLocalAccounts can only be set on Azure AD integration enabled cluster. Please integrate your cluster with AAD.",
      target: "disableLocalAccounts",
    }),
  },
  /** Credentials of a cluster that never came up. */
  BadRequest: {
    status: 400,
    text: () => "The cluster failed to provision; no credentials are available.",
  },
});
