// The errors Microsoft.Resources answers for resource groups (besides ARM's own, in core/errors.ts).
import { armErrors } from "../core/errors.js";

export const ResourcesErrors = armErrors({
  InvalidResourceGroupName: {
    status: 400,
    text: (name: string) =>
      `The resource group name '${name}' is invalid. It must be 1-90 letters, digits, '_', '-', '.', '(' or ')', and not end in '.'.`,
  },
  InvalidResourceGroupLocation: {
    status: 409,
    text: (location: string, existing: string) =>
      `Invalid resource group location '${location}'. The Resource group already exists in location '${existing}'.`,
  },
  /** A `$filter` on a resources list this emulator does not understand. */
  InvalidFilterInQueryString: {
    status: 400,
    text: (filter: string) =>
      `Invalid $filter '${filter}'. Supported: resourceGroup, resourceType, name, location, tagName and tagValue with 'eq', joined by 'and'.`,
  },
});
