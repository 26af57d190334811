// Microsoft.ManagedIdentity/userAssignedIdentities: synchronous create (201, then 200) and delete
// (200, 204 when absent). Each identity is a service principal in the directory; a new one is not
// visible to role assignments until the replication delay has passed (see authorization/).
import { trackedId, trackedRoutes } from "../core/tracked.js";
import { randomUUID } from "node:crypto";
import {
  bodyObject,
  delay,
  requireLocation,
  requireResourceGroup,
  removeTree,
  tagsOf,
  type ProviderContext,
} from "../core/context.js";
import { ArmError } from "../core/errors.js";
import type { ArmRequest, Params, Route } from "../core/router.js";
import type { JsonObject, StoredResource } from "../core/store.js";

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

export function managedIdentityRoutes(ctx: ProviderContext): Route[] {
  const { store } = ctx;
  ctx.onDelete.push(async (r) => {
    if (r.type === IDENTITY_TYPE) delete store.state.principals[identityProperties(r).principalId];
  });

  const idOf = (p: Params) => trackedId(p, IDENTITY_TYPE);

  const put = async (req: ArmRequest, p: Params) => {
    requireResourceGroup(ctx, p["sub"]!, p["rg"]!, true);
    const name = p["name"]!;
    if (!NAME.test(name))
      throw new ArmError(
        400,
        "InvalidResourceName",
        `Resource name ${name} is invalid. The name can be between 3 and 128 characters long and can contain letters, digits, '-' and '_', starting with a letter or digit.`,
      );
    const body = bodyObject(req);
    const location = requireLocation(body);
    const existing = store.get(idOf(p));
    const { factor } = ctx.faults.provisioning({
      method: req.method,
      path: req.path,
      operation: "write",
      resourceType: IDENTITY_TYPE,
    });
    await delay(ctx, ctx.latency.identityCreate, factor);
    const props: IdentityProperties = existing
      ? identityProperties(existing)
      : { tenantId: ctx.tenantId, principalId: randomUUID(), clientId: randomUUID() };
    const id = existing?.id ?? idOf(p);
    const r: StoredResource = {
      id,
      type: IDENTITY_TYPE,
      body: {
        id,
        name: (existing?.body["name"] as string | undefined) ?? name,
        type: IDENTITY_TYPE,
        location,
        tags: tagsOf(body) as JsonObject,
        properties: { ...props, isolationScope: "None" },
      },
      internal: {},
    };
    store.put(r);
    if (!existing)
      store.state.principals[props.principalId] = {
        id: props.principalId,
        kind: "ServicePrincipal",
        appId: props.clientId,
        displayName: name,
        createdAt: ctx.clock.now(),
      };
    store.save();
    return { status: existing ? 200 : 201, body: r.body };
  };

  const remove = async (_req: ArmRequest, p: Params) => {
    requireResourceGroup(ctx, p["sub"]!, p["rg"]!);
    const r = store.get(idOf(p));
    if (!r) return { status: 204 };
    await delay(ctx, ctx.latency.identityDelete);
    await removeTree(ctx, r.id);
    return { status: 200 };
  };

  return trackedRoutes(ctx, { resourceType: IDENTITY_TYPE, put, remove });
}
