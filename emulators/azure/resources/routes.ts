// Microsoft.Resources on the wire: subscriptions, resource groups (PUT 201/200, PATCH of tags,
// DELETE 202 + Location at ARM's subscription-level operation results) and a group's resources.
import type { ProviderContext, SubscriptionInfo } from "../core/context.js";
import { bodyObject, requireLocation, tagsOf } from "../core/request.js";
import type { ArmRequest, Params, Route } from "../core/router.js";
import { metadataRoutes } from "./metadata.js";
import { RESOURCE_GROUP_TYPE, ResourceGroups } from "./model.js";

export function resourceGroupRoutes(ctx: ProviderContext): Route[] {
  const groups = new ResourceGroups(ctx);

  const subscriptionBody = (s: SubscriptionInfo) => ({
    id: `/subscriptions/${s.subscriptionId}`,
    subscriptionId: s.subscriptionId,
    tenantId: groups.tenantId,
    displayName: s.displayName,
    state: "Enabled",
    subscriptionPolicies: {
      locationPlacementId: "Public_2014-09-01",
      quotaId: "PayAsYouGo_2014-09-01",
      spendingLimit: "Off",
    },
    authorizationSource: "RoleBased",
  });

  const put = async (req: ArmRequest, p: Params) => {
    const body = bodyObject(req);
    const { group, created } = await groups.createOrUpdate(p["sub"]!, p["rg"]!, {
      location: requireLocation(body),
      tags: tagsOf(body),
    });
    return { status: created ? 201 : 200, body: group.body };
  };

  const patch = (req: ArmRequest, p: Params) => {
    const body = bodyObject(req);
    const group = groups.updateTags(
      p["sub"]!,
      p["rg"]!,
      body["tags"] !== undefined ? tagsOf(body) : undefined,
    );
    return { status: 200, body: group.body };
  };

  const remove = (req: ArmRequest, p: Params) => {
    const op = groups.delete(p["sub"]!, p["rg"]!);
    return { status: 202, headers: ctx.lro.subscriptionResultHeaders(req, op) };
  };

  const listResources = (req: ArmRequest, p: Params) => ({
    status: 200,
    body: {
      value: groups.resources(p["sub"]!, p["rg"], req.query.get("$filter")).map((r) => ({
        id: r.id,
        name: r.body["name"],
        type: r.type,
        location: r.body["location"],
        tags: r.body["tags"] ?? {},
        ...(r.body["identity"] ? { identity: r.body["identity"] } : {}),
        ...(r.body["sku"] ? { sku: r.body["sku"] } : {}),
      })),
    },
  });

  const group = "/subscriptions/{sub}/resourcegroups/{rg}";
  const resourceType = RESOURCE_GROUP_TYPE;
  return [
    ...metadataRoutes(),
    {
      method: "GET",
      pattern: "/subscriptions",
      handler: () => ({
        status: 200,
        body: { value: groups.subscriptions().map(subscriptionBody) },
      }),
    },
    {
      method: "GET",
      pattern: "/subscriptions/{sub}",
      handler: (_r, p) => ({ status: 200, body: subscriptionBody(groups.subscription(p["sub"]!)) }),
    },
    {
      method: "GET",
      pattern: "/subscriptions/{sub}/resourcegroups",
      resourceType,
      handler: (_r, p) => ({ status: 200, body: { value: groups.list(p["sub"]!).map((g) => g.body) } }),
    },
    {
      method: "GET",
      pattern: group,
      resourceType,
      handler: (_r, p) => ({ status: 200, body: groups.get(p["sub"]!, p["rg"]!).body }),
    },
    {
      method: "HEAD",
      pattern: group,
      resourceType,
      handler: (_r, p) => {
        groups.get(p["sub"]!, p["rg"]!);
        return { status: 204 };
      },
    },
    { method: "PUT", pattern: group, resourceType, handler: put },
    { method: "PATCH", pattern: group, resourceType, handler: patch },
    { method: "DELETE", pattern: group, resourceType, handler: remove },
    { method: "GET", pattern: "/subscriptions/{sub}/resources", handler: listResources },
    { method: "GET", pattern: `${group}/resources`, handler: listResources },
  ];
}
