// The Kubernetes protobuf bodies kubectl sends (Content-Type application/vnd.kubernetes.protobuf):
// its 1.31+ `create <kind>` generators (namespace, configmap, deployment, job, service,
// serviceaccount), `create secret`, and the access reviews of `auth can-i` / `auth whoami`. Each is
// the "k8s\0" magic, then a runtime.Unknown envelope around the object. protobufjs decodes the wire
// format against the messages below: the fields kubectl fills, with the names and numbers of
// k8s.io/api's generated.proto files (core/v1, apps/v1, batch/v1, authorization/v1,
// authentication/v1), apimachinery's meta/v1, runtime and util/intstr ones. Fields not listed are
// skipped, as for any unknown protobuf field.
import protobuf from "protobufjs";
import { errors } from "./status.js";
import type { Json, JsonObject } from "./types.js";

const SCHEMA = `
syntax = "proto2";
package k8s;

// k8s.io/apimachinery/pkg/runtime
message TypeMeta { optional string apiVersion = 1; optional string kind = 2; }
message Unknown { optional TypeMeta typeMeta = 1; optional bytes raw = 2; }

// k8s.io/apimachinery/pkg/apis/meta/v1
message ObjectMeta {
  optional string name = 1; optional string generateName = 2; optional string namespace = 3;
  optional string resourceVersion = 6; map<string, string> labels = 11; map<string, string> annotations = 12;
}
message LabelSelectorRequirement { optional string key = 1; optional string operator = 2; repeated string values = 3; }
message LabelSelector { map<string, string> matchLabels = 1; repeated LabelSelectorRequirement matchExpressions = 2; }

// k8s.io/apimachinery/pkg/util/intstr
message IntOrString { optional int64 type = 1; optional int32 intVal = 2; optional string strVal = 3; }

// k8s.io/api/core/v1
message NamespaceSpec { repeated string finalizers = 1; }
message Namespace { optional ObjectMeta metadata = 1; optional NamespaceSpec spec = 2; }
message ConfigMap { optional ObjectMeta metadata = 1; map<string, string> data = 2; }
message ServiceAccount { optional ObjectMeta metadata = 1; }
message Secret {
  optional ObjectMeta metadata = 1; map<string, bytes> data = 2; optional string type = 3;
  map<string, string> stringData = 4; optional bool immutable = 5;
}
message ServicePort { optional string name = 1; optional string protocol = 2; optional int32 port = 3; optional IntOrString targetPort = 4; }
message ServiceSpec { repeated ServicePort ports = 1; map<string, string> selector = 2; optional string clusterIP = 3; optional string type = 4; }
message Service { optional ObjectMeta metadata = 1; optional ServiceSpec spec = 2; }
message ContainerPort { optional string name = 1; optional int32 containerPort = 3; optional string protocol = 4; }
message EnvVar { optional string name = 1; optional string value = 2; }
message ResourceRequirements {}
message Container {
  optional string name = 1; optional string image = 2; repeated string command = 3; repeated string args = 4;
  optional string workingDir = 5; repeated ContainerPort ports = 6; repeated EnvVar env = 7;
  optional ResourceRequirements resources = 8; optional string imagePullPolicy = 14;
}
message PodSpec {
  repeated Container containers = 2; optional string restartPolicy = 3; optional int64 terminationGracePeriodSeconds = 4;
  optional string dnsPolicy = 6; map<string, string> nodeSelector = 7; optional string serviceAccountName = 8;
  optional bool hostNetwork = 11; repeated Container initContainers = 20;
}
message PodTemplateSpec { optional ObjectMeta metadata = 1; optional PodSpec spec = 2; }

// k8s.io/api/apps/v1
message DeploymentStrategy { optional string type = 1; }
message DeploymentSpec {
  optional int32 replicas = 1; optional LabelSelector selector = 2; optional PodTemplateSpec template = 3;
  optional DeploymentStrategy strategy = 4;
}
message Deployment { optional ObjectMeta metadata = 1; optional DeploymentSpec spec = 2; }

// k8s.io/api/batch/v1
message JobSpec {
  optional int32 parallelism = 1; optional int32 completions = 2; optional LabelSelector selector = 4;
  optional PodTemplateSpec template = 6; optional int32 backoffLimit = 7;
}
message Job { optional ObjectMeta metadata = 1; optional JobSpec spec = 2; }

// k8s.io/api/authorization/v1
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

// k8s.io/api/authentication/v1
message SelfSubjectReview { optional ObjectMeta metadata = 1; }
`;

const root = protobuf.parse(SCHEMA, { keepCase: true }).root;
const UNKNOWN = root.lookupType("k8s.Unknown");
const INT_OR_STRING = root.lookupType("k8s.IntOrString");

/** apiVersion/kind → the message of the object. */
const TYPES: Record<string, protobuf.Type> = Object.fromEntries(
  Object.entries({
    "v1/Namespace": "Namespace",
    "v1/ConfigMap": "ConfigMap",
    "v1/ServiceAccount": "ServiceAccount",
    "v1/Service": "Service",
    "apps/v1/Deployment": "Deployment",
    "batch/v1/Job": "Job",
    "v1/Secret": "Secret",
    "authorization.k8s.io/v1/SelfSubjectAccessReview": "SelfSubjectAccessReview",
    "authorization.k8s.io/v1/SubjectAccessReview": "SubjectAccessReview",
    "authorization.k8s.io/v1/SelfSubjectRulesReview": "SelfSubjectRulesReview",
    "authentication.k8s.io/v1/SelfSubjectReview": "SelfSubjectReview",
  }).map(([gvk, name]) => [gvk, root.lookupType(`k8s.${name}`)]),
);

type Decoded = protobuf.Message & Record<string, unknown>;

/**
 * The JSON kubectl means by a decoded message: the fields that were on the wire, less the empty
 * strings and false booleans Go writes for every non-pointer field and its JSON leaves out
 * (omitempty); an IntOrString is its number or its string, bytes are base64 as in Go's JSON.
 */
function toJson(type: protobuf.Type, message: Decoded): Json {
  if (type === INT_OR_STRING)
    return Number(message["type"]) === 1 ? String(message["strVal"] ?? "") : Number(message["intVal"] ?? 0);
  const out: JsonObject = {};
  for (const field of type.fieldsArray) {
    const value = message[field.name];
    const nested = field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
    if (field.map) {
      const entries = Object.entries(value as Record<string, unknown>);
      if (entries.length)
        out[field.name] = Object.fromEntries(entries.map(([k, v]) => [k, mapValue(nested, v)]));
    } else if (field.repeated) {
      const items = value as unknown[];
      if (items.length)
        out[field.name] = items.map((v) => (nested ? toJson(nested, v as Decoded) : (v as Json)));
    } else if (Object.prototype.hasOwnProperty.call(message, field.name)) {
      if (nested) out[field.name] = toJson(nested, value as Decoded);
      else if (typeof value === "string" || typeof value === "boolean") {
        if (value) out[field.name] = value;
      } else out[field.name] = Number(value);
    }
  }
  return out;
}

/** A map's value as JSON: a message converted, bytes as base64, a string as is. */
function mapValue(nested: protobuf.Type | undefined, value: unknown): Json {
  if (nested) return toJson(nested, value as Decoded);
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  return value as Json;
}

const MAGIC = Buffer.from("k8s\0", "latin1");

/** Decodes a protobuf request body into the JSON object it stands for. */
export function decodeProtobuf(raw: Buffer, kind: string): JsonObject {
  try {
    if (!raw.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error("missing k8s magic");
    const envelope = UNKNOWN.decode(raw.subarray(MAGIC.length)) as Decoded;
    const typeMeta = (envelope["typeMeta"] ?? {}) as { apiVersion?: string; kind?: string };
    const apiVersion = typeMeta.apiVersion ?? "";
    const objKind = typeMeta.kind || kind;
    const type = TYPES[`${apiVersion}/${objKind}`];
    if (!type) throw errors.unsupportedMediaType(["application/json", "application/yaml"]);
    const object = toJson(
      type,
      type.decode((envelope["raw"] as Uint8Array | undefined) ?? new Uint8Array()) as Decoded,
    );
    return { apiVersion, kind: objKind, ...(object as JsonObject) };
  } catch (err) {
    if (err instanceof Error && "code" in err) throw err;
    throw errors.badRequest(
      `the object provided is unrecognized (must be of type ${kind}): ${(err as Error).message}`,
    );
  }
}
