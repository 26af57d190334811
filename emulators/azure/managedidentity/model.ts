// Microsoft.ManagedIdentity/userAssignedIdentities: synchronous create and delete. Each identity is a
// service principal in the directory; a new one is not visible to role assignments until the
// replication delay has passed (see authorization/).
import { randomUUID } from "node:crypto";
import {
  delay,
  removeTree,
  requireResourceGroup,
  type ProviderContext,
  type ResourceRef,
} from "../core/context.js";
import { NO_FAULT, type FaultCheck } from "../core/faults.js";
import type { JsonObject, StoredResource } from "../core/store.js";
import { findTrackedOrNone, trackedId, trackedResource } from "../core/tracked.js";
import { ManagedIdentityErrors } from "./errors.js";

export const IDENTITY_TYPE = "Microsoft.ManagedIdentity/userAssignedIdentities";

export interface IdentityProperties {
  tenantId: string;
  principalId: string;
  clientId: string;
}

// 3-128 characters: letters, digits, '-' and '_', starting with a letter or digit.
const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{2,127}$/;

export function identityProperties(r: StoredResource): IdentityProperties {
  return r.body["properties"] as unknown as IdentityProperties;
}

export class UserAssignedIdentities {
  constructor(private readonly ctx: ProviderContext) {
    ctx.onDelete.push(async (r) => {
      if (r.type === IDENTITY_TYPE) delete ctx.store.state.principals[identityProperties(r).principalId];
    });
  }

  async createOrUpdate(
    ref: ResourceRef,
    input: { location: string; tags: JsonObject },
    fault: FaultCheck = NO_FAULT,
  ): Promise<{ identity: StoredResource; created: boolean }> {
    const { store } = this.ctx;
    requireResourceGroup(this.ctx, ref.sub, ref.rg, true);
    if (!NAME.test(ref.name)) throw ManagedIdentityErrors.InvalidResourceName(ref.name);
    await delay(this.ctx, this.ctx.latency.identityCreate, fault().factor);
    // Read after the delay: concurrent PUTs of one identity wait side by side, and the first to finish
    // creates the principal that every later one then finds (ARM is idempotent here; reading before
    // the wait gave each PUT its own principalId and left orphan principals behind).
    const existing = store.get(trackedId(ref, IDENTITY_TYPE));
    const props: IdentityProperties = existing
      ? identityProperties(existing)
      : { tenantId: this.ctx.tenantId, principalId: randomUUID(), clientId: randomUUID() };
    const identity = trackedResource(existing, ref, IDENTITY_TYPE, {
      ...input,
      properties: { ...props, isolationScope: "None" },
    });
    store.put(identity);
    if (!existing)
      store.state.principals[props.principalId] = {
        id: props.principalId,
        kind: "ServicePrincipal",
        appId: props.clientId,
        displayName: ref.name,
        createdAt: this.ctx.clock.now(),
      };
    store.save();
    return { identity, created: !existing };
  }

  /** False when there was nothing to delete. */
  async delete(ref: ResourceRef): Promise<boolean> {
    const identity = findTrackedOrNone(this.ctx, ref, IDENTITY_TYPE);
    if (!identity) return false;
    await delay(this.ctx, this.ctx.latency.identityDelete);
    await removeTree(this.ctx, identity.id);
    return true;
  }
}
