// Child process for identity.test.ts: the app's view, configured only by environment variables
// (IDENTITY_ENDPOINT + IDENTITY_HEADER as on App Service, or MSI_ENDPOINT [+ MSI_SECRET];
// NODE_EXTRA_CA_CERTS), exactly as in Azure. AZURE_CLIENT_ID picks a user-assigned identity.
import { DefaultAzureCredential } from "@azure/identity";
import { ResourceManagementClient } from "@azure/arm-resources";

const clientId = process.env["AZURE_CLIENT_ID"];
const credential = new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {});
const client = new ResourceManagementClient(credential, process.env["SUBSCRIPTION_ID"]!, {
  endpoint: process.env["ARM_ENDPOINT"]!,
});
const groups: string[] = [];
for await (const g of client.resourceGroups.list()) groups.push(g.name!);
const token = await credential.getToken("https://management.azure.com/.default");
const oid = (JSON.parse(Buffer.from(token.token.split(".")[1]!, "base64url").toString()) as { oid: string })
  .oid;
console.log(JSON.stringify({ groups, oid, expiresOnTimestamp: token.expiresOnTimestamp }));
