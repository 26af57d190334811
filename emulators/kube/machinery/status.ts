// Status bodies exactly as the API server shapes them (k8s.io/apimachinery/pkg/api/errors): clients
// branch on `reason` and `code` (kubectl's IsNotFound/IsConflict, client-node's ApiException.code).

export interface StatusCause {
  reason?: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never>;
  status: "Failure" | "Success";
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** A failed request: thrown by models and handlers, written by the server as a Status. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toStatus(): Status {
    return {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

/** The resource as errors name it: "pods" or "networkpolicies.networking.k8s.io". */
export interface GroupResource {
  group: string;
  resource: string;
}

function qualified(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

function detailsFor(gr: GroupResource, name: string): StatusDetails {
  return { name, ...(gr.group ? { group: gr.group } : {}), kind: gr.resource };
}

export const errors = {
  notFound: (gr: GroupResource, name: string) =>
    new ApiError(404, "NotFound", `${qualified(gr)} "${name}" not found`, detailsFor(gr, name)),
  alreadyExists: (gr: GroupResource, name: string) =>
    new ApiError(409, "AlreadyExists", `${qualified(gr)} "${name}" already exists`, detailsFor(gr, name)),
  conflict: (gr: GroupResource, name: string, why: string) =>
    new ApiError(
      409,
      "Conflict",
      `Operation cannot be fulfilled on ${qualified(gr)} "${name}": ${why}`,
      detailsFor(gr, name),
    ),
  staleResourceVersion: (gr: GroupResource, name: string) =>
    errors.conflict(
      gr,
      name,
      "the object has been modified; please apply your changes to the latest version and try again",
    ),
  /** 422 with one cause per field error; `kind` is the Kind (Pod), as NewInvalid names it. */
  invalid: (group: string, kind: string, name: string, causes: FieldError[]) => {
    const subject = group ? `${kind}.${group}` : kind;
    const texts = causes.map(fieldErrorText);
    const summary = texts.length === 1 ? texts[0]! : `[${texts.join(", ")}]`;
    return new ApiError(422, "Invalid", `${subject} "${name}" is invalid: ${summary}`, {
      name,
      ...(group ? { group } : {}),
      kind,
      causes: causes.map((c) => ({
        reason: c.type,
        message: fieldErrorText({ ...c, field: "" }).replace(/^: /, ""),
        field: c.field,
      })),
    });
  },
  badRequest: (message: string) => new ApiError(400, "BadRequest", message),
  forbidden: (gr: GroupResource, name: string, why: string) =>
    new ApiError(403, "Forbidden", `${qualified(gr)} "${name}" is forbidden: ${why}`, detailsFor(gr, name)),
  /** An authorizer's refusal: the whole message is given (it names the user, verb and scope). */
  forbiddenRequest: (gr: GroupResource, name: string | undefined, message: string) =>
    new ApiError(
      403,
      "Forbidden",
      message,
      gr.resource
        ? { ...(name ? { name } : {}), ...(gr.group ? { group: gr.group } : {}), kind: gr.resource }
        : {},
    ),
  methodNotSupported: (gr: GroupResource, action: string) =>
    new ApiError(
      405,
      "MethodNotAllowed",
      `${action} is not supported on resources of kind "${qualified(gr)}"`,
      {
        ...(gr.group ? { group: gr.group } : {}),
        kind: gr.resource,
      },
    ),
  unsupportedMediaType: (accepted: string[]) =>
    new ApiError(
      415,
      "UnsupportedMediaType",
      `the body of the request was in an unknown format - accepted media types include: ${accepted.join(", ")}`,
    ),
  pathNotFound: () => new ApiError(404, "NotFound", "the server could not find the requested resource", {}),
  unauthorized: () => new ApiError(401, "Unauthorized", "Unauthorized"),
  gone: (message: string) => new ApiError(410, "Expired", message),
  internal: (message: string) =>
    new ApiError(500, "InternalError", `Internal error occurred: ${message}`, {
      causes: [{ message }],
    }),
};

/** field.Error from apimachinery's validation/field package. */
export interface FieldError {
  type:
    | "FieldValueRequired"
    | "FieldValueInvalid"
    | "FieldValueNotSupported"
    | "FieldValueForbidden"
    | "FieldValueDuplicate"
    | "FieldValueTooLong"
    | "FieldValueTypeInvalid";
  field: string;
  /** The bad value, rendered as Go's %v/%q would render it (strings quoted), if any. */
  badValue?: string;
  detail?: string;
}

const TYPE_TEXT: Record<FieldError["type"], string> = {
  FieldValueRequired: "Required value",
  FieldValueInvalid: "Invalid value",
  FieldValueNotSupported: "Unsupported value",
  FieldValueForbidden: "Forbidden",
  FieldValueDuplicate: "Duplicate value",
  FieldValueTooLong: "Too long",
  FieldValueTypeInvalid: "Invalid value",
};

/** "spec.x: Invalid value: \"v\": detail" — ErrorBody's layout. */
export function fieldErrorText(e: FieldError): string {
  let text = `${e.field}: ${TYPE_TEXT[e.type]}`;
  const showsValue =
    e.type === "FieldValueInvalid" ||
    e.type === "FieldValueNotSupported" ||
    e.type === "FieldValueDuplicate" ||
    e.type === "FieldValueTypeInvalid";
  if (showsValue && e.badValue !== undefined) text += `: ${e.badValue}`;
  if (e.detail) text += `: ${e.detail}`;
  return text;
}

/** Go's %q / JSON rendering of a bad value. */
export function goValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null || value === undefined) return "null";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}
