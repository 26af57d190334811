// aks-vending in Azure: the API as a Flex Consumption Function App (Node 22) running as a
// user-assigned identity, with identity-only storage and monitoring, a Durable Functions backend
// (Azure Storage by default, Durable Task Scheduler by parameter), optional private networking, and
// the identity's least-privilege rights to provision clusters in the target scope. `azd up` deploys it.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; seeds resource names and the resource group name.')
param environmentName string

@minLength(1)
@description('Region of the app and its resources (one that offers Flex Consumption).')
@metadata({ azd: { type: 'location' } })
param location string

@description('Resource group for the app; empty: rg-<environmentName>.')
param resourceGroupName string = ''

@minLength(36)
@maxLength(36)
@description('Application (client) id of the API\'s Entra app registration (app roles Clusters.Admin, Clusters.Write, Clusters.Read).')
param apiAppId string

@description('Token audience the API accepts; empty: the app registration\'s client id (v2 access tokens).')
param apiAudience string = ''

@description('Subscription clusters are created in; empty: the deployment\'s subscription.')
param targetSubscriptionId string = ''

@description('Where the app identity may provision: the whole target subscription, or one resource group of it.')
@allowed(['subscription', 'resourceGroup'])
param provisioningScope string = 'subscription'

@description('Resource group clusters go into when provisioningScope is resourceGroup; empty: rg-<environmentName>-clusters.')
param clustersResourceGroupName string = ''

@description('Region for clusters whose request names none; empty: the app\'s region.')
param clusterDefaultLocation string = ''

@description('Team mapping: group object id (or app role value) in the caller\'s token → team name.')
param teamMap object = {}

@description('Azure DevOps server jobs (AzureFunction@2): pipeline app client id → { roles, teams } (pipelines/README.md).')
param pipelineCallers object = {}

@description('Origins a portal calls the API from, comma-separated (e.g. https://portal.contoso.com); empty: none.')
param corsAllowedOrigins string = ''

@description('Durable Functions backend.')
@allowed(['AzureStorage', 'DurableTaskScheduler'])
param durableBackend string = 'AzureStorage'

@description('VNet integration for the app and private endpoints for storage (public access to storage disabled).')
param privateNetworking bool = false

var tags = { 'azd-env-name': environmentName, application: 'aks-vending' }
var token = toLower(uniqueString(subscription().id, environmentName, location))
var appName = 'func-aksv-${token}'
var useScheduler = durableBackend == 'DurableTaskScheduler'
var clustersSubscriptionId = empty(targetSubscriptionId) ? subscription().subscriptionId : targetSubscriptionId
var clustersGroupName = provisioningScope == 'resourceGroup'
  ? (empty(clustersResourceGroupName) ? 'rg-${environmentName}-clusters' : clustersResourceGroupName)
  : ''

resource appGroup 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: empty(resourceGroupName) ? 'rg-${environmentName}' : resourceGroupName
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'aksv-identity'
  scope: appGroup
  params: {
    name: 'id-aksv-${token}'
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'aksv-monitoring'
  scope: appGroup
  params: {
    logAnalyticsName: 'log-aksv-${token}'
    applicationInsightsName: 'appi-aksv-${token}'
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'aksv-storage'
  scope: appGroup
  params: {
    name: 'staksv${token}'
    location: location
    tags: tags
    deploymentContainerName: 'app-package'
    privateNetworking: privateNetworking
    callbackTableName: 'pipelinecallbacks'
  }
}

module network 'modules/network.bicep' = if (privateNetworking) {
  name: 'aksv-network'
  scope: appGroup
  params: {
    name: 'vnet-aksv-${token}'
    location: location
    tags: tags
    storageAccountName: storage.outputs.name
  }
}

module scheduler 'modules/durable-task-scheduler.bicep' = if (useScheduler) {
  name: 'aksv-durable-task-scheduler'
  scope: appGroup
  params: {
    name: 'dts-aksv-${token}'
    taskHubName: 'aksvending'
    location: location
    tags: tags
  }
}

module appRoles 'modules/app-roles.bicep' = {
  name: 'aksv-app-roles'
  scope: appGroup
  params: {
    principalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    schedulerName: useScheduler ? scheduler!.outputs.name : ''
  }
}

module provisioningRights 'modules/provisioning-rights.bicep' = {
  name: 'aksv-provisioning-rights-${token}'
  scope: subscription(clustersSubscriptionId)
  params: {
    principalId: identity.outputs.principalId
    resourceGroupName: clustersGroupName
    location: location
    tags: tags
  }
}

// What the app reads (README "Configuration"). Issuer: Entra ID v2 endpoint of this tenant.
var appConfiguration = {
  AKSV_AUTH_ISSUER: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
  AKSV_AUTH_AUDIENCE: empty(apiAudience) ? apiAppId : apiAudience
  AKSV_TARGET_SUBSCRIPTION_ID: clustersSubscriptionId
  AKSV_DEFAULT_LOCATION: empty(clusterDefaultLocation) ? location : clusterDefaultLocation
  AKSV_TEAM_MAP: string(teamMap)
  AKSV_PIPELINE_CALLERS: string(pipelineCallers)
  // The Node worker's old generation is capped: what it keeps alive is small (tens of MB), and
  // without a cap V8 lets garbage from bursts of provisions grow the process by MBs per provision
  // (bench/README.md, "Memory"). Node reads NODE_OPTIONS; app settings are the worker's environment.
  NODE_OPTIONS: '--max-old-space-size=384'
}

var resourceGroupScopeConfiguration = {
  AKSV_TARGET_RESOURCE_GROUP: clustersGroupName
}

module functionApp 'modules/function-app.bicep' = {
  name: 'aksv-function-app'
  scope: appGroup
  params: {
    name: appName
    planName: 'plan-aksv-${token}'
    location: location
    tags: tags
    identityId: identity.outputs.resourceId
    identityClientId: identity.outputs.clientId
    storageEndpoints: {
      blob: storage.outputs.blobEndpoint
      queue: storage.outputs.queueEndpoint
      table: storage.outputs.tableEndpoint
    }
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    callbackTableName: storage.outputs.callbackTableName
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    durableTaskScheduler: {
      endpoint: useScheduler ? scheduler!.outputs.endpoint : ''
      taskHubName: useScheduler ? scheduler!.outputs.taskHubName : ''
    }
    appConfiguration: union(appConfiguration, empty(clustersGroupName) ? {} : resourceGroupScopeConfiguration)
    virtualNetworkSubnetId: privateNetworking ? network!.outputs.appSubnetId : ''
    corsAllowedOrigins: filter(map(split(corsAllowedOrigins, ','), o => trim(o)), o => !empty(o))
  }
  // The host starts with its identity: give it its storage and monitoring roles first.
  dependsOn: [appRoles]
}

@description('Base URL of the API: POST {API_BASE_URL}/clusters.')
output API_BASE_URL string = 'https://${functionApp.outputs.defaultHostName}/api'
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_RESOURCE_GROUP string = appGroup.name
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
@description('Resource id of the app\'s user-assigned identity.')
output APP_IDENTITY_RESOURCE_ID string = identity.outputs.resourceId
@description('Client id of the app\'s identity (AZURE_CLIENT_ID in the app).')
output APP_IDENTITY_CLIENT_ID string = identity.outputs.clientId
@description('Principal (object) id of the app\'s identity: holder of the provisioning rights.')
output APP_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
@description('Scope on which the identity may create clusters and assign Network Contributor.')
output PROVISIONING_SCOPE_ID string = provisioningRights.outputs.scopeId
