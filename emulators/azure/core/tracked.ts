// The route set every resource-group-scoped ("tracked") ARM resource has: list by subscription,
// list by resource group, GET, PUT, DELETE, with `{name}` the resource's name.
import { requireResourceGroup, resourceGroupId, type ProviderContext } from "./context.js";
import { resourceNotFound } from "./errors.js";
import type { Params, Route } from "./router.js";
import type { StoredResource } from "./store.js";

/** The id of resource `{name}` of `resourceType` (e.g. "Microsoft.Network/virtualNetworks") in `{rg}`. */
export function trackedId(p: Params, resourceType: string): string {
  return `${resourceGroupId(p["sub"]!, p["rg"]!)}/providers/${resourceType}/${p["name"]!}`;
}

/** The resource `{name}`, or ARM's 404 (ResourceGroupNotFound / ResourceNotFound). */
export function findTracked(ctx: ProviderContext, p: Params, resourceType: string): StoredResource {
  requireResourceGroup(ctx, p["sub"]!, p["rg"]!);
  const r = ctx.store.get(trackedId(p, resourceType));
  if (!r) throw resourceNotFound(resourceType, p["name"]!, p["rg"]!);
  return r;
}

export interface TrackedResource {
  resourceType: string;
  put: Route["handler"];
  remove: Route["handler"];
  /** Wire body of a stored resource (its stored body by default). */
  render?: (r: StoredResource) => unknown;
}

export function trackedRoutes(ctx: ProviderContext, t: TrackedResource): Route[] {
  const { store } = ctx;
  const render = t.render ?? ((r: StoredResource) => r.body);
  const resourceType = t.resourceType;
  const base = `/subscriptions/{sub}/resourcegroups/{rg}/providers/${resourceType}`;
  const ofType = (r: StoredResource) => r.type === resourceType;
  return [
    {
      method: "GET",
      pattern: `/subscriptions/{sub}/providers/${resourceType}`,
      resourceType,
      handler: (_r, p) => ({
        status: 200,
        body: { value: store.under(`/subscriptions/${p["sub"]!}`).filter(ofType).map(render) },
      }),
    },
    {
      method: "GET",
      pattern: base,
      resourceType,
      handler: (_r, p) => {
        const rg = requireResourceGroup(ctx, p["sub"]!, p["rg"]!);
        return { status: 200, body: { value: store.list(rg.id, resourceType).map(render) } };
      },
    },
    {
      method: "GET",
      pattern: `${base}/{name}`,
      resourceType,
      handler: (_r, p) => ({ status: 200, body: render(findTracked(ctx, p, resourceType)) }),
    },
    { method: "PUT", pattern: `${base}/{name}`, resourceType, handler: t.put },
    { method: "DELETE", pattern: `${base}/{name}`, resourceType, handler: t.remove },
  ];
}
