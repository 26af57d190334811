// Microsoft.Resources: subscriptions (a configured list) and resource groups. Resource-group create
// is synchronous in ARM; delete is a long-running operation that removes everything inside.
import {
  delay,
  provisioningState,
  removeTree,
  resourceGroupId,
  setProvisioningState,
  subscriptionOf,
  type ProviderContext,
  type SubscriptionInfo,
} from "../core/context.js";
import { ArmErrors } from "../core/errors.js";
import type { JsonObject, Operation, StoredResource } from "../core/store.js";
import { newResource } from "../core/tracked.js";
import { ResourcesErrors } from "./errors.js";

export const RESOURCE_GROUP_TYPE = "Microsoft.Resources/resourceGroups";
// ARM: 1-90 letters, digits, '_', '-', '.', '(' and ')', not ending in '.'.
const RG_NAME = /^[-\p{L}\p{N}_.()]{0,89}[-\p{L}\p{N}_()]$/u;
const DELETE_HANDLER = "resources/resourceGroupDelete";
const CLUSTER_TYPE = "microsoft.containerservice/managedclusters";
/** A provider resource directly in a group: /subscriptions/…/resourcegroups/…/providers/ns/type/name. */
const TOP_LEVEL = /^\/subscriptions\/[^/]+\/resourcegroups\/[^/]+\/providers\/[^/]+\/[^/]+\/[^/]+$/i;

export class ResourceGroups {
  constructor(private readonly ctx: ProviderContext) {
    ctx.lro.register(DELETE_HANDLER, async (op) => {
      await removeTree(ctx, op.resourceId);
      return { status: "Succeeded" };
    });
  }

  get tenantId(): string {
    return this.ctx.tenantId;
  }

  subscriptions(): SubscriptionInfo[] {
    return this.ctx.subscriptions;
  }

  subscription(sub: string): SubscriptionInfo {
    return subscriptionOf(this.ctx, sub);
  }

  list(sub: string): StoredResource[] {
    return this.ctx.store.list(
      `/subscriptions/${subscriptionOf(this.ctx, sub).subscriptionId}`,
      RESOURCE_GROUP_TYPE,
    );
  }

  get(sub: string, rg: string): StoredResource {
    const group = this.ctx.store.get(resourceGroupId(subscriptionOf(this.ctx, sub).subscriptionId, rg));
    if (!group) throw ArmErrors.ResourceGroupNotFound(rg);
    return group;
  }

  async createOrUpdate(
    sub: string,
    name: string,
    input: { location: string; tags: JsonObject },
  ): Promise<{ group: StoredResource; created: boolean }> {
    const subscriptionId = subscriptionOf(this.ctx, sub).subscriptionId;
    if (!RG_NAME.test(name)) throw ResourcesErrors.InvalidResourceGroupName(name);
    const existing = this.ctx.store.get(resourceGroupId(subscriptionId, name));
    if (existing) {
      if (provisioningState(existing) === "Deleting")
        throw ArmErrors.ResourceGroupBeingDeleted(existing.body["name"] as string);
      if (existing.body["location"] !== input.location)
        throw ResourcesErrors.InvalidResourceGroupLocation(
          input.location,
          existing.body["location"] as string,
        );
    }
    await delay(this.ctx, this.ctx.latency.resourceGroupWrite);
    const target = { id: resourceGroupId(subscriptionId, name), name, type: RESOURCE_GROUP_TYPE };
    const group = newResource(existing, target, { ...input, properties: { provisioningState: "Succeeded" } });
    this.ctx.store.put(group);
    return { group, created: !existing };
  }

  updateTags(sub: string, rg: string, tags: JsonObject | undefined): StoredResource {
    const group = this.get(sub, rg);
    if (tags !== undefined) group.body["tags"] = tags;
    this.ctx.store.put(group);
    return group;
  }

  /** Starts the delete (once: a second DELETE gets the same operation). */
  delete(sub: string, rg: string): Operation {
    const group = this.get(sub, rg);
    if (provisioningState(group) !== "Deleting") {
      setProvisioningState(group, "Deleting");
      this.ctx.store.put(group);
      const hasCluster = this.ctx.store.under(group.id).some((r) => r.type.toLowerCase() === CLUSTER_TYPE);
      const op = this.ctx.lro.start({
        subscriptionId: sub,
        providerNamespace: "Microsoft.Resources",
        location: group.body["location"] as string,
        resourceId: group.id,
        handler: DELETE_HANDLER,
        kind: "delete",
        durationSeconds: Math.max(
          this.ctx.latency.resourceGroupDelete,
          hasCluster ? this.ctx.latency.clusterDelete : 0,
        ),
      });
      group.internal["deleteOperation"] = op.id;
    }
    return this.ctx.store.state.operations[group.internal["deleteOperation"] as string]!;
  }

  /**
   * The provider resources directly in the group, or in every group of the subscription (role
   * assignments are not resources here), that match `filter` (`$filter` of ARM's resources list).
   */
  resources(sub: string, rg: string | undefined, filter: string | null): StoredResource[] {
    const scope = rg
      ? this.get(sub, rg).id
      : `/subscriptions/${subscriptionOf(this.ctx, sub).subscriptionId}`;
    const matches = resourceFilter(filter);
    return this.ctx.store
      .under(scope)
      .filter((r) => TOP_LEVEL.test(r.id))
      .filter((r) => !/\/providers\/Microsoft\.Authorization\//i.test(r.id))
      .filter(matches);
  }
}

/** `$filter` clauses ARM's resources list takes: `field eq 'value'` joined by `and`. */
function resourceFilter(filter: string | null): (r: StoredResource) => boolean {
  if (!filter?.trim()) return () => true;
  const clauses = filter.split(/\s+and\s+/i).map((clause) => {
    const m =
      /^\s*(resourceGroup|resourceType|name|location|tagName|tagValue)\s+eq\s+'((?:[^']|'')*)'\s*$/i.exec(
        clause,
      );
    if (!m) throw ResourcesErrors.InvalidFilterInQueryString(filter);
    return { field: m[1]!.toLowerCase(), value: m[2]!.replace(/''/g, "'") };
  });
  const wanted = (field: string) => clauses.find((c) => c.field === field)?.value;
  const tagName = wanted("tagname");
  const tagValue = wanted("tagvalue");
  return (r) => {
    const same = (field: string, actual: unknown) => {
      const v = wanted(field);
      return v === undefined || String(actual).toLowerCase() === v.toLowerCase();
    };
    const tags = (r.body["tags"] ?? {}) as Record<string, unknown>;
    const tagKey =
      tagName === undefined
        ? undefined
        : Object.keys(tags).find((k) => k.toLowerCase() === tagName.toLowerCase());
    return (
      same("resourcegroup", r.id.split("/")[4]) &&
      same("resourcetype", r.type) &&
      same("name", r.body["name"]) &&
      same("location", r.body["location"]) &&
      (tagName === undefined ||
        (tagKey !== undefined && (tagValue === undefined || tags[tagKey] === tagValue)))
    );
  };
}
