// What every resource provider gets: state, time, the LRO engine, faults, latencies, and the hooks
// that let one provider react to another's deletes (resource-group cascade) without importing it.
import type { Clock } from "../../common/clock.js";
import type { LatencyProfile } from "./latency.js";
import { ArmError, resourceGroupNotFound } from "./errors.js";
import type { FaultInjector } from "./faults.js";
import type { LroEngine } from "./lro.js";
import type { ArmRequest } from "./router.js";
import type { StoredResource, Store } from "./store.js";

export interface SubscriptionInfo {
  subscriptionId: string;
  displayName: string;
}

export interface ProviderContext {
  store: Store;
  clock: Clock;
  lro: LroEngine;
  faults: FaultInjector;
  latency: LatencyProfile;
  tenantId: string;
  subscriptions: SubscriptionInfo[];
  /** Called for every resource removed (directly or by a cascade), before it is forgotten. */
  onDelete: ((resource: StoredResource) => Promise<void>)[];
}

export function subscriptionOf(ctx: ProviderContext, sub: string): SubscriptionInfo {
  const found = ctx.subscriptions.find((s) => s.subscriptionId.toLowerCase() === sub.toLowerCase());
  if (!found)
    throw new ArmError(404, "SubscriptionNotFound", `The subscription '${sub}' could not be found.`);
  return found;
}

export function resourceGroupId(sub: string, rg: string): string {
  return `/subscriptions/${sub}/resourceGroups/${rg}`;
}

/** The resource group a nested resource goes into; it must exist and not be being deleted. */
export function requireResourceGroup(
  ctx: ProviderContext,
  sub: string,
  rg: string,
  forWrite = false,
): StoredResource {
  const s = subscriptionOf(ctx, sub);
  const group = ctx.store.get(resourceGroupId(s.subscriptionId, rg));
  if (!group) throw resourceGroupNotFound(rg);
  if (
    forWrite &&
    (group.body["properties"] as { provisioningState?: string })?.provisioningState === "Deleting"
  )
    throw new ArmError(
      409,
      "ResourceGroupBeingDeleted",
      `The resource group '${rg}' is in deprovisioning state and cannot perform this operation.`,
    );
  return group;
}

/** Removes a resource and everything under it, running the delete hooks first. */
export async function removeTree(ctx: ProviderContext, id: string): Promise<void> {
  const victims = [...ctx.store.under(id)];
  const self = ctx.store.get(id);
  if (self) victims.push(self);
  for (const r of victims) for (const hook of ctx.onDelete) await hook(r);
  for (const r of victims) ctx.store.remove(r.id);
}

/** The request body as an object, or ARM's 400 for anything else. */
export function bodyObject(req: ArmRequest): Record<string, unknown> {
  const b = req.body;
  if (typeof b !== "object" || b === null || Array.isArray(b))
    throw new ArmError(
      400,
      "InvalidRequestContent",
      "The request content was invalid and could not be deserialized.",
    );
  return b as Record<string, unknown>;
}

export function normaliseLocation(location: string): string {
  return location.replace(/\s/g, "").toLowerCase();
}

export function requireLocation(body: Record<string, unknown>): string {
  const loc = body["location"];
  if (typeof loc !== "string" || !loc)
    throw new ArmError(400, "LocationRequired", "The location property is required for this definition.");
  return normaliseLocation(loc);
}

export function tagsOf(body: Record<string, unknown>): Record<string, string> {
  const tags = body["tags"];
  return typeof tags === "object" && tags !== null ? (tags as Record<string, string>) : {};
}

/** Responds after the operation's emulated latency (synchronous ARM operations). */
export async function delay(ctx: ProviderContext, seconds: number, factor = 1): Promise<void> {
  await ctx.clock.sleep(seconds * factor);
}
