// Virtual networks and subnets: the address rules Microsoft.Network enforces, with its error codes,
// and their lifecycle. PUTs run as long-running operations with provisioningState "Updating"; a VNet
// PUT replaces its subnets (as the real API does: subnets left out of the body are deleted).
import { randomUUID } from "node:crypto";
import { contains, overlaps, parseCidr, type Cidr } from "../../../shared/network/cidr.js";
import {
  removeTree,
  requireResourceGroup,
  setProvisioningState,
  type ProviderContext,
  type ResourceRef,
} from "../core/context.js";
import { NO_FAULT, type FaultCheck } from "../core/faults.js";
import type { JsonObject, Operation, Store, StoredResource } from "../core/store.js";
import { findTracked, findTrackedOrNone, trackedId, trackedResource } from "../core/tracked.js";
import { NetworkErrors } from "./errors.js";

export const VNET_TYPE = "Microsoft.Network/virtualNetworks";
export const SUBNET_TYPE = "Microsoft.Network/virtualNetworks/subnets";
export const CLUSTER_TYPE = "Microsoft.ContainerService/managedClusters";
const CREATE = "network/create";
const DELETE = "network/delete";

export interface SubnetProperties {
  provisioningState: string;
  addressPrefix: string;
  delegations: unknown[];
  privateEndpointNetworkPolicies: string;
  privateLinkServiceNetworkPolicies: string;
}

export function parsePrefix(text: unknown, what: string, target: string): Cidr {
  const p = typeof text === "string" ? parseCidr(text) : undefined;
  if (!p || !p.ok) throw NetworkErrors.InvalidAddressPrefixFormat(text, what, target);
  if (p.hostBitsSet)
    throw NetworkErrors.InvalidCIDRNotation(
      text as string,
      what,
      `${p.cidr.network.toString()}/${p.cidr.prefix}`,
      target,
    );
  return p.cidr;
}

/** Checks a VNet's address space: valid, non-overlapping prefixes. */
export function checkAddressSpace(vnetId: string, prefixes: unknown): Cidr[] {
  if (!Array.isArray(prefixes) || prefixes.length === 0)
    throw NetworkErrors.InvalidRequestFormat(
      "addressSpace.addressPrefixes must be a non-empty array.",
      "properties.addressSpace.addressPrefixes",
    );
  const cidrs = prefixes.map((p, i) =>
    parsePrefix(p, vnetId, `properties.addressSpace.addressPrefixes[${i}]`),
  );
  cidrs.forEach((a, i) =>
    cidrs.slice(i + 1).forEach((b) => {
      if (overlaps(a, b)) throw NetworkErrors.VnetAddressSpacesOverlap(a.text, b.text, vnetId);
    }),
  );
  return cidrs;
}

/** Checks that each subnet lies inside the address space and that subnets do not overlap. */
export function checkSubnets(vnetId: string, space: Cidr[], subnets: { id: string; prefix: Cidr }[]): void {
  for (const s of subnets)
    if (!space.some((a) => contains(a, s.prefix)))
      throw NetworkErrors.NetcfgSubnetRangeOutsideVnet(s.id, vnetId);
  subnets.forEach((a, i) =>
    subnets.slice(i + 1).forEach((b) => {
      if (overlaps(a.prefix, b.prefix)) throw NetworkErrors.NetcfgSubnetRangesOverlap(b.id, vnetId);
    }),
  );
}

/** The managed clusters whose node pools use a subnet. */
export function subnetUsers(store: Store, subnetId: string): StoredResource[] {
  const id = subnetId.toLowerCase();
  return store
    .ofType(CLUSTER_TYPE)
    .filter((r) =>
      (
        (r.body["properties"] as { agentPoolProfiles?: { vnetSubnetID?: string }[] }).agentPoolProfiles ?? []
      ).some((a) => a.vnetSubnetID?.toLowerCase() === id),
    );
}

export function assertSubnetUnused(store: Store, subnetId: string): void {
  const users = subnetUsers(store, subnetId);
  if (users.length > 0) throw NetworkErrors.InUseSubnetCannotBeDeleted(subnetId, users[0]!.id);
}

export function subnetPrefix(subnet: StoredResource): string {
  return (subnet.body["properties"] as unknown as SubnetProperties).addressPrefix;
}

/** A VNet PUT's content as the request gives it (validated here, not by the routes). */
export interface VnetInput {
  location: string;
  tags: JsonObject;
  addressPrefixes: unknown;
  subnets: { name: unknown; addressPrefix: unknown }[];
}

/** A write that started an operation: the resource as it is now, and the operation to poll. */
export interface Started {
  resource: StoredResource;
  created: boolean;
  operation: Operation;
}

const etag = () => `W/"${randomUUID()}"`;

export class VirtualNetworks {
  constructor(private readonly ctx: ProviderContext) {
    const { store } = ctx;
    ctx.lro.register(CREATE, async (op) => {
      const state = op.failWith ? "Failed" : "Succeeded";
      for (const r of [store.get(op.resourceId), ...store.under(op.resourceId)])
        if (r) {
          setProvisioningState(r, state);
          store.put(r);
        }
      return op.failWith ? { status: "Failed", error: op.failWith } : { status: "Succeeded" };
    });
    ctx.lro.register(DELETE, async (op) => {
      await removeTree(ctx, op.resourceId);
      return { status: "Succeeded" };
    });
  }

  /** A VNet as GET shows it: with its subnets. */
  view(vnet: StoredResource): JsonObject {
    return {
      ...vnet.body,
      properties: {
        ...(vnet.body["properties"] as JsonObject),
        subnets: this.subnets(vnet).map((s) => s.body),
        virtualNetworkPeerings: [],
        enableDdosProtection: false,
      },
    };
  }

  get(ref: ResourceRef): StoredResource {
    return findTracked(this.ctx, ref, VNET_TYPE);
  }

  subnets(vnet: StoredResource): StoredResource[] {
    return this.ctx.store.list(vnet.id, SUBNET_TYPE);
  }

  subnet(ref: ResourceRef, name: string): StoredResource {
    const vnet = this.get(ref);
    const s = this.ctx.store.get(`${vnet.id}/subnets/${name}`);
    if (!s) throw NetworkErrors.NotFound(`${vnet.id}/subnets/${name}`);
    return s;
  }

  async createOrUpdate(ref: ResourceRef, input: VnetInput, fault: FaultCheck = NO_FAULT): Promise<Started> {
    const { store } = this.ctx;
    requireResourceGroup(this.ctx, ref.sub, ref.rg, true);
    const id = trackedId(ref, VNET_TYPE);
    const existing = store.get(id);
    this.notBusy(id);
    const space = checkAddressSpace(id, input.addressPrefixes);
    const subnets = input.subnets.map((s, i) => {
      if (typeof s.name !== "string" || !s.name)
        throw NetworkErrors.InvalidRequestFormat(
          "every subnet needs a name.",
          `properties.subnets[${i}].name`,
        );
      const sid = `${existing?.id ?? id}/subnets/${s.name}`;
      return {
        id: sid,
        name: s.name,
        prefix: parsePrefix(s.addressPrefix, sid, `properties.subnets[${i}].properties.addressPrefix`),
      };
    });
    checkSubnets(id, space, subnets);
    // Subnets not in the body are deleted; one in use makes the whole PUT fail.
    const keep = new Set(subnets.map((s) => s.id.toLowerCase()));
    const dropped = existing ? this.subnets(existing).filter((s) => !keep.has(s.id.toLowerCase())) : [];
    for (const s of dropped) assertSubnetUnused(store, s.id);
    const { failWith, factor } = fault();
    for (const s of dropped) await removeTree(this.ctx, s.id);

    const vnet = trackedResource(existing, ref, VNET_TYPE, {
      location: input.location,
      tags: input.tags,
      etag: etag(),
      properties: {
        provisioningState: "Updating",
        resourceGuid:
          (existing?.body["properties"] as JsonObject | undefined)?.["resourceGuid"] ?? randomUUID(),
        addressSpace: { addressPrefixes: space.map((c) => c.text) },
      },
    });
    store.put(vnet);
    for (const s of subnets) store.put(this.newSubnet(s.id, s.name, s.prefix.text));
    const operation = this.start(vnet, input.location, existing ? "update" : "create", {
      seconds: this.ctx.latency.virtualNetworkCreate * factor,
      failWith,
    });
    return { resource: vnet, created: !existing, operation };
  }

  async createOrUpdateSubnet(
    ref: ResourceRef,
    name: string,
    addressPrefix: unknown,
    fault: FaultCheck = NO_FAULT,
  ): Promise<Started> {
    const { store } = this.ctx;
    requireResourceGroup(this.ctx, ref.sub, ref.rg, true);
    const vnet = this.get(ref);
    const id = `${vnet.id}/subnets/${name}`;
    this.notBusy(vnet.id);
    this.notBusy(id);
    const existing = store.get(id);
    const prefix = parsePrefix(addressPrefix, id, "properties.addressPrefix");
    const space = (
      vnet.body["properties"] as { addressSpace: { addressPrefixes: string[] } }
    ).addressSpace.addressPrefixes.map((t) => parsePrefix(t, vnet.id, "addressSpace"));
    const siblings = this.subnets(vnet)
      .filter((s) => s.id.toLowerCase() !== id.toLowerCase())
      .map((s) => ({ id: s.id, prefix: parsePrefix(subnetPrefix(s), s.id, "addressPrefix") }));
    checkSubnets(vnet.id, space, [...siblings, { id, prefix }]);
    if (existing && subnetPrefix(existing) !== prefix.text) assertSubnetUnused(store, existing.id);
    const { failWith, factor } = fault();
    const subnet = this.newSubnet(
      existing?.id ?? id,
      (existing?.body["name"] as string | undefined) ?? name,
      prefix.text,
    );
    store.put(subnet);
    const operation = this.start(subnet, vnet.body["location"] as string, existing ? "update" : "create", {
      seconds: this.ctx.latency.subnetCreate * factor,
      failWith,
    });
    return { resource: subnet, created: !existing, operation };
  }

  /** Starts the delete; nothing when the VNet does not exist. */
  delete(ref: ResourceRef): Operation | undefined {
    const vnet = findTrackedOrNone(this.ctx, ref, VNET_TYPE);
    return vnet && this.startDelete(vnet, this.subnets(vnet), vnet.body["location"] as string);
  }

  /** Starts the delete; nothing when the subnet or its VNet does not exist. */
  deleteSubnet(ref: ResourceRef, name: string): Operation | undefined {
    const vnet = findTrackedOrNone(this.ctx, ref, VNET_TYPE);
    const subnet = vnet && this.ctx.store.get(`${vnet.id}/subnets/${name}`);
    return subnet && this.startDelete(subnet, [subnet], vnet.body["location"] as string);
  }

  private startDelete(r: StoredResource, subnets: StoredResource[], location: string): Operation {
    this.notBusy(r.id);
    for (const s of subnets) assertSubnetUnused(this.ctx.store, s.id);
    setProvisioningState(r, "Deleting");
    this.ctx.store.put(r);
    return this.start(r, location, "delete", { seconds: this.ctx.latency.networkDelete });
  }

  private notBusy(id: string): void {
    if (this.ctx.lro.active(id).length > 0) throw NetworkErrors.AnotherOperationInProgress(id);
  }

  private start(
    r: StoredResource,
    location: string,
    kind: Operation["kind"],
    o: { seconds: number; failWith?: { code: string; message: string } | undefined },
  ): Operation {
    return this.ctx.lro.start({
      subscriptionId: r.id.split("/")[2]!,
      providerNamespace: "Microsoft.Network",
      location,
      resourceId: r.id,
      handler: kind === "delete" ? DELETE : CREATE,
      kind,
      durationSeconds: o.seconds,
      ...(o.failWith ? { failWith: o.failWith } : {}),
    });
  }

  private newSubnet(id: string, name: string, prefix: string): StoredResource {
    return {
      id,
      type: SUBNET_TYPE,
      body: {
        id,
        name,
        etag: etag(),
        type: SUBNET_TYPE,
        properties: {
          provisioningState: "Updating",
          addressPrefix: prefix,
          delegations: [],
          privateEndpointNetworkPolicies: "Disabled",
          privateLinkServiceNetworkPolicies: "Enabled",
        },
      },
      internal: {},
    };
  }
}
