// Optimistic concurrency of the cluster API (RFC 9110 §13): every status document answers with
// `ETag: "<generation>"`; a change sent with `If-Match` applies only while the cluster is still at
// that generation (412 otherwise), and `If-None-Match: *` only creates. The Table row written with
// its own ETag is what makes this exact under concurrent requests (application/cluster-api.ts).
import { armError, type ApiRequest, type ApiResponse } from "./responses.js";

/** The ETag of a cluster at `generation`: a strong, quoted decimal. */
export function etagOf(generation: number): string {
  return `"${generation}"`;
}

function tags(header: string): string[] {
  return header
    .split(",")
    .map((t) => t.trim().replace(/^W\//, ""))
    .filter((t) => t !== "");
}

export function preconditionFailed(message: string): ApiResponse {
  return armError(412, "PreconditionFailed", message);
}

/**
 * 412 when the request's If-Match does not match the cluster (`generation`; undefined: it does not
 * exist) or its If-None-Match: * meets an existing one; undefined when the change may proceed.
 */
export function checkPreconditions(
  request: ApiRequest,
  generation: number | undefined,
): ApiResponse | undefined {
  const ifMatch = request.headers.get("if-match");
  if (ifMatch !== null) {
    const wanted = tags(ifMatch);
    if (generation === undefined)
      return preconditionFailed(`If-Match ${ifMatch}: the cluster does not exist`);
    if (!wanted.includes("*") && !wanted.includes(etagOf(generation)))
      return preconditionFailed(
        `If-Match ${ifMatch} does not match: the cluster is at generation ${generation} (ETag ${etagOf(generation)}); read it again and decide again`,
      );
  }
  const ifNoneMatch = request.headers.get("if-none-match");
  if (ifNoneMatch !== null && generation !== undefined && tags(ifNoneMatch).includes("*"))
    return preconditionFailed("If-None-Match: * and the cluster exists");
  return undefined;
}

/** Did the request carry If-Match (a lost race is then its 412, not a 409)? */
export function hasIfMatch(request: ApiRequest): boolean {
  return request.headers.get("if-match") !== null;
}
