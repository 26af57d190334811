// Microsoft.Network virtualNetworks and subnets on the wire: PUT answers 201 (200 for an update) +
// Azure-AsyncOperation while provisioningState is "Updating"; DELETE answers 202 + Location, 204 when
// there is nothing to delete.
import type { ProviderContext } from "../core/context.js";
import {
  bodyObject,
  propertiesOf,
  provisioningFault,
  refOf,
  requireLocation,
  tagsOf,
} from "../core/request.js";
import type { ArmRequest, ArmResponse, Params, Route } from "../core/router.js";
import type { Operation } from "../core/store.js";
import { trackedRoutes } from "../core/tracked.js";
import { SUBNET_TYPE, VNET_TYPE, VirtualNetworks, type Started } from "./model.js";

export function networkRoutes(ctx: ProviderContext): Route[] {
  const { lro } = ctx;
  const vnets = new VirtualNetworks(ctx);

  const started = (req: ArmRequest, s: Started): ArmResponse => ({
    status: s.created ? 201 : 200,
    body: s.resource.type === VNET_TYPE ? vnets.view(s.resource) : s.resource.body,
    headers: lro.asyncHeaders(req, s.operation),
  });
  const deleting = (req: ArmRequest, op: Operation | undefined): ArmResponse =>
    op ? { status: 202, headers: lro.headers(req, op) } : { status: 204 };

  const putVnet = async (req: ArmRequest, p: Params) => {
    const body = bodyObject(req);
    const props = propertiesOf(body);
    const subnets = Array.isArray(props["subnets"]) ? (props["subnets"] as Record<string, unknown>[]) : [];
    const result = await vnets.createOrUpdate(
      refOf(p),
      {
        location: requireLocation(body),
        tags: tagsOf(body),
        addressPrefixes: (props["addressSpace"] as { addressPrefixes?: unknown } | undefined)
          ?.addressPrefixes,
        subnets: subnets.map((s) => ({ name: s["name"], addressPrefix: propertiesOf(s)["addressPrefix"] })),
      },
      provisioningFault(ctx, req, VNET_TYPE),
    );
    return started(req, result);
  };

  const putSubnet = async (req: ArmRequest, p: Params) => {
    const props = propertiesOf(bodyObject(req));
    return started(
      req,
      await vnets.createOrUpdateSubnet(
        refOf(p),
        p["subnet"]!,
        props["addressPrefix"],
        provisioningFault(ctx, req, SUBNET_TYPE),
      ),
    );
  };

  const subnets =
    "/subscriptions/{sub}/resourcegroups/{rg}/providers/Microsoft.Network/virtualNetworks/{name}/subnets";
  return [
    ...trackedRoutes(ctx, {
      resourceType: VNET_TYPE,
      render: (v) => vnets.view(v),
      put: putVnet,
      remove: (req, p) => deleting(req, vnets.delete(refOf(p))),
    }),
    {
      method: "GET",
      pattern: subnets,
      resourceType: SUBNET_TYPE,
      handler: (_r, p) => ({
        status: 200,
        body: { value: vnets.subnets(vnets.get(refOf(p))).map((s) => s.body) },
      }),
    },
    {
      method: "GET",
      pattern: `${subnets}/{subnet}`,
      resourceType: SUBNET_TYPE,
      handler: (_r, p) => ({ status: 200, body: vnets.subnet(refOf(p), p["subnet"]!).body }),
    },
    { method: "PUT", pattern: `${subnets}/{subnet}`, resourceType: SUBNET_TYPE, handler: putSubnet },
    {
      method: "DELETE",
      pattern: `${subnets}/{subnet}`,
      resourceType: SUBNET_TYPE,
      handler: (req, p) => deleting(req, vnets.deleteSubnet(refOf(p), p["subnet"]!)),
    },
  ];
}
