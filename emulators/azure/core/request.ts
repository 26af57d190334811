// Reading an ARM request the way ARM does, for the providers' routes: the body as an object, its
// location, tags and properties, and the provisioning faults that apply to a write.
import type { ProviderContext, ResourceRef } from "./context.js";
import { ArmErrors } from "./errors.js";
import type { FaultCheck } from "./faults.js";
import type { ArmRequest, Params } from "./router.js";
import type { JsonObject } from "./store.js";

/** The request body as an object, or ARM's 400 for anything else. */
export function bodyObject(req: ArmRequest): Record<string, unknown> {
  const b = req.body;
  if (typeof b !== "object" || b === null || Array.isArray(b)) throw ArmErrors.InvalidRequestContent();
  return b as Record<string, unknown>;
}

export function requireLocation(body: Record<string, unknown>): string {
  const loc = body["location"];
  if (typeof loc !== "string" || !loc) throw ArmErrors.LocationRequired();
  return loc.replace(/\s/g, "").toLowerCase();
}

export function tagsOf(body: Record<string, unknown>): JsonObject {
  const tags = body["tags"];
  return typeof tags === "object" && tags !== null ? (tags as JsonObject) : {};
}

export function propertiesOf(body: Record<string, unknown>): Record<string, unknown> {
  return (body["properties"] ?? {}) as Record<string, unknown>;
}

/** `{sub}`, `{rg}` and `{name}` of a resource-group-scoped route. */
export function refOf(p: Params, name = "name"): ResourceRef {
  return { sub: p["sub"]!, rg: p["rg"]!, name: p[name]! };
}

/** The provisioning faults configured for this write of `resourceType`, for the model to ask. */
export function provisioningFault(ctx: ProviderContext, req: ArmRequest, resourceType: string): FaultCheck {
  return () =>
    ctx.faults.provisioning({ method: req.method, path: req.path, operation: "write", resourceType });
}
