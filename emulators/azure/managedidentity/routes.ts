// Microsoft.ManagedIdentity/userAssignedIdentities on the wire: PUT 201 then 200, DELETE 200 (204
// when absent), and the tracked-resource reads.
import type { ProviderContext } from "../core/context.js";
import { bodyObject, provisioningFault, refOf, requireLocation, tagsOf } from "../core/request.js";
import type { ArmRequest, Params, Route } from "../core/router.js";
import { forApiVersion, type VersionedProperty } from "../core/api-versions.js";
import type { JsonObject } from "../core/store.js";
import { trackedRoutes } from "../core/tracked.js";
import { IDENTITY_TYPE, UserAssignedIdentities } from "./model.js";

/** isolationScope came after 2022-01-31-preview (az 2.45's version, whose spec lacks it). */
const IDENTITY_PROPERTIES_SINCE: readonly VersionedProperty[] = [
  { path: ["properties", "isolationScope"], absentUpTo: "2022-01-31-preview" },
];

const identityView = (body: JsonObject, apiVersion: string) =>
  forApiVersion(body, apiVersion, IDENTITY_PROPERTIES_SINCE);

export function managedIdentityRoutes(ctx: ProviderContext): Route[] {
  const identities = new UserAssignedIdentities(ctx);

  const put = async (req: ArmRequest, p: Params) => {
    const body = bodyObject(req);
    const { identity, created } = await identities.createOrUpdate(
      refOf(p),
      { location: requireLocation(body), tags: tagsOf(body) },
      provisioningFault(ctx, req, IDENTITY_TYPE),
    );
    return { status: created ? 201 : 200, body: identityView(identity.body, req.apiVersion) };
  };

  const remove = async (_req: ArmRequest, p: Params) => ({
    status: (await identities.delete(refOf(p))) ? 200 : 204,
  });

  return trackedRoutes(ctx, {
    resourceType: IDENTITY_TYPE,
    put,
    remove,
    render: (r, apiVersion) => identityView(r.body, apiVersion),
  });
}
