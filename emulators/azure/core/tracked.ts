// What every resource-group-scoped ("tracked") ARM resource shares: its id, its lookup with ARM's
// 404s, the envelope of its body, and its route set (list by subscription, list by resource group,
// GET, PUT, DELETE, with `{name}` the resource's name).
import { requireResourceGroup, resourceGroupId, type ProviderContext, type ResourceRef } from "./context.js";
import { ArmErrors } from "./errors.js";
import { refOf } from "./request.js";
import type { Route } from "./router.js";
import type { JsonObject, StoredResource } from "./store.js";

/** The id of resource `ref.name` of `resourceType` (e.g. "Microsoft.Network/virtualNetworks"). */
export function trackedId(ref: ResourceRef, resourceType: string): string {
  return `${resourceGroupId(ref.sub, ref.rg)}/providers/${resourceType}/${ref.name}`;
}

/** The resource, or ARM's 404 (ResourceGroupNotFound / ResourceNotFound). */
export function findTracked(ctx: ProviderContext, ref: ResourceRef, resourceType: string): StoredResource {
  const r = findTrackedOrNone(ctx, ref, resourceType);
  if (!r) throw ArmErrors.ResourceNotFound(`${resourceType}/${ref.name}`, ref.rg);
  return r;
}

/** The resource or undefined; its resource group must exist (DELETE of an absent resource is 204). */
export function findTrackedOrNone(
  ctx: ProviderContext,
  ref: ResourceRef,
  resourceType: string,
): StoredResource | undefined {
  requireResourceGroup(ctx, ref.sub, ref.rg);
  return ctx.store.get(trackedId(ref, resourceType));
}

/** A resource's new body after a PUT: an existing one keeps the casing of its id and name. */
export function newResource(
  existing: StoredResource | undefined,
  target: { id: string; name: string; type: string },
  body: { location: string; tags: JsonObject } & JsonObject,
): StoredResource {
  const id = existing?.id ?? target.id;
  const name = (existing?.body["name"] as string | undefined) ?? target.name;
  const { location, tags, ...rest } = body;
  return {
    id,
    type: target.type,
    body: { id, name, type: target.type, location, tags, ...rest },
    internal: {},
  };
}

/** newResource for resource `ref.name` of `resourceType` in a resource group. */
export function trackedResource(
  existing: StoredResource | undefined,
  ref: ResourceRef,
  type: string,
  body: { location: string; tags: JsonObject } & JsonObject,
): StoredResource {
  return newResource(existing, { id: trackedId(ref, type), name: ref.name, type }, body);
}

export interface TrackedRoutes {
  resourceType: string;
  put: Route["handler"];
  remove: Route["handler"];
  /** Wire body of a stored resource at the request's api-version (its stored body by default). */
  render?: (r: StoredResource, apiVersion: string) => unknown;
}

export function trackedRoutes(ctx: ProviderContext, t: TrackedRoutes): Route[] {
  const { store } = ctx;
  const view = t.render ?? ((r: StoredResource) => r.body);
  const resourceType = t.resourceType;
  const base = `/subscriptions/{sub}/resourcegroups/{rg}/providers/${resourceType}`;
  const ofType = (r: StoredResource) => r.type === resourceType;
  return [
    {
      method: "GET",
      pattern: `/subscriptions/{sub}/providers/${resourceType}`,
      resourceType,
      handler: (req, p) => ({
        status: 200,
        body: {
          value: store
            .under(`/subscriptions/${p["sub"]!}`)
            .filter(ofType)
            .map((r) => view(r, req.apiVersion)),
        },
      }),
    },
    {
      method: "GET",
      pattern: base,
      resourceType,
      handler: (req, p) => {
        const rg = requireResourceGroup(ctx, p["sub"]!, p["rg"]!);
        return {
          status: 200,
          body: { value: store.list(rg.id, resourceType).map((r) => view(r, req.apiVersion)) },
        };
      },
    },
    {
      method: "GET",
      pattern: `${base}/{name}`,
      resourceType,
      handler: (req, p) => ({
        status: 200,
        body: view(findTracked(ctx, refOf(p), resourceType), req.apiVersion),
      }),
    },
    { method: "PUT", pattern: `${base}/{name}`, resourceType, handler: t.put },
    { method: "DELETE", pattern: `${base}/{name}`, resourceType, handler: t.remove },
  ];
}
