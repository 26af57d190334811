// Microsoft.Network virtualNetworks and subnets: PUT answers 201 + Azure-AsyncOperation while
// provisioningState is "Updating"; DELETE answers 202 + Location. A VNet PUT replaces its subnets
// (as the real API does: subnets left out of the body are deleted).
import { findTracked, trackedId, trackedRoutes } from "../core/tracked.js";
import { randomUUID } from "node:crypto";
import {
  bodyObject,
  requireLocation,
  requireResourceGroup,
  removeTree,
  tagsOf,
  type ProviderContext,
} from "../core/context.js";
import { ArmError } from "../core/errors.js";
import type { Operation } from "../core/store.js";
import type { ArmRequest, ArmResponse, Params, Route } from "../core/router.js";
import type { JsonObject, StoredResource } from "../core/store.js";
import {
  SUBNET_TYPE,
  VNET_TYPE,
  assertSubnetUnused,
  checkAddressSpace,
  checkSubnets,
  parsePrefix,
  subnetPrefix,
} from "./model.js";

const CREATE = "network/create";
const DELETE = "network/delete";
const etag = () => `W/"${randomUUID()}"`;

function setState(resource: StoredResource, state: string): void {
  (resource.body["properties"] as JsonObject)["provisioningState"] = state;
}

export function networkRoutes(ctx: ProviderContext): Route[] {
  const { store, lro } = ctx;

  ctx.lro.register(CREATE, async (op) => {
    const state = op.failWith ? "Failed" : "Succeeded";
    for (const r of [store.get(op.resourceId), ...store.under(op.resourceId)])
      if (r) {
        setState(r, state);
        store.put(r);
      }
    return op.failWith ? { status: "Failed", error: op.failWith } : { status: "Succeeded" };
  });
  ctx.lro.register(DELETE, async (op) => {
    await removeTree(ctx, op.resourceId);
    return { status: "Succeeded" };
  });

  const vnetId = (p: Params) => trackedId(p, VNET_TYPE);
  const findVnet = (p: Params) => findTracked(ctx, p, VNET_TYPE);
  const findSubnet = (p: Params) => {
    const v = findVnet(p);
    const s = store.get(`${v.id}/subnets/${p["subnet"]!}`);
    if (!s) throw new ArmError(404, "NotFound", `Resource ${v.id}/subnets/${p["subnet"]!} not found.`);
    return s;
  };

  const renderVnet = (v: StoredResource) => ({
    ...v.body,
    properties: {
      ...(v.body["properties"] as JsonObject),
      subnets: store.list(v.id, SUBNET_TYPE).map((s) => s.body),
      virtualNetworkPeerings: [],
      enableDdosProtection: false,
    },
  });

  const busy = (id: string) => {
    if (lro.active(id).length > 0)
      throw new ArmError(
        409,
        "AnotherOperationInProgress",
        `Another operation on this or dependent resource is in progress. To retrieve status of the operation use uri: ${id}.`,
      );
  };

  const start = (
    req: ArmRequest,
    p: Params,
    resourceId: string,
    location: string,
    seconds: number,
    kind: Operation["kind"],
    failWith?: { code: string; message: string },
  ) =>
    lro.start({
      subscriptionId: p["sub"]!,
      providerNamespace: "Microsoft.Network",
      location,
      resourceId,
      handler: kind === "delete" ? DELETE : CREATE,
      kind,
      durationSeconds: seconds,
      ...(failWith ? { failWith } : {}),
    });

  const subnetBody = (id: string, name: string, prefix: string, state: string): StoredResource => ({
    id,
    type: SUBNET_TYPE,
    body: {
      id,
      name,
      etag: etag(),
      type: SUBNET_TYPE,
      properties: {
        provisioningState: state,
        addressPrefix: prefix,
        delegations: [],
        privateEndpointNetworkPolicies: "Disabled",
        privateLinkServiceNetworkPolicies: "Enabled",
      },
    },
    internal: {},
  });

  const putVnet = async (req: ArmRequest, p: Params): Promise<ArmResponse> => {
    requireResourceGroup(ctx, p["sub"]!, p["rg"]!, true);
    const id = vnetId(p);
    const existing = store.get(id);
    busy(id);
    const body = bodyObject(req);
    const location = requireLocation(body);
    const props = (body["properties"] ?? {}) as Record<string, unknown>;
    const space = checkAddressSpace(
      id,
      (props["addressSpace"] as { addressPrefixes?: unknown } | undefined)?.addressPrefixes,
    );
    const rawSubnets = Array.isArray(props["subnets"]) ? (props["subnets"] as Record<string, unknown>[]) : [];
    const subnets = rawSubnets.map((s, i) => {
      const name = s["name"];
      if (typeof name !== "string" || !name)
        throw new ArmError(
          400,
          "InvalidRequestFormat",
          "Cannot parse the request: every subnet needs a name.",
          `properties.subnets[${i}].name`,
        );
      const sp = (s["properties"] ?? {}) as Record<string, unknown>;
      const sid = `${existing?.id ?? id}/subnets/${name}`;
      return {
        id: sid,
        name,
        prefix: parsePrefix(sp["addressPrefix"], sid, `properties.subnets[${i}].properties.addressPrefix`),
      };
    });
    checkSubnets(id, space, subnets);
    // Subnets not in the body are deleted; one in use makes the whole PUT fail.
    const keep = new Set(subnets.map((s) => s.id.toLowerCase()));
    const dropped = existing
      ? store.list(existing.id, SUBNET_TYPE).filter((s) => !keep.has(s.id.toLowerCase()))
      : [];
    for (const s of dropped) assertSubnetUnused(store, s.id);
    const { failWith, factor } = ctx.faults.provisioning({
      method: req.method,
      path: req.path,
      operation: "write",
      resourceType: VNET_TYPE,
    });
    for (const s of dropped) await removeTree(ctx, s.id);

    const vid = existing?.id ?? id;
    const vnet: StoredResource = {
      id: vid,
      type: VNET_TYPE,
      body: {
        id: vid,
        name: (existing?.body["name"] as string | undefined) ?? p["name"]!,
        type: VNET_TYPE,
        location,
        tags: tagsOf(body) as JsonObject,
        etag: etag(),
        properties: {
          provisioningState: "Updating",
          resourceGuid:
            (existing?.body["properties"] as JsonObject | undefined)?.["resourceGuid"] ?? randomUUID(),
          addressSpace: { addressPrefixes: space.map((c) => c.text) },
        },
      },
      internal: {},
    };
    store.put(vnet);
    for (const s of subnets) store.put(subnetBody(s.id, s.name, s.prefix.text, "Updating"));
    const op = start(
      req,
      p,
      vid,
      location,
      ctx.latency.virtualNetworkCreate * factor,
      existing ? "update" : "create",
      failWith,
    );
    return {
      status: existing ? 200 : 201,
      body: renderVnet(vnet),
      headers: { "Azure-AsyncOperation": lro.asyncOperationUrl(req, op) },
    };
  };

  const putSubnet = async (req: ArmRequest, p: Params): Promise<ArmResponse> => {
    requireResourceGroup(ctx, p["sub"]!, p["rg"]!, true);
    const vnet = findVnet(p);
    const id = `${vnet.id}/subnets/${p["subnet"]!}`;
    busy(vnet.id);
    busy(id);
    const existing = store.get(id);
    const body = bodyObject(req);
    const props = (body["properties"] ?? {}) as Record<string, unknown>;
    const prefix = parsePrefix(props["addressPrefix"], id, "properties.addressPrefix");
    const space = (
      vnet.body["properties"] as { addressSpace: { addressPrefixes: string[] } }
    ).addressSpace.addressPrefixes.map((t) => parsePrefix(t, vnet.id, "addressSpace"));
    const siblings = store
      .list(vnet.id, SUBNET_TYPE)
      .filter((s) => s.id.toLowerCase() !== id.toLowerCase())
      .map((s) => ({ id: s.id, prefix: parsePrefix(subnetPrefix(s), s.id, "addressPrefix") }));
    checkSubnets(vnet.id, space, [...siblings, { id, prefix }]);
    if (existing && subnetPrefix(existing) !== prefix.text) assertSubnetUnused(store, existing.id);
    const { failWith, factor } = ctx.faults.provisioning({
      method: req.method,
      path: req.path,
      operation: "write",
      resourceType: SUBNET_TYPE,
    });
    const subnet = subnetBody(
      existing?.id ?? id,
      (existing?.body["name"] as string | undefined) ?? p["subnet"]!,
      prefix.text,
      "Updating",
    );
    store.put(subnet);
    const op = start(
      req,
      p,
      subnet.id,
      vnet.body["location"] as string,
      ctx.latency.subnetCreate * factor,
      existing ? "update" : "create",
      failWith,
    );
    return {
      status: existing ? 200 : 201,
      body: subnet.body,
      headers: { "Azure-AsyncOperation": lro.asyncOperationUrl(req, op) },
    };
  };

  const deleteOf =
    (find: (p: Params) => StoredResource, subnetsOf: (r: StoredResource) => StoredResource[]) =>
    async (req: ArmRequest, p: Params): Promise<ArmResponse> => {
      let r: StoredResource;
      try {
        r = find(p);
      } catch (e) {
        if (e instanceof ArmError && e.status === 404 && e.code !== "ResourceGroupNotFound")
          return { status: 204 };
        throw e;
      }
      busy(r.id);
      for (const s of subnetsOf(r)) assertSubnetUnused(store, s.id);
      setState(r, "Deleting");
      store.put(r);
      const location =
        (r.body["location"] as string | undefined) ??
        (store.get(r.id.replace(/\/subnets\/[^/]+$/i, ""))?.body["location"] as string);
      const op = start(req, p, r.id, location, ctx.latency.networkDelete, "delete");
      return { status: 202, headers: lro.headers(req, op) };
    };

  const base = "/subscriptions/{sub}/resourcegroups/{rg}/providers/Microsoft.Network/virtualNetworks";
  return [
    ...trackedRoutes(ctx, {
      resourceType: VNET_TYPE,
      render: renderVnet,
      put: putVnet,
      remove: deleteOf(findVnet, (v) => store.list(v.id, SUBNET_TYPE)),
    }),
    {
      method: "GET",
      pattern: `${base}/{name}/subnets`,
      resourceType: SUBNET_TYPE,
      handler: (_r, p) => ({
        status: 200,
        body: { value: store.list(findVnet(p).id, SUBNET_TYPE).map((s) => s.body) },
      }),
    },
    {
      method: "GET",
      pattern: `${base}/{name}/subnets/{subnet}`,
      resourceType: SUBNET_TYPE,
      handler: (_r, p) => ({ status: 200, body: findSubnet(p).body }),
    },
    {
      method: "PUT",
      pattern: `${base}/{name}/subnets/{subnet}`,
      resourceType: SUBNET_TYPE,
      handler: putSubnet,
    },
    {
      method: "DELETE",
      pattern: `${base}/{name}/subnets/{subnet}`,
      resourceType: SUBNET_TYPE,
      handler: deleteOf(findSubnet, (s) => [s]),
    },
  ];
}
