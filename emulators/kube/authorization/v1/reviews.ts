// authorization.k8s.io/v1 access reviews (create-only, never stored): SelfSubjectAccessReview
// (`kubectl auth can-i`), SubjectAccessReview (a webhook or a controller asking for someone
// else) and SelfSubjectRulesReview (`kubectl auth can-i --list`), all answered by `authorize`.
import { rulesOf, type UserInfo } from "../../authz.js";
import type { Kind } from "../../context.js";
import { errors } from "../../machinery/status.js";
import type { ReviewAuthorizer } from "../../machinery/kinds.js";
import type { KubeObject } from "../../machinery/types.js";

interface AccessReviewSpec {
  resourceAttributes?: Record<string, string>;
  nonResourceAttributes?: { path?: string; verb?: string };
  user?: string;
  groups?: string[];
  uid?: string;
}

const review = (kind: string, plural: string, answer: Kind["review"]): Kind => ({
  group: "authorization.k8s.io",
  version: "v1",
  kind,
  plural,
  singular: plural.replace(/s$/, ""),
  shortNames: [],
  namespaced: false,
  categories: [],
  subresources: [],
  mergeKeys: {},
  hasSpec: true,
  verbs: ["create"],
  review: answer,
});

function accessStatus(
  spec: AccessReviewSpec | undefined,
  user: UserInfo,
  authorize: ReviewAuthorizer,
): Record<string, unknown> {
  if (!spec?.resourceAttributes && !spec?.nonResourceAttributes)
    throw errors.invalid("authorization.k8s.io", "SelfSubjectAccessReview", "", [
      {
        type: "FieldValueRequired",
        field: "spec.resourceAttributes",
        detail: "exactly one of nonResourceAttributes or resourceAttributes must be specified",
      },
    ]);
  const decision = authorize(user, {
    ...(spec.resourceAttributes ? { resource: spec.resourceAttributes } : {}),
    ...(spec.nonResourceAttributes ? { nonResource: spec.nonResourceAttributes } : {}),
  });
  return {
    allowed: decision.allowed,
    ...(decision.denied ? { denied: true } : {}),
    ...(decision.reason ? { reason: decision.reason } : {}),
  };
}

const answered = (obj: KubeObject, status: Record<string, unknown>): KubeObject => ({
  ...obj,
  metadata: { ...obj.metadata, creationTimestamp: null as unknown as undefined },
  status,
});

export const selfSubjectAccessReviews = review(
  "SelfSubjectAccessReview",
  "selfsubjectaccessreviews",
  (obj, user, authorize) =>
    answered(obj, accessStatus(obj["spec"] as AccessReviewSpec | undefined, user, authorize)),
);

export const subjectAccessReviews = review(
  "SubjectAccessReview",
  "subjectaccessreviews",
  (obj, _user, authorize) => {
    const spec = (obj["spec"] as AccessReviewSpec | undefined) ?? {};
    if (!spec.user && !(spec.groups ?? []).length)
      throw errors.invalid("authorization.k8s.io", "SubjectAccessReview", "", [
        {
          type: "FieldValueInvalid",
          field: "spec.user",
          badValue: '""',
          detail: "at least one of user or group must be specified",
        },
      ]);
    return answered(
      obj,
      accessStatus(
        spec,
        {
          username: spec.user ?? "",
          groups: spec.groups ?? [],
          ...(spec.uid ? { uid: spec.uid } : {}),
        },
        authorize,
      ),
    );
  },
);

export const selfSubjectRulesReviews = review(
  "SelfSubjectRulesReview",
  "selfsubjectrulesreviews",
  (obj, user, authorize) => answered(obj, rulesOf(user, authorize)),
);
