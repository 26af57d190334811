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

export async function reviewAccess(
  clients: KubeClients,
  checks: readonly AccessCheckSpec[],
): Promise<("allowed" | "denied")[]> {
  return Promise.all(
    checks.map(async (c) => {
      const answer: ReviewAnswer = await clients.objects.create({
        apiVersion: "authorization.k8s.io/v1",
        kind: "SubjectAccessReview",
        metadata: {},
        spec: reviewSpec(c),
      } as KubernetesObject);
      return answer.status?.allowed === true ? "allowed" : "denied";
    }),
  );
}
