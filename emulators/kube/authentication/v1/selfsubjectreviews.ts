// authentication.k8s.io/v1 SelfSubjectReview (`kubectl auth whoami`): the caller as the API
// server authenticated it (create-only, never stored).
import type { Kind } from "../../context.js";

export const selfSubjectReviews: Kind = {
  group: "authentication.k8s.io",
  version: "v1",
  kind: "SelfSubjectReview",
  plural: "selfsubjectreviews",
  singular: "selfsubjectreview",
  shortNames: [],
  namespaced: false,
  categories: [],
  subresources: [],
  mergeKeys: {},
  hasSpec: false,
  verbs: ["create"],
  review: (obj, user) => ({
    ...obj,
    metadata: { ...obj.metadata, creationTimestamp: null as unknown as undefined },
    status: {
      userInfo: { username: user.username, ...(user.uid ? { uid: user.uid } : {}), groups: user.groups },
    },
  }),
};
