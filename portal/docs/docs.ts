// The API reference page: Swagger UI (swagger-ui-dist, served from this origin) on the app's own
// OpenAPI document. Kept in a file rather than an inline script so the page's CSP needs no 'unsafe-inline' script.
declare const SwaggerUIBundle: (options: Record<string, unknown>) => unknown;

SwaggerUIBundle({
  url: "/api/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  // Requests from "Try it out" need a token: paste one from `aks-vending dev-token` or the portal.
  persistAuthorization: false,
});
