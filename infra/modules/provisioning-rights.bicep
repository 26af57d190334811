// The app identity's rights to provision clusters, on the target subscription or on one resource
// group of it: Contributor (resource groups, VNets, identities, AKS) and Role Based Access Control
// Administrator limited by an ABAC condition to assigning Network Contributor to service principals.
// Not Owner, not User Access Administrator.
targetScope = 'subscription'

import { roleIds, assignClusterRolesOnly } from 'roles.bicep'

@description('Principal (object) id of the app identity.')
param principalId string

@description('Resource group clusters go into (created here); empty: the whole subscription.')
param resourceGroupName string = ''

@description('Azure region of that resource group.')
param location string

@description('Tags for that resource group.')
param tags object

var resourceGroupScope = !empty(resourceGroupName)

resource contributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!resourceGroupScope) {
  name: guid(subscription().id, principalId, roleIds.contributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.contributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'aks-vending: create resource groups, networks, identities and AKS clusters'
  }
}

resource networkRoleAssigner 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!resourceGroupScope) {
  name: guid(subscription().id, principalId, roleIds.roleBasedAccessControlAdministrator)
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

resource clustersGroup 'Microsoft.Resources/resourceGroups@2024-03-01' = if (resourceGroupScope) {
  name: resourceGroupName
  location: location
  tags: tags
}

module groupRights 'provisioning-rights-group.bicep' = if (resourceGroupScope) {
  name: 'aksv-provisioning-rights-group'
  scope: clustersGroup
  params: {
    principalId: principalId
  }
}

@description('The scope the rights were granted on.')
output scopeId string = resourceGroupScope ? clustersGroup.id : subscription().id
