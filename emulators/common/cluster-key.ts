// The key both emulators use for a managed cluster: first 20 hex chars of sha256(lower-cased ARM id).
import { createHash } from "node:crypto";

export function clusterKey(resourceId: string): string {
  return createHash("sha256").update(resourceId.toLowerCase()).digest("hex").slice(0, 20);
}
