// Kubernetes protobuf request bodies as kubectl 1.33 sends them for its `create` generators
// (captured bodies in test/fixtures/kube-protobuf), decoded into the object kubectl's own
// `--dry-run=client -o json` prints; and the API server's answers to bodies it cannot decode.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import protobuf from "protobufjs";
import { decodeProtobuf } from "../../../emulators/kube/machinery/protobuf.js";
import { ApiError } from "../../../emulators/kube/machinery/status.js";

/** The repository root (this file runs from dist/test/unit/kube/). */
const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

interface Case {
  command: string;
  kind: string;
  body: string;
  object: Record<string, unknown>;
}

const { cases } = JSON.parse(
  readFileSync(join(REPO_ROOT, "test", "fixtures", "kube-protobuf", "kubectl-create.json"), "utf8"),
) as { cases: Case[] };

for (const c of cases)
  test(`decodes what \`${c.command}\` sends`, () => {
    assert.deepEqual(decodeProtobuf(Buffer.from(c.body, "base64"), c.kind), c.object);
  });

/** The k8s envelope around a TypeMeta and raw bytes, written field by field. */
function envelope(apiVersion: string, kind: string, raw: Uint8Array): Buffer {
  const typeMeta = protobuf.Writer.create().uint32(10).string(apiVersion).uint32(18).string(kind).finish();
  const unknown = protobuf.Writer.create().uint32(10).bytes(typeMeta).uint32(18).bytes(raw).finish();
  return Buffer.concat([Buffer.from("k8s\0", "latin1"), unknown]);
}

function refused(body: Buffer, kind: string, code: number, reason: string, message: RegExp): void {
  assert.throws(
    () => decodeProtobuf(body, kind),
    (e: unknown) =>
      e instanceof ApiError && e.code === code && e.reason === reason && message.test(e.message),
  );
}

test("a kind it has no schema for is 415 UnsupportedMediaType, as for a protobuf body of a CRD", () => {
  refused(
    envelope("stable.example.com/v1", "CronTab", new Uint8Array()),
    "CronTab",
    415,
    "UnsupportedMediaType",
    /^the body of the request was in an unknown format - accepted media types include: application\/json, application\/yaml$/,
  );
});

test("a body without the k8s magic or cut short is 400 BadRequest naming the expected kind", () => {
  const body = Buffer.from(cases[0]!.body, "base64");
  refused(
    body.subarray(4),
    "Namespace",
    400,
    "BadRequest",
    /^the object provided is unrecognized \(must be of type Namespace\): /,
  );
  refused(
    body.subarray(0, body.length - 3),
    "Namespace",
    400,
    "BadRequest",
    /^the object provided is unrecognized \(must be of type Namespace\): /,
  );
});
