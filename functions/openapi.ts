import { app, type HttpResponseInit } from "@azure/functions";
import { openApiDocument } from "../shared/api/openapi.js";
import { APP_VERSION } from "../shared/api/version.js";
import { appConfig, type AuthConfig } from "../shared/config/index.js";

/**
 * The API's OpenAPI document (generated from the zod schemas, see shared/api/openapi.ts), with how
 * to sign in. Clients (the CLI's login and dev-token, portals) discover the issuer from
 * `components.securitySchemes.entra` and the audience to ask tokens for from its
 * `x-aks-vending-audience`; keep that shape.
 */
export function apiDocument(auth?: AuthConfig): Record<string, unknown> {
  return openApiDocument({
    version: APP_VERSION,
    ...(auth ? { signIn: { metadataUrl: auth.metadataUrl, audience: auth.audiences[0]! } } : {}),
  });
}

/** Generating the document takes tens of milliseconds: once per process (the settings do not change). */
let served: Record<string, unknown> | undefined;

app.http("openapi", {
  route: "openapi.json",
  methods: ["GET"],
  authLevel: "anonymous",
  handler: async (): Promise<HttpResponseInit> => {
    served ??= apiDocument(appConfig().auth);
    return { status: 200, jsonBody: served };
  },
});
