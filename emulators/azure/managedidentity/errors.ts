// The errors Microsoft.ManagedIdentity answers for user-assigned identities.
import { armErrors } from "../core/errors.js";

export const ManagedIdentityErrors = armErrors({
  InvalidResourceName: {
    status: 400,
    text: (name: string) =>
      `Resource name ${name} is invalid. The name can be between 3 and 128 characters long and can contain letters, digits, '-' and '_', starting with a letter or digit.`,
  },
});
