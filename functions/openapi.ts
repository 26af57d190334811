import { app, type HttpResponseInit } from "@azure/functions";
import { openApiDocument } from "../shared/spec/openapi.js";
import { clusterApiPaths, clusterApiSchemas } from "./openapi-paths.js";

const VERSION = "0.1.0";

/** The whole API description: the generated request schema plus the cluster API's paths. */
export function apiDocument(): Record<string, unknown> {
  const doc = openApiDocument(VERSION, clusterApiPaths);
  const components = doc["components"] as { schemas: Record<string, unknown> };
  components.schemas = { ...components.schemas, ...clusterApiSchemas };
  doc["servers"] = [{ url: "/api" }];
  return doc;
}

app.http("openapi", {
  route: "openapi.json",
  methods: ["GET"],
  authLevel: "anonymous",
  handler: async (): Promise<HttpResponseInit> => ({ status: 200, jsonBody: apiDocument() }),
});
