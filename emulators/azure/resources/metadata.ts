// ARM's cloud metadata, `GET /metadata/endpoints`: what `az cloud register --endpoint-resource-manager`
// reads to learn a cloud's login endpoint and token audience (msrestazure asks api-version 2015-01-01;
// newer clients ask 2019-05-01 and later, which answer a list of clouds).
//
// The login endpoint is the emulator's own `/adfs` authority, as Azure Stack Hub's ADFS clouds publish
// theirs: MSAL Python (az 2.45 ships msal 1.21) checks any authority host it does not know with
// login.microsoftonline.com's instance discovery, which a local stack cannot answer, except an ADFS
// authority, which it trusts as configured and reads directly at `<authority>/.well-known/
// openid-configuration` (answered by identity/routes.ts). az then ignores `--tenant` for the authority;
// the tokens still carry the emulator's tenant, and the subscriptions list names it.
import { ArmErrors } from "../core/errors.js";
import type { ArmRequest, ArmResponse, Route } from "../core/router.js";

/** The cloud name the array shape (2019-05-01 and later) gives. */
export const LOCAL_CLOUD_NAME = "AksVendingLocal";

/** The login endpoint (authority) az and MSAL use against the emulator. */
export function loginEndpoint(baseUrl: string): string {
  return `${baseUrl}/adfs`;
}

/** Tokens for the emulator's own URL are ARM tokens (the issuer accepts that audience). */
function audiences(baseUrl: string): string[] {
  return [`${baseUrl}/`];
}

/** api-version 2015-01-01 (and anything before 2019-05-01): one object for the cloud answering. */
export function endpointsV2015(baseUrl: string) {
  return {
    galleryEndpoint: `${baseUrl}/`,
    graphEndpoint: "https://graph.windows.net/",
    portalEndpoint: `${baseUrl}/`,
    authentication: { loginEndpoint: loginEndpoint(baseUrl), audiences: audiences(baseUrl) },
  };
}

/** api-version 2019-05-01 and later (2022-09-01): a list of clouds, each with its suffixes. */
export function endpointsV2019(baseUrl: string) {
  return [
    {
      portal: `${baseUrl}/`,
      authentication: {
        loginEndpoint: loginEndpoint(baseUrl),
        audiences: audiences(baseUrl),
        tenant: "adfs",
        identityProvider: "ADFS",
      },
      media: "https://rest.media.azure.net",
      graphAudience: "https://graph.windows.net/",
      graph: "https://graph.windows.net/",
      name: LOCAL_CLOUD_NAME,
      suffixes: {
        acrLoginServer: "azurecr.io",
        keyVaultDns: "vault.azure.net",
        sqlServerHostname: "database.windows.net",
        storage: "core.windows.net",
      },
      batch: "https://batch.core.windows.net/",
      resourceManager: `${baseUrl}/`,
      vmImageAliasDoc:
        "https://raw.githubusercontent.com/Azure/azure-rest-api-specs/master/arm-compute/quickstart-templates/aliases.json",
      activeDirectoryDataLake: "https://datalake.azure.net/",
      sqlManagement: "https://management.core.windows.net:8443/",
      microsoftGraphResourceId: "https://graph.microsoft.com/",
    },
  ];
}

function endpoints(req: ArmRequest): ArmResponse {
  if (!req.apiVersion) throw ArmErrors.MissingApiVersionParameter();
  const body = req.apiVersion < "2019-05-01" ? endpointsV2015(req.baseUrl) : endpointsV2019(req.baseUrl);
  return { status: 200, body };
}

/** Served without a token: clients read it before they can sign in. */
export function metadataRoutes(): Route[] {
  return [{ method: "GET", anonymous: true, pattern: "/metadata/endpoints", handler: endpoints }];
}
