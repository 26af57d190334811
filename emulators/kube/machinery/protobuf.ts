// kubectl 1.31+ sends `create namespace` and `create configmap` as Kubernetes protobuf
// (Content-Type application/vnd.kubernetes.protobuf): the "k8s\0" magic, then a runtime.Unknown
// envelope around the object. No protobuf library is installed and the generated descriptors of
// k8s.io/api are not available here, so this decodes the few messages those commands send by
// their field numbers (k8s.io/api/core/v1/generated.proto, apimachinery meta/v1/generated.proto).
import { errors } from "./status.js";
import type { JsonObject } from "./types.js";

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

const DECODERS: Record<string, (f: Field[]) => JsonObject> = {
  "v1/Namespace": (f) => {
    const spec = fields(bytesOf(f, 2)[0] ?? Buffer.alloc(0));
    const finalizers = bytesOf(spec, 1).map((b) => b.toString("utf8"));
    const out: JsonObject = { metadata: objectMeta(bytesOf(f, 1)[0]), spec: {} };
    if (finalizers.length) out["spec"] = { finalizers };
    return out;
  },
  "v1/ConfigMap": (f) => {
    const data = stringMap(f, 2);
    return { metadata: objectMeta(bytesOf(f, 1)[0]), ...(data ? { data } : {}) };
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
