// Every /api path no other function serves (`/api`, `/api/nope`, a method a route does not take):
// the ARM-style JSON 404 the rest of the API answers with, naming where the routes are described,
// instead of the host's empty 404. The Functions host orders routes literal segments first, then
// parameters, and the catch-all `{*path}` after every route it could shadow (Azure's
// WebJobsRouteBuilder; emulators/functions-host/http/route-template.ts does the same).
import { app, type HttpRequest, type HttpResponseInit } from "@azure/functions";
import type { ArmErrorBody } from "../shared/validation/problems.js";

export function routeNotFound(method: string, path: string): HttpResponseInit {
  const body: ArmErrorBody = {
    error: {
      code: "RouteNotFound",
      message: `the API has no route ${method} /api${path ? `/${path}` : ""}; its routes are described in /api/openapi.json (clusters under /api/clusters, liveness at /api/health)`,
      details: [],
    },
  };
  return { status: 404, jsonBody: body };
}

app.http("routeNotFound", {
  route: "{*path}",
  // Every method (the library's default is GET and POST): a PUT on /api/clusters lands here too.
  methods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
  authLevel: "anonymous",
  handler: async (request: HttpRequest) => routeNotFound(request.method, request.params["path"] ?? ""),
});
