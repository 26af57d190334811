// SubjectAccessReviews of granted principals, asked with the app's identity (it holds Azure
// Kubernetes Service RBAC Cluster Admin, which may create them): the API server answers by the same
// Azure RBAC decision as the principal's own requests. Reviews are not stored, so asking again is
// harmless.
import type { KubernetesObject } from "@kubernetes/client-node";
import { reviewSpec } from "../provision/access-checks.js";
import type { AccessCheckSpec } from "../provision/activity-io.js";
import type { KubeClients } from "./client.js";

interface ReviewAnswer extends KubernetesObject {
  status?: { allowed?: boolean };
}

/** Reviews asked at once: a request's grants may come to hundreds, the API server is the team's. */
const AT_ONCE = 8;

export async function reviewAccess(
  clients: KubeClients,
  checks: readonly AccessCheckSpec[],
): Promise<("allowed" | "denied")[]> {
  const out: ("allowed" | "denied")[] = [];
  for (let i = 0; i < checks.length; i += AT_ONCE) {
    const batch = checks.slice(i, i + AT_ONCE).map(async (c) => {
      const answer: ReviewAnswer = await clients.objects.create({
        apiVersion: "authorization.k8s.io/v1",
        kind: "SubjectAccessReview",
        metadata: {},
        spec: reviewSpec(c),
      } as KubernetesObject);
      return answer.status?.allowed === true ? "allowed" : "denied";
    });
    out.push(...(await Promise.all(batch)));
  }
  return out;
}
