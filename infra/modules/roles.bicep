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
// Network Contributor to service principals (the clusters' identities on their subnets), and for
// the four built-in Azure Kubernetes Service RBAC roles (Cluster Admin, Admin, Writer, Reader) to
// users, groups and service principals: the app's own identity on each cluster it creates (with
// which it seeds the cluster: the clusters have no local accounts) and the teams' grants of a
// request's `access`. Any other role (Owner, User Access Administrator, ...) is denied. The ids are
// written out so that the compiled template states them literally.
@export()
@description('ABAC condition (version 2.0) for Role Based Access Control Administrator: Network Contributor to service principals, the AKS RBAC roles to users, groups and service principals.')
var assignClusterRolesOnly = '((!(ActionMatches{\'Microsoft.Authorization/roleAssignments/write\'})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {4d97b98b-1d4f-4787-a291-c67834d212e7} AND @Request[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {\'ServicePrincipal\'}) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b, 3498e952-d568-435e-9b2c-8d77e338d7f7, a7ffa36f-339b-4b5c-8bdf-e2c188b2c0eb, 7f6c6a51-bcf8-42ba-9220-52d62157d7db} AND @Request[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {\'User\', \'Group\', \'ServicePrincipal\'})) AND ((!(ActionMatches{\'Microsoft.Authorization/roleAssignments/delete\'})) OR (@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {4d97b98b-1d4f-4787-a291-c67834d212e7} AND @Resource[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {\'ServicePrincipal\'}) OR (@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b, 3498e952-d568-435e-9b2c-8d77e338d7f7, a7ffa36f-339b-4b5c-8bdf-e2c188b2c0eb, 7f6c6a51-bcf8-42ba-9220-52d62157d7db} AND @Resource[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {\'User\', \'Group\', \'ServicePrincipal\'}))'
