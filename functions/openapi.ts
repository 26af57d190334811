import { app, type HttpResponseInit } from "@azure/functions";
import { openApiDocument } from "../shared/spec/openapi.js";

const VERSION = "0.1.0";

app.http("openapi", {
  route: "openapi.json",
  methods: ["GET"],
  authLevel: "anonymous",
  handler: async (): Promise<HttpResponseInit> => ({ status: 200, jsonBody: openApiDocument(VERSION) }),
});
