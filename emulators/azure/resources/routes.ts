// Microsoft.Resources: subscriptions (a configured list) and resource groups. Resource-group create
// is synchronous in ARM; delete is a long-running operation that removes everything inside.
import {
  bodyObject,
  delay,
  removeTree,
  requireLocation,
  resourceGroupId,
  subscriptionOf,
  tagsOf,
  type ProviderContext,
} from "../core/context.js";
import { ArmError, resourceGroupNotFound } from "../core/errors.js";
import type { ArmRequest, Params, Route } from "../core/router.js";
import type { JsonObject, StoredResource } from "../core/store.js";

const RG_TYPE = "Microsoft.Resources/resourceGroups";
// ARM: 1-90 letters, digits, '_', '-', '.', '(' and ')', not ending in '.'.
const RG_NAME = /^[-\p{L}\p{N}_.()]{0,89}[-\p{L}\p{N}_()]$/u;
const DELETE_HANDLER = "resources/resourceGroupDelete";

function stateOf(rg: StoredResource): string {
  return (rg.body["properties"] as { provisioningState: string }).provisioningState;
}

export function resourceGroupRoutes(ctx: ProviderContext): Route[] {
  const { store } = ctx;

  ctx.lro.register(DELETE_HANDLER, async (op) => {
    await removeTree(ctx, op.resourceId);
    return { status: "Succeeded" };
  });

  const find = (p: Params) => {
    const sub = subscriptionOf(ctx, p["sub"]!).subscriptionId;
    const rg = store.get(resourceGroupId(sub, p["rg"]!));
    if (!rg) throw resourceGroupNotFound(p["rg"]!);
    return rg;
  };

  const put = async (req: ArmRequest, p: Params) => {
    const sub = subscriptionOf(ctx, p["sub"]!).subscriptionId;
    const name = p["rg"]!;
    if (!RG_NAME.test(name))
      throw new ArmError(
        400,
        "InvalidResourceGroupName",
        `The resource group name '${name}' is invalid. It must be 1-90 letters, digits, '_', '-', '.', '(' or ')', and not end in '.'.`,
      );
    const body = bodyObject(req);
    const location = requireLocation(body);
    const existing = store.get(resourceGroupId(sub, name));
    if (existing) {
      if (stateOf(existing) === "Deleting")
        throw new ArmError(
          409,
          "ResourceGroupBeingDeleted",
          `The resource group '${existing.body["name"] as string}' is in deprovisioning state and cannot perform this operation.`,
        );
      if (existing.body["location"] !== location)
        throw new ArmError(
          409,
          "InvalidResourceGroupLocation",
          `Invalid resource group location '${location}'. The Resource group already exists in location '${existing.body["location"] as string}'.`,
        );
    }
    await delay(ctx, ctx.latency.resourceGroupWrite);
    const id = existing?.id ?? resourceGroupId(sub, name);
    const rg: StoredResource = {
      id,
      type: RG_TYPE,
      body: {
        id,
        name: (existing?.body["name"] as string | undefined) ?? name,
        type: RG_TYPE,
        location,
        tags: tagsOf(body) as JsonObject,
        properties: { provisioningState: "Succeeded" },
      },
      internal: {},
    };
    store.put(rg);
    return { status: existing ? 200 : 201, body: rg.body };
  };

  const patch = async (req: ArmRequest, p: Params) => {
    const rg = find(p);
    const body = bodyObject(req);
    if (body["tags"] !== undefined) rg.body["tags"] = tagsOf(body) as JsonObject;
    store.put(rg);
    return { status: 200, body: rg.body };
  };

  const remove = async (req: ArmRequest, p: Params) => {
    const rg = find(p);
    if (stateOf(rg) !== "Deleting") {
      (rg.body["properties"] as JsonObject)["provisioningState"] = "Deleting";
      store.put(rg);
      const hasCluster = store
        .under(rg.id)
        .some((r) => r.type.toLowerCase() === "microsoft.containerservice/managedclusters");
      const op = ctx.lro.start({
        subscriptionId: p["sub"]!,
        providerNamespace: "Microsoft.Resources",
        location: rg.body["location"] as string,
        resourceId: rg.id,
        handler: DELETE_HANDLER,
        kind: "delete",
        durationSeconds: Math.max(
          ctx.latency.resourceGroupDelete,
          hasCluster ? ctx.latency.clusterDelete : 0,
        ),
      });
      rg.internal["deleteOperation"] = op.id;
    }
    const opId = rg.internal["deleteOperation"] as string;
    return {
      status: 202,
      headers: {
        Location: `${req.baseUrl}/subscriptions/${p["sub"]!}/operationresults/${opId}?api-version=${encodeURIComponent(req.apiVersion)}`,
      },
    };
  };

  const subscriptionBody = (s: { subscriptionId: string; displayName: string }) => ({
    id: `/subscriptions/${s.subscriptionId}`,
    subscriptionId: s.subscriptionId,
    tenantId: ctx.tenantId,
    displayName: s.displayName,
    state: "Enabled",
    subscriptionPolicies: {
      locationPlacementId: "Public_2014-09-01",
      quotaId: "PayAsYouGo_2014-09-01",
      spendingLimit: "Off",
    },
    authorizationSource: "RoleBased",
  });

  const rgType = RG_TYPE;
  return [
    {
      method: "GET",
      pattern: "/subscriptions",
      handler: () => ({ status: 200, body: { value: ctx.subscriptions.map(subscriptionBody) } }),
    },
    {
      method: "GET",
      pattern: "/subscriptions/{sub}",
      handler: (_r, p) => ({ status: 200, body: subscriptionBody(subscriptionOf(ctx, p["sub"]!)) }),
    },
    {
      method: "GET",
      pattern: "/subscriptions/{sub}/resourcegroups",
      resourceType: rgType,
      handler: (_r, p) => {
        const sub = subscriptionOf(ctx, p["sub"]!).subscriptionId;
        return {
          status: 200,
          body: { value: store.list(`/subscriptions/${sub}`, RG_TYPE).map((r) => r.body) },
        };
      },
    },
    {
      method: "GET",
      pattern: "/subscriptions/{sub}/resourcegroups/{rg}",
      resourceType: rgType,
      handler: (_r, p) => ({ status: 200, body: find(p).body }),
    },
    {
      method: "HEAD",
      pattern: "/subscriptions/{sub}/resourcegroups/{rg}",
      resourceType: rgType,
      handler: (_r, p) => {
        find(p);
        return { status: 204 };
      },
    },
    {
      method: "PUT",
      pattern: "/subscriptions/{sub}/resourcegroups/{rg}",
      resourceType: rgType,
      handler: put,
    },
    {
      method: "PATCH",
      pattern: "/subscriptions/{sub}/resourcegroups/{rg}",
      resourceType: rgType,
      handler: patch,
    },
    {
      method: "DELETE",
      pattern: "/subscriptions/{sub}/resourcegroups/{rg}",
      resourceType: rgType,
      handler: remove,
    },
    {
      method: "GET",
      pattern: "/subscriptions/{sub}/resourcegroups/{rg}/resources",
      handler: (_r, p) => {
        const rg = find(p);
        const top = store
          .under(rg.id)
          .filter((r) =>
            /^\/subscriptions\/[^/]+\/resourcegroups\/[^/]+\/providers\/[^/]+\/[^/]+\/[^/]+$/i.test(r.id),
          )
          .filter((r) => !/\/providers\/Microsoft\.Authorization\//i.test(r.id));
        return {
          status: 200,
          body: {
            value: top.map((r) => ({
              id: r.id,
              name: r.body["name"],
              type: r.type,
              location: r.body["location"],
              tags: r.body["tags"] ?? {},
            })),
          },
        };
      },
    },
  ];
}
