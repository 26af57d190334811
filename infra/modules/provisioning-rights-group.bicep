// provisioning-rights.bicep, resource-group scope: the same two assignments on the clusters' group.

import { roleIds, assignClusterRolesOnly } from 'roles.bicep'

@description('Principal (object) id of the app identity.')
param principalId string

resource contributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, principalId, roleIds.contributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.contributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'aks-vending: create resource groups, networks, identities and AKS clusters'
  }
}

resource networkRoleAssigner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, principalId, roleIds.roleBasedAccessControlAdministrator)
  properties: {
    roleDefinitionId: subscriptionResourceId(
      'Microsoft.Authorization/roleDefinitions',
      roleIds.roleBasedAccessControlAdministrator
    )
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'aks-vending: assign Network Contributor (only) to cluster identities'
    condition: assignClusterRolesOnly
    conditionVersion: '2.0'
  }
}
