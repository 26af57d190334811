import { app, type HttpResponseInit } from "@azure/functions";
import { appConfig, type AuthConfig } from "../shared/config/index.js";
import { openApiDocument } from "../shared/spec/openapi.js";
import { clusterApiPaths, clusterApiSchemas } from "./openapi-paths.js";

const VERSION = "0.1.0";

/**
 * The whole API description: the generated request schema plus the cluster API's paths, and how to
 * sign in. Clients (the CLI's login and dev-token, portals) discover the issuer from
 * `components.securitySchemes.entra` and the audience to ask tokens for from its
 * `x-aks-vending-audience`; keep that shape.
 */
export function apiDocument(auth?: AuthConfig): Record<string, unknown> {
  const doc = openApiDocument(VERSION, clusterApiPaths);
  const components = doc["components"] as { schemas: Record<string, unknown>; securitySchemes?: unknown };
  components.schemas = { ...components.schemas, ...clusterApiSchemas };
  if (auth) {
    components.securitySchemes = {
      entra: {
        type: "openIdConnect",
        openIdConnectUrl: auth.metadataUrl,
        description: "An Entra ID (locally: the Azure emulator's) access token for the API's audience",
        "x-aks-vending-audience": auth.audiences[0],
      },
    };
    doc["security"] = [{ entra: [] }];
  }
  doc["servers"] = [{ url: "/api" }];
  return doc;
}

app.http("openapi", {
  route: "openapi.json",
  methods: ["GET"],
  authLevel: "anonymous",
  handler: async (): Promise<HttpResponseInit> => ({ status: 200, jsonBody: apiDocument(appConfig().auth) }),
});
