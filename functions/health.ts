// GET /api/health: anonymous liveness for probes and newcomers. It says only that the app answers and
// which version it runs: no setting, no dependency check, nothing a caller could learn the
// deployment from (a dependency's outage shows on the routes that need it, as 503).
import { app, type HttpResponseInit } from "@azure/functions";
import type { Health } from "../shared/api/schemas.js";
import { APP_VERSION } from "../shared/api/version.js";

export function health(): HttpResponseInit {
  const body: Health = { status: "ok", version: APP_VERSION };
  return { status: 200, headers: { "Cache-Control": "no-store" }, jsonBody: body };
}

app.http("health", {
  route: "health",
  methods: ["GET"],
  authLevel: "anonymous",
  handler: async () => health(),
});
