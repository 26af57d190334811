// Inputs the orchestration tests call activities with (the tutorial cluster's target and spec).
import { retryOptions } from "../../../orchestrations/durable.js";
import { provisionInput, timing } from "../provision/fixtures.js";

export const { target, spec } = provisionInput();
export { timing };
export const retry = retryOptions(timing.activityRetry);
export const rgInput = { target, location: "eastus", tags: {} };
export const identityInput = { target, identityName: "id-x", location: "eastus", tags: {} };
