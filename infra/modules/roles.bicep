// Built-in role definition ids used by this deployment, and the ABAC condition that limits what the
// app identity may assign. Imported by the modules that assign roles; deploys nothing itself.

@export()
@description('Built-in Azure role definition ids (the same in every tenant).')
var roleIds = {
  contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c'
  roleBasedAccessControlAdministrator: 'f58310d9-a9f6-439a-9e8d-f62e7b41a168'
  networkContributor: '4d97b98b-1d4f-4787-a291-c67834d212e7'
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
  durableTaskDataContributor: '0ad04412-c4d5-4796-b79c-f76d14c8d402'
}

// "Constrain roles and principal types": role assignments may be created or deleted only for
// Network Contributor (the clusters' identities on their subnets) and Azure Kubernetes Service RBAC
// Cluster Admin (the app's own identity on each cluster it creates, with which it seeds the cluster:
// the clusters have no local accounts), and only for service principals. Any other role (Owner, User
// Access Administrator, ...) or a user or group assignee is denied. The ids are written out so that
// the compiled template states them literally.
@export()
@description('ABAC condition (version 2.0) for Role Based Access Control Administrator: Network Contributor and AKS RBAC Cluster Admin to service principals only.')
var assignClusterRolesOnly = '((!(ActionMatches{\'Microsoft.Authorization/roleAssignments/write\'})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {4d97b98b-1d4f-4787-a291-c67834d212e7, b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b} AND @Request[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {\'ServicePrincipal\'})) AND ((!(ActionMatches{\'Microsoft.Authorization/roleAssignments/delete\'})) OR (@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {4d97b98b-1d4f-4787-a291-c67834d212e7, b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b} AND @Resource[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {\'ServicePrincipal\'}))'

