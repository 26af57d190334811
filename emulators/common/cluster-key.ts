// The key that names an emulated cluster in the Kubernetes emulator's URLs (/clusters/{key}):
// the first 20 hex characters of sha256 of the lower-cased ARM resource id (contract of issues 4 and 6).
import { createHash } from "node:crypto";

export function clusterKey(resourceId: string): string {
  return createHash("sha256").update(resourceId.toLowerCase()).digest("hex").slice(0, 20);
}
