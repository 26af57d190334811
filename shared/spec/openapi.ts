// OpenAPI 3.1 components generated from the zod schemas, so portals can generate clients from the
// same definitions the API validates with. Paths are added by the HTTP API (functions/).
import { z } from "zod";
import { ClusterSpecSchema } from "./schema.js";

function component(schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema, {
    io: "input",
    target: "draft-2020-12",
    unrepresentable: "any",
  }) as Record<string, unknown>;
  delete json["$schema"];
  return json;
}

export const ProblemJsonSchema = {
  type: "object",
  required: ["path", "code", "message"],
  properties: {
    path: { type: "string", description: 'Where in the document, e.g. "network.dnsServiceIp"' },
    code: { type: "string", description: "Stable, machine-readable code" },
    message: { type: "string", description: "What is wrong and what to do" },
  },
} as const;

export function openApiComponents(): Record<string, unknown> {
  return {
    schemas: {
      ClusterSpec: {
        ...component(ClusterSpecSchema),
        description: "A request for one AKS cluster (see examples/seed-tutorial.json)",
      },
      Problem: ProblemJsonSchema,
      ErrorResponse: {
        type: "object",
        required: ["error"],
        properties: {
          error: {
            type: "object",
            required: ["code", "message"],
            properties: {
              code: { type: "string" },
              message: { type: "string" },
              details: { type: "array", items: { $ref: "#/components/schemas/Problem" } },
            },
          },
        },
      },
    },
  };
}

/** The OpenAPI document; `paths` grows with the HTTP API. */
export function openApiDocument(
  version: string,
  paths: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    openapi: "3.1.0",
    info: {
      title: "aks-vending",
      version,
      description: "Self-service AKS clusters: one request, a verified, locked-down cluster.",
    },
    paths,
    components: openApiComponents(),
  };
}
