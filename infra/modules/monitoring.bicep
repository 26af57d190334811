// Log Analytics workspace and workspace-based Application Insights with local (key) authentication
// disabled: telemetry is accepted only with an Entra token (the app identity's Monitoring Metrics
// Publisher role, APPLICATIONINSIGHTS_AUTHENTICATION_STRING).

@description('Name of the Log Analytics workspace.')
param logAnalyticsName string

@description('Name of the Application Insights component.')
param applicationInsightsName string

@description('Azure region.')
param location string

@description('Tags for the resources.')
param tags object

@description('Days of log retention.')
param retentionInDays int = 30

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
    features: {
      disableLocalAuth: true
    }
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    DisableLocalAuth: true
  }
}

output applicationInsightsName string = applicationInsights.name
// The connection string identifies the component; with DisableLocalAuth it cannot ingest without an
// Entra token, so it is not a secret.
output connectionString string = applicationInsights.properties.ConnectionString
