// The API: a Function App on the Flex Consumption plan (FC1), Node 22, running as the user-assigned
// identity. Storage, Application Insights and the Durable backend are all reached with that identity:
// no connection string with a key, no secret in the settings. The deployment package goes to a blob
// container, also through the identity.

@description('Name of the Function App (its host name is <name>.azurewebsites.net).')
param name string

@description('Name of the Flex Consumption plan.')
param planName string

@description('Azure region.')
param location string

@description('Tags for the resources.')
param tags object

@description('Resource id of the user-assigned identity the app runs as.')
param identityId string

@description('Client id of that identity.')
param identityClientId string

@description('Storage account endpoints (AzureWebJobsStorage, Durable Functions Azure Storage backend).')
param storageEndpoints {
  blob: string
  queue: string
  table: string
}

@description('Table of that account holding Azure DevOps server-job callbacks (AKSV_CALLBACK_TABLE).')
param callbackTableName string

@description('URL of the blob container that receives the deployment package.')
param deploymentContainerUrl string

@description('Application Insights connection string (an identifier; ingestion needs an Entra token).')
param applicationInsightsConnectionString string

@description('Durable Task Scheduler endpoint and task hub; empty endpoint: Azure Storage backend.')
param durableTaskScheduler {
  endpoint: string
  taskHubName: string
}

@description('Settings the app reads (AKSV_*), merged into the app settings.')
param appConfiguration object

@description('Subnet for outbound VNet integration; empty: none.')
param virtualNetworkSubnetId string = ''

@description('Origins browsers may call the API from (a portal); empty: no CORS.')
param corsAllowedOrigins array = []

@description('Memory per instance (MB): 512, 2048 or 4096.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('Upper bound on instances (Flex Consumption scales out to it).')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Task hub name (host.json extensions.durableTask.hubName).')
param hubName string = 'AksVendingHub'

var useScheduler = !empty(durableTaskScheduler.endpoint)

// Identity-based AzureWebJobsStorage: the host builds its clients from these service URIs and the
// identity; queue and table are what the Durable Functions Azure Storage backend uses.
var storageSettings = {
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  AzureWebJobsStorage__blobServiceUri: storageEndpoints.blob
  AzureWebJobsStorage__queueServiceUri: storageEndpoints.queue
  AzureWebJobsStorage__tableServiceUri: storageEndpoints.table
}

var monitoringSettings = {
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
}

// The same package runs on either backend: the Durable Task Scheduler is selected by overriding
// host.json's durableTask storage provider through AzureFunctionsJobHost__* settings.
var schedulerSettings = {
  DURABLE_TASK_SCHEDULER_CONNECTION_STRING: 'Endpoint=${durableTaskScheduler.endpoint};Authentication=ManagedIdentity;ClientID=${identityClientId}'
  AzureFunctionsJobHost__extensions__durableTask__storageProvider__type: 'azureManaged'
  AzureFunctionsJobHost__extensions__durableTask__storageProvider__connectionStringName: 'DURABLE_TASK_SCHEDULER_CONNECTION_STRING'
  AzureFunctionsJobHost__extensions__durableTask__hubName: durableTaskScheduler.taskHubName
}

// Azure DevOps server-job callbacks wait in a table of the app's own account (managed identity;
// Storage Table Data Contributor from app-roles).
var callbackSettings = {
  AKSV_CALLBACK_TABLE_URL: storageEndpoints.table
  AKSV_CALLBACK_TABLE: callbackTableName
}

var azureStorageBackendSettings = {
  AzureFunctionsJobHost__extensions__durableTask__hubName: hubName
}

// @azure/identity's DefaultAzureCredential picks the user-assigned identity by this client id.
var identitySettings = {
  AZURE_CLIENT_ID: identityClientId
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    virtualNetworkSubnetId: empty(virtualNetworkSubnetId) ? null : virtualNetworkSubnetId
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      runtime: {
        name: 'node'
        version: '22'
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      cors: {
        allowedOrigins: corsAllowedOrigins
        supportCredentials: false
      }
    }
  }
}

resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: union(
    appConfiguration,
    storageSettings,
    callbackSettings,
    monitoringSettings,
    useScheduler ? schedulerSettings : azureStorageBackendSettings,
    identitySettings
  )
}

// No publishing passwords: deployments authenticate with Entra ID.
resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

output name string = site.name
output defaultHostName string = site.properties.defaultHostName
