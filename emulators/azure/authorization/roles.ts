// Built-in role definitions: the ones this project uses, with their real ids and permissions, and
// what an action pattern such as "Microsoft.Network/*" grants.
import { actionMatches } from "../../common/action-pattern.js";
export const ROLE_DEFINITION_TYPE = "Microsoft.Authorization/roleDefinitions";

export interface RoleDefinition {
  id: string;
  roleName: string;
  description: string;
  actions: string[];
  notActions: string[];
  dataActions: string[];
  notDataActions: string[];
}

const role = (
  id: string,
  roleName: string,
  description: string,
  actions: string[],
  notActions: string[] = [],
  dataActions: string[] = [],
  notDataActions: string[] = [],
): RoleDefinition => ({
  id,
  roleName,
  description,
  actions,
  notActions,
  dataActions,
  notDataActions,
});

/** The ARM actions every built-in "Azure Kubernetes Service RBAC …" role carries. */
const AKS_RBAC_ACTIONS = [
  "Microsoft.Authorization/*/read",
  "Microsoft.Resources/subscriptions/operationresults/read",
  "Microsoft.Resources/subscriptions/read",
  "Microsoft.Resources/subscriptions/resourceGroups/read",
];
const MC = "Microsoft.ContainerService/managedClusters";
/** The data actions of "Azure Kubernetes Service RBAC Reader", as Azure lists them. */
const AKS_READER_DATA_ACTIONS = [
  "apps/controllerrevisions/read",
  "apps/daemonsets/read",
  "apps/deployments/read",
  "apps/replicasets/read",
  "apps/statefulsets/read",
  "autoscaling/horizontalpodautoscalers/read",
  "batch/cronjobs/read",
  "batch/jobs/read",
  "configmaps/read",
  "discovery.k8s.io/endpointslices/read",
  "endpoints/read",
  "events.k8s.io/events/read",
  "events/read",
  "extensions/daemonsets/read",
  "extensions/deployments/read",
  "extensions/ingresses/read",
  "extensions/networkpolicies/read",
  "extensions/replicasets/read",
  "limitranges/read",
  "metrics.k8s.io/pods/read",
  "metrics.k8s.io/nodes/read",
  "namespaces/read",
  "networking.k8s.io/ingresses/read",
  "networking.k8s.io/networkpolicies/read",
  "persistentvolumeclaims/read",
  "pods/read",
  "policy/poddisruptionbudgets/read",
  "replicationcontrollers/read",
  "resourcequotas/read",
  "serviceaccounts/read",
  "services/read",
].map((a) => `${MC}/${a}`);
/** The data actions of "Azure Kubernetes Service RBAC Writer", as Azure lists them. */
const AKS_WRITER_DATA_ACTIONS = [
  "apps/controllerrevisions/read",
  "apps/daemonsets/*",
  "apps/deployments/*",
  "apps/replicasets/*",
  "apps/statefulsets/*",
  "autoscaling/horizontalpodautoscalers/*",
  "batch/cronjobs/*",
  "coordination.k8s.io/leases/read",
  "coordination.k8s.io/leases/write",
  "coordination.k8s.io/leases/delete",
  "discovery.k8s.io/endpointslices/read",
  "batch/jobs/*",
  "configmaps/*",
  "endpoints/*",
  "events.k8s.io/events/read",
  "events/*",
  "extensions/daemonsets/*",
  "extensions/deployments/*",
  "extensions/ingresses/*",
  "extensions/networkpolicies/*",
  "extensions/replicasets/*",
  "limitranges/read",
  "metrics.k8s.io/pods/read",
  "metrics.k8s.io/nodes/read",
  "namespaces/read",
  "networking.k8s.io/ingresses/*",
  "networking.k8s.io/networkpolicies/*",
  "persistentvolumeclaims/*",
  "pods/*",
  "policy/poddisruptionbudgets/*",
  "replicationcontrollers/*",
  "resourcequotas/read",
  "secrets/*",
  "serviceaccounts/*",
  "services/*",
].map((a) => `${MC}/${a}`);

export const BUILT_IN_ROLES: readonly RoleDefinition[] = [
  role(
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    "Owner",
    "Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.",
    ["*"],
  ),
  role(
    "b24988ac-6180-42a0-ab88-20f7382dd24c",
    "Contributor",
    "Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC.",
    ["*"],
    [
      "Microsoft.Authorization/*/Delete",
      "Microsoft.Authorization/*/Write",
      "Microsoft.Authorization/elevateAccess/Action",
    ],
  ),
  role(
    "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    "Reader",
    "View all resources, but does not allow you to make any changes.",
    ["*/read"],
  ),
  role(
    "4d97b98b-1d4f-4787-a291-c67834d212e7",
    "Network Contributor",
    "Lets you manage networks, but not access to them.",
    [
      "Microsoft.Authorization/*/read",
      "Microsoft.Insights/alertRules/*",
      "Microsoft.Network/*",
      "Microsoft.ResourceHealth/availabilityStatuses/read",
      "Microsoft.Resources/deployments/*",
      "Microsoft.Resources/subscriptions/resourceGroups/read",
      "Microsoft.Support/*",
    ],
  ),
  role(
    "f1a07417-d97a-45cb-824c-7a7467783830",
    "Managed Identity Operator",
    "Read and Assign User Assigned Identity",
    [
      "Microsoft.ManagedIdentity/userAssignedIdentities/*/read",
      "Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action",
      "Microsoft.Authorization/*/read",
      "Microsoft.Resources/subscriptions/resourceGroups/read",
    ],
  ),
  role(
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
    "User Access Administrator",
    "Lets you manage user access to Azure resources.",
    ["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"],
  ),
  role(
    "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
    "Role Based Access Control Administrator",
    "Manage access to Azure resources by assigning roles using Azure RBAC.",
    [
      "Microsoft.Authorization/roleAssignments/write",
      "Microsoft.Authorization/roleAssignments/delete",
      "*/read",
      "Microsoft.Support/*",
    ],
  ),
  role(
    "0ab0b1a8-8aac-4efd-b8c2-3ee1fb270be8",
    "Azure Kubernetes Service Cluster Admin Role",
    "List cluster admin credential action.",
    [
      "Microsoft.ContainerService/managedClusters/listClusterAdminCredential/action",
      "Microsoft.ContainerService/managedClusters/accessProfiles/listCredential/action",
      "Microsoft.ContainerService/managedClusters/read",
    ],
  ),
  role(
    "4abbcc35-e782-43d8-92c5-2d3f1bd2253f",
    "Azure Kubernetes Service Cluster User Role",
    "List cluster user credential action.",
    [
      "Microsoft.ContainerService/managedClusters/listClusterUserCredential/action",
      "Microsoft.ContainerService/managedClusters/read",
    ],
  ),
  role(
    "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b",
    "Azure Kubernetes Service RBAC Cluster Admin",
    "Lets you manage all resources in the cluster.",
    [...AKS_RBAC_ACTIONS, `${MC}/listClusterUserCredential/action`],
    [],
    [`${MC}/*`],
  ),
  role(
    "3498e952-d568-435e-9b2c-8d77e338d7f7",
    "Azure Kubernetes Service RBAC Admin",
    "Lets you manage all resources under cluster/namespace, except update or delete resource quotas and namespaces.",
    [...AKS_RBAC_ACTIONS, `${MC}/listClusterUserCredential/action`],
    [],
    [`${MC}/*`],
    [
      `${MC}/resourcequotas/write`,
      `${MC}/resourcequotas/delete`,
      `${MC}/namespaces/write`,
      `${MC}/namespaces/delete`,
    ],
  ),
  role(
    "a7ffa36f-339b-4b5c-8bdf-e2c188b2c0eb",
    "Azure Kubernetes Service RBAC Writer",
    "Allows read/write access to most objects in a namespace.This role does not allow viewing or modifying roles or role bindings. However, this role allows accessing Secrets and running Pods as any ServiceAccount in the namespace, so it can be used to gain the API access levels of any ServiceAccount in the namespace. Applying this role at cluster scope will give access across all namespaces.",
    AKS_RBAC_ACTIONS,
    [],
    AKS_WRITER_DATA_ACTIONS,
  ),
  role(
    "7f6c6a51-bcf8-42ba-9220-52d62157d7db",
    "Azure Kubernetes Service RBAC Reader",
    "Allows read-only access to see most objects in a namespace. It does not allow viewing roles or role bindings. This role does not allow viewing Secrets, since reading the contents of Secrets enables access to ServiceAccount credentials in the namespace, which would allow API access as any ServiceAccount in the namespace (a form of privilege escalation). Applying this role at cluster scope will give access across all namespaces.",
    AKS_RBAC_ACTIONS,
    [],
    AKS_READER_DATA_ACTIONS,
  ),
];

export function findRole(roleDefinitionId: string): RoleDefinition | undefined {
  const guid = roleDefinitionId.split("/").pop()?.toLowerCase();
  return BUILT_IN_ROLES.find((r) => r.id === guid);
}

/** Wire body of a role definition as seen from `scope`. */
export function roleDefinitionBody(r: RoleDefinition, scope: string) {
  return {
    id: `${scope === "/" ? "" : scope}/providers/Microsoft.Authorization/roleDefinitions/${r.id}`,
    name: r.id,
    type: ROLE_DEFINITION_TYPE,
    properties: {
      roleName: r.roleName,
      type: "BuiltInRole",
      description: r.description,
      assignableScopes: ["/"],
      permissions: [
        {
          actions: r.actions,
          notActions: r.notActions,
          dataActions: r.dataActions,
          notDataActions: r.notDataActions,
        },
      ],
    },
  };
}

export function grants(r: RoleDefinition, action: string): boolean {
  return (
    r.actions.some((a) => actionMatches(a, action)) && !r.notActions.some((a) => actionMatches(a, action))
  );
}
