// What every resource provider's model gets: state, time, the LRO engine, faults, latencies, and the
// hooks that let one provider react to another's deletes (resource-group cascade) without importing it.
import type { Clock } from "../../common/clock.js";
import { ArmErrors } from "./errors.js";
import type { FaultInjector } from "./faults.js";
import type { LatencyProfile } from "./latency.js";
import type { LroEngine } from "./lro.js";
import type { JsonObject, StoredResource, Store } from "./store.js";

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

/** A resource in a resource group, as its route names it. */
export interface ResourceRef {
  sub: string;
  rg: string;
  name: string;
}

export function subscriptionOf(ctx: ProviderContext, sub: string): SubscriptionInfo {
  const found = ctx.subscriptions.find((s) => s.subscriptionId.toLowerCase() === sub.toLowerCase());
  if (!found) throw ArmErrors.SubscriptionNotFound(sub);
  return found;
}

export function resourceGroupId(sub: string, rg: string): string {
  return `/subscriptions/${sub}/resourceGroups/${rg}`;
}

export function provisioningState(r: StoredResource): string | undefined {
  return (r.body["properties"] as { provisioningState?: string } | undefined)?.provisioningState;
}

export function setProvisioningState(r: StoredResource, state: string): void {
  (r.body["properties"] as JsonObject)["provisioningState"] = state;
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
  if (!group) throw ArmErrors.ResourceGroupNotFound(rg);
  if (forWrite && provisioningState(group) === "Deleting") throw ArmErrors.ResourceGroupBeingDeleted(rg);
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

/** Waits the operation's emulated latency (synchronous ARM operations answer after it). */
export async function delay(ctx: ProviderContext, seconds: number, factor = 1): Promise<void> {
  await ctx.clock.sleep(seconds * factor);
}
