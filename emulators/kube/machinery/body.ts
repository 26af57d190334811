// Request bodies as the API server decodes them: JSON (also when Content-Type is missing, as kubectl
// sends on `create namespace`), YAML for apply patches, with the server's 400 for malformed input.
import { parse as parseYaml } from "yaml";
import { decodeProtobuf } from "./protobuf.js";
import { errors } from "./status.js";
import type { Json } from "./types.js";

export type PatchType = "json" | "merge" | "strategic" | "apply";

export function patchTypeOf(contentType: string | undefined): PatchType {
  const media = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  switch (media) {
    case "application/json-patch+json":
      return "json";
    case "application/merge-patch+json":
      return "merge";
    case "application/strategic-merge-patch+json":
      return "strategic";
    case "application/apply-patch+yaml":
      return "apply";
    default:
      throw errors.unsupportedMediaType([
        "application/json-patch+json",
        "application/merge-patch+json",
        "application/apply-patch+yaml",
        "application/strategic-merge-patch+json",
      ]);
  }
}

/** Go's encoding/json wording for the two common failures: truncated input and a stray character. */
function jsonErrorText(err: unknown, text: string): string {
  const message = err instanceof Error ? err.message : String(err);
  const position = Number(/position (\d+)/.exec(message)?.[1] ?? NaN);
  const trimmed = text.trimEnd();
  if (/Unexpected end/i.test(message) || trimmed === "" || position >= trimmed.length)
    return "unexpected end of JSON input";
  const offending = Number.isFinite(position) ? text[position] : /Unexpected token '?(.)/.exec(message)?.[1];
  return `invalid character '${offending ?? "?"}' looking for beginning of value`;
}

/** Parses a create/update body; `kind` names the expected type in the error as upstream does. */
export function parseObjectBody(raw: Buffer, contentType: string | undefined, kind: string): Json {
  const media = (contentType ?? "application/json").split(";")[0]!.trim().toLowerCase();
  const text = raw.toString("utf8");
  if (media === "application/yaml") {
    try {
      return parseYaml(text) as Json;
    } catch (err) {
      throw errors.badRequest(`error converting YAML to JSON: ${(err as Error).message.split("\n")[0]}`);
    }
  }
  if (media === "application/vnd.kubernetes.protobuf") return decodeProtobuf(raw, kind);
  if (media !== "application/json" && media !== "" && media !== "*/*")
    throw errors.unsupportedMediaType([
      "application/json",
      "application/yaml",
      "application/vnd.kubernetes.protobuf",
    ]);
  try {
    return JSON.parse(text) as Json;
  } catch (err) {
    throw errors.badRequest(
      `the object provided is unrecognized (must be of type ${kind}): couldn't get version/kind; json parse error: ${jsonErrorText(err, text)}`,
    );
  }
}

export function parsePatchBody(raw: Buffer, type: PatchType): Json {
  const text = raw.toString("utf8");
  if (type === "apply") {
    try {
      return JSON.parse(text) as Json;
    } catch {
      try {
        return parseYaml(text) as Json;
      } catch (err) {
        throw errors.badRequest(`error decoding YAML: ${(err as Error).message.split("\n")[0]}`);
      }
    }
  }
  try {
    return JSON.parse(text) as Json;
  } catch (err) {
    throw errors.badRequest(jsonErrorText(err, text));
  }
}
