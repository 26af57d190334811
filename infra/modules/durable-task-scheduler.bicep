// Durable Task Scheduler (the managed Durable Functions backend), used when durableBackend is
// 'DurableTaskScheduler'. The app reaches it with its managed identity (Durable Task Data Contributor).

@description('Name of the scheduler.')
param name string

@description('Name of the task hub.')
param taskHubName string

@description('Azure region.')
param location string

@description('Tags for the resources.')
param tags object

@description('Scheduler SKU.')
@allowed(['Consumption', 'Dedicated'])
param skuName string = 'Consumption'

@description('Networks allowed to reach the scheduler endpoint (identity is still required).')
param ipAllowlist string[] = ['0.0.0.0/0']

resource scheduler 'Microsoft.DurableTask/schedulers@2025-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    ipAllowlist: ipAllowlist
    sku: {
      name: skuName
    }
  }
}

resource taskHub 'Microsoft.DurableTask/schedulers/taskHubs@2025-11-01' = {
  parent: scheduler
  name: taskHubName
}

output name string = scheduler.name
output endpoint string = scheduler.properties.endpoint
output taskHubName string = taskHub.name
