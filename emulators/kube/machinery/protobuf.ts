// kubectl 1.31+ sends its `create <kind>` generators (namespace, configmap, deployment, job,
// service, serviceaccount) as Kubernetes protobuf
// (Content-Type application/vnd.kubernetes.protobuf): the "k8s\0" magic, then a runtime.Unknown
// envelope around the object. No protobuf library is installed and the generated descriptors of
// k8s.io/api are not available here, so this decodes the few messages those commands send by
// their field numbers (k8s.io/api/core/v1/generated.proto, apimachinery meta/v1/generated.proto).
import { errors } from "./status.js";
import type { Json, JsonObject } from "./types.js";

type Field = { no: number; wire: number; value: bigint | Buffer };

function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let i = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (i >= buf.length) throw new Error("truncated varint");
      const b = buf[i++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (i < buf.length) {
    const tag = Number(varint());
    const no = tag >> 3;
    const wire = tag & 7;
    if (wire === 0) out.push({ no, wire, value: varint() });
    else if (wire === 2) {
      const len = Number(varint());
      if (i + len > buf.length) throw new Error("truncated field");
      out.push({ no, wire, value: buf.subarray(i, i + len) });
      i += len;
    } else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
  return out;
}

const bytesOf = (f: Field[], no: number) =>
  f.filter((x) => x.no === no && x.wire === 2).map((x) => x.value as Buffer);
const stringOf = (f: Field[], no: number) => bytesOf(f, no)[0]?.toString("utf8");

function stringMap(f: Field[], no: number): Record<string, string> | undefined {
  const entries = bytesOf(f, no);
  if (entries.length === 0) return undefined;
  return Object.fromEntries(
    entries.map((e) => {
      const kv = fields(e);
      return [stringOf(kv, 1) ?? "", stringOf(kv, 2) ?? ""];
    }),
  );
}

function objectMeta(buf: Buffer | undefined): JsonObject {
  const f = fields(buf ?? Buffer.alloc(0));
  const meta: JsonObject = {};
  const set = (key: string, value: string | Record<string, string> | undefined) => {
    if (value !== undefined && value !== "") meta[key] = value;
  };
  set("name", stringOf(f, 1));
  set("generateName", stringOf(f, 2));
  set("namespace", stringOf(f, 3));
  set("resourceVersion", stringOf(f, 6));
  set("labels", stringMap(f, 11));
  set("annotations", stringMap(f, 12));
  return meta;
}

const sub = (f: Field[], no: number) => fields(bytesOf(f, no)[0] ?? Buffer.alloc(0));
const has = (f: Field[], no: number) => f.some((x) => x.no === no);
const intOf = (f: Field[], no: number) => {
  const v = f.find((x) => x.no === no && x.wire === 0)?.value;
  return typeof v === "bigint" ? Number(BigInt.asIntN(32, v)) : undefined;
};
const strings = (f: Field[], no: number) => bytesOf(f, no).map((b) => b.toString("utf8"));

/** Drops absent and empty-string members (Go's omitempty), so the result reads like kubectl's JSON. */
function compact(entries: Record<string, Json | undefined>): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(entries)) if (v !== undefined && v !== "") out[k] = v;
  return out;
}

function labelSelector(f: Field[]): JsonObject {
  const expressions = bytesOf(f, 2).map((b) => {
    const e = fields(b);
    return compact({ key: stringOf(e, 1), operator: stringOf(e, 2), values: strings(e, 3) });
  });
  return compact({
    matchLabels: stringMap(f, 1),
    matchExpressions: expressions.length ? expressions : undefined,
  });
}

function intOrString(f: Field[]): Json {
  return intOf(f, 1) === 1 ? (stringOf(f, 3) ?? "") : (intOf(f, 2) ?? 0);
}

function container(f: Field[]): JsonObject {
  const ports = bytesOf(f, 6).map((b) => {
    const p = fields(b);
    return compact({ name: stringOf(p, 1), containerPort: intOf(p, 3), protocol: stringOf(p, 4) });
  });
  const env = bytesOf(f, 7).map((b) => {
    const e = fields(b);
    return compact({ name: stringOf(e, 1), value: stringOf(e, 2) });
  });
  const list = (v: Json[]) => (v.length ? v : undefined);
  return compact({
    name: stringOf(f, 1),
    image: stringOf(f, 2),
    command: list(strings(f, 3)),
    args: list(strings(f, 4)),
    workingDir: stringOf(f, 5),
    ports: list(ports),
    env: list(env),
    resources: has(f, 8) ? {} : undefined,
    imagePullPolicy: stringOf(f, 14),
  });
}

function podTemplate(f: Field[]): JsonObject {
  const spec = sub(f, 2);
  const containers = bytesOf(spec, 2).map((b) => container(fields(b)));
  const init = bytesOf(spec, 20).map((b) => container(fields(b)));
  return {
    metadata: objectMeta(bytesOf(f, 1)[0]),
    spec: compact({
      containers,
      initContainers: init.length ? init : undefined,
      restartPolicy: stringOf(spec, 3),
      terminationGracePeriodSeconds: intOf(spec, 4),
      dnsPolicy: stringOf(spec, 6),
      nodeSelector: stringMap(spec, 7),
      serviceAccountName: stringOf(spec, 8),
      hostNetwork: intOf(spec, 11) === 1 ? true : undefined,
    }),
  };
}

const DECODERS: Record<string, (f: Field[]) => JsonObject> = {
  "v1/Namespace": (f) => {
    const finalizers = strings(sub(f, 2), 1);
    return {
      metadata: objectMeta(bytesOf(f, 1)[0]),
      spec: compact({ finalizers: finalizers.length ? finalizers : undefined }),
    };
  },
  "v1/ConfigMap": (f) => compact({ metadata: objectMeta(bytesOf(f, 1)[0]), data: stringMap(f, 2) }),
  "v1/ServiceAccount": (f) => ({ metadata: objectMeta(bytesOf(f, 1)[0]) }),
  "v1/Service": (f) => {
    const spec = sub(f, 2);
    const ports = bytesOf(spec, 1).map((b) => {
      const p = fields(b);
      return compact({
        name: stringOf(p, 1),
        protocol: stringOf(p, 2),
        port: intOf(p, 3),
        targetPort: has(p, 4) ? intOrString(sub(p, 4)) : undefined,
      });
    });
    return {
      metadata: objectMeta(bytesOf(f, 1)[0]),
      spec: compact({
        ports: ports.length ? ports : undefined,
        selector: stringMap(spec, 2),
        clusterIP: stringOf(spec, 3),
        type: stringOf(spec, 4),
      }),
    };
  },
  "apps/v1/Deployment": (f) => {
    const spec = sub(f, 2);
    return {
      metadata: objectMeta(bytesOf(f, 1)[0]),
      spec: compact({
        replicas: intOf(spec, 1),
        selector: has(spec, 2) ? labelSelector(sub(spec, 2)) : undefined,
        template: podTemplate(sub(spec, 3)),
        strategy: has(spec, 4) ? compact({ type: stringOf(sub(spec, 4), 1) }) : undefined,
      }),
    };
  },
  "batch/v1/Job": (f) => {
    const spec = sub(f, 2);
    return {
      metadata: objectMeta(bytesOf(f, 1)[0]),
      spec: compact({
        parallelism: intOf(spec, 1),
        completions: intOf(spec, 2),
        selector: has(spec, 4) ? labelSelector(sub(spec, 4)) : undefined,
        template: podTemplate(sub(spec, 6)),
        backoffLimit: intOf(spec, 7),
      }),
    };
  },
};

/** Decodes a protobuf request body into the JSON object it stands for. */
export function decodeProtobuf(raw: Buffer, kind: string): JsonObject {
  const magic = Buffer.from([0x6b, 0x38, 0x73, 0x00]);
  try {
    if (!raw.subarray(0, 4).equals(magic)) throw new Error("missing k8s magic");
    const unknown = fields(raw.subarray(4));
    const typeMeta = fields(bytesOf(unknown, 1)[0] ?? Buffer.alloc(0));
    const apiVersion = stringOf(typeMeta, 1) ?? "";
    const objKind = stringOf(typeMeta, 2) ?? kind;
    const decoder = DECODERS[`${apiVersion}/${objKind}`];
    if (!decoder) throw errors.unsupportedMediaType(["application/json", "application/yaml"]);
    return { apiVersion, kind: objKind, ...decoder(fields(bytesOf(unknown, 2)[0] ?? Buffer.alloc(0))) };
  } catch (err) {
    if (err instanceof Error && "code" in err) throw err;
    throw errors.badRequest(
      `the object provided is unrecognized (must be of type ${kind}): ${(err as Error).message}`,
    );
  }
}
