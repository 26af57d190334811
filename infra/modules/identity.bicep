// The app's user-assigned managed identity: reaches storage, monitoring and (optionally) the Durable
// Task Scheduler, and provisions clusters in the target scope.

@description('Name of the user-assigned identity.')
param name string

@description('Azure region.')
param location string

@description('Tags for the resource.')
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output resourceId string = identity.id
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
