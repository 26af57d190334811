// Protobuf bodies kubectl sends besides its `create` generators' (protobuf.ts): the access reviews
// of `kubectl auth can-i` / `auth whoami` and `kubectl create secret`. Messages carry the names and
// numbers of k8s.io/api's generated.proto (authorization/v1, authentication/v1, core/v1) and
// apimachinery's meta/v1; protobufjs turns the wire format into the JSON the request means.
import protobuf from "protobufjs";
import type { Json, JsonObject } from "./types.js";

const SCHEMA = `
syntax = "proto2";
package k8sx;

message TypeMeta { optional string apiVersion = 1; optional string kind = 2; }
message Unknown { optional TypeMeta typeMeta = 1; optional bytes raw = 2; }
message ObjectMeta {
  optional string name = 1; optional string generateName = 2; optional string namespace = 3;
  optional string resourceVersion = 6; map<string, string> labels = 11; map<string, string> annotations = 12;
}

message ResourceAttributes {
  optional string namespace = 1; optional string verb = 2; optional string group = 3; optional string version = 4;
  optional string resource = 5; optional string subresource = 6; optional string name = 7;
}
message NonResourceAttributes { optional string path = 1; optional string verb = 2; }
message SelfSubjectAccessReviewSpec {
  optional ResourceAttributes resourceAttributes = 1; optional NonResourceAttributes nonResourceAttributes = 2;
}
message SelfSubjectAccessReview { optional ObjectMeta metadata = 1; optional SelfSubjectAccessReviewSpec spec = 2; }
message ExtraValue { repeated string items = 1; }
message SubjectAccessReviewSpec {
  optional ResourceAttributes resourceAttributes = 1; optional NonResourceAttributes nonResourceAttributes = 2;
  optional string user = 3; repeated string groups = 4; map<string, ExtraValue> extra = 5; optional string uid = 6;
}
message SubjectAccessReview { optional ObjectMeta metadata = 1; optional SubjectAccessReviewSpec spec = 2; }
message SelfSubjectRulesReviewSpec { optional string namespace = 1; }
message SelfSubjectRulesReview { optional ObjectMeta metadata = 1; optional SelfSubjectRulesReviewSpec spec = 2; }
message SelfSubjectReview { optional ObjectMeta metadata = 1; }

message Secret {
  optional ObjectMeta metadata = 1; map<string, bytes> data = 2; optional string type = 3;
  map<string, string> stringData = 4; optional bool immutable = 5;
}
`;

const root = protobuf.parse(SCHEMA, { keepCase: true }).root;
const UNKNOWN = root.lookupType("k8sx.Unknown");
const TYPES: Record<string, string> = {
  "authorization.k8s.io/v1/SelfSubjectAccessReview": "SelfSubjectAccessReview",
  "authorization.k8s.io/v1/SubjectAccessReview": "SubjectAccessReview",
  "authorization.k8s.io/v1/SelfSubjectRulesReview": "SelfSubjectRulesReview",
  "authentication.k8s.io/v1/SelfSubjectReview": "SelfSubjectReview",
  "v1/Secret": "Secret",
};
const MAGIC = Buffer.from("k8s\0", "latin1");

/** Drops what Go writes for every non-pointer field and its JSON omits: "" and false. */
function omitEmpty(value: Json): Json | undefined {
  if (value === "" || value === false) return undefined;
  if (Array.isArray(value)) return value.map((v) => omitEmpty(v) ?? "");
  if (value !== null && typeof value === "object") {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) {
      const kept = omitEmpty(v);
      if (kept !== undefined) out[k] = kept;
    }
    return out;
  }
  return value;
}

/** The JSON object a protobuf body stands for, when it is one of the kinds above; else undefined. */
export function decodeMoreProtobuf(raw: Buffer): JsonObject | undefined {
  if (!raw.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  let envelope: { typeMeta?: { apiVersion?: string; kind?: string }; raw?: number[] };
  try {
    envelope = UNKNOWN.toObject(UNKNOWN.decode(raw.subarray(MAGIC.length)), { bytes: Array });
  } catch {
    return undefined; // protobuf.ts words the error
  }
  const { apiVersion = "", kind = "" } = envelope.typeMeta ?? {};
  const name = TYPES[`${apiVersion}/${kind}`];
  if (!name) return undefined;
  const type = root.lookupType(`k8sx.${name}`);
  const object = type.toObject(type.decode(Uint8Array.from(envelope.raw ?? [])), {
    longs: Number,
    bytes: String,
    defaults: false,
  }) as JsonObject;
  return { apiVersion, kind, ...((omitEmpty(object) as JsonObject | undefined) ?? {}) };
}
