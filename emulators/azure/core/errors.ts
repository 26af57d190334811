// ARM's error body, `{ error: { code, message, target?, details? } }`, and the errors ARM itself
// answers for any provider. Every error the emulator sends is named in a catalogue (this file and each
// provider's errors.ts): one factory per ARM error code, holding its status and its exact wording, so
// models and routes throw `ArmErrors.ResourceGroupNotFound(rg)` and never spell a code or status.
export interface ArmErrorDetail {
  code: string;
  message: string;
  target?: string;
  details?: ArmErrorDetail[];
}

export class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly target?: string,
    readonly details?: ArmErrorDetail[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toBody(): { error: ArmErrorDetail } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.target !== undefined ? { target: this.target } : {}),
        ...(this.details ? { details: this.details } : {}),
      },
    };
  }
}

/** What an error says besides its status and code: its message, or the message with more. */
export type ErrorText =
  string | { message: string; target?: string; details?: ArmErrorDetail[]; headers?: Record<string, string> };

/** One catalogue entry: the status and the wording; the code is the entry's name unless given. */
export interface ErrorSpec {
  status: number;
  code?: string;
  text: (...args: never) => ErrorText;
}

/** Builds an ArmError; carries its status and code so tests and callers can read them. */
export type ErrorFactory<S extends ErrorSpec> = ((...args: Parameters<S["text"]>) => ArmError) & {
  readonly status: number;
  readonly code: string;
};

export type ErrorCatalogue<T extends Record<string, ErrorSpec>> = {
  readonly [K in keyof T]: ErrorFactory<T[K]>;
};

/** A provider's errors, one factory per code. */
export function armErrors<T extends Record<string, ErrorSpec>>(specs: T): ErrorCatalogue<T> {
  const entries = Object.entries(specs).map(([name, spec]) => {
    const code = spec.code ?? name;
    const text = spec.text as (...args: unknown[]) => ErrorText;
    const make = (...args: unknown[]): ArmError => {
      const t = text(...args);
      const e = typeof t === "string" ? { message: t } : t;
      return new ArmError(spec.status, code, e.message, e.target, e.details, e.headers);
    };
    return [name, Object.assign(make, { status: spec.status, code })];
  });
  return Object.fromEntries(entries) as ErrorCatalogue<T>;
}

const NOT_FOUND_HELP = "For more details please go to https://aka.ms/ARMResourceNotFoundFix";

/** What ARM answers before or around any resource provider. */
export const ArmErrors = armErrors({
  SubscriptionNotFound: {
    status: 404,
    text: (sub: string) => `The subscription '${sub}' could not be found.`,
  },
  ResourceGroupNotFound: {
    status: 404,
    text: (rg: string) => `Resource group '${rg}' could not be found.`,
  },
  ResourceGroupBeingDeleted: {
    status: 409,
    text: (rg: string) =>
      `The resource group '${rg}' is in deprovisioning state and cannot perform this operation.`,
  },
  /** `what` is "type/name" under a resource group, or a whole resource id. */
  ResourceNotFound: {
    status: 404,
    text: (what: string, rg?: string) =>
      `The Resource '${what}'${rg !== undefined ? ` under resource group '${rg}'` : ""} was not found. ${NOT_FOUND_HELP}`,
  },
  InvalidRequestContent: {
    status: 400,
    text: (reason?: string) =>
      `The request content was invalid and could not be deserialized${reason !== undefined ? `: '${reason}'` : ""}.`,
  },
  LocationRequired: {
    status: 400,
    text: () => "The location property is required for this definition.",
  },
  RequestEntityTooLarge: { status: 413, text: () => "The request content is too large." },
  MethodNotAllowed: {
    status: 405,
    text: (method: string) => `The requested resource does not support http method '${method}'.`,
  },
  InvalidResourceType: {
    status: 404,
    text: (path: string) => `The resource type could not be found for path '${path}' (not emulated).`,
  },
  MissingApiVersionParameter: {
    status: 400,
    text: () => "The api-version query parameter (?api-version=) is required for all requests.",
  },
  OperationNotFound: {
    status: 404,
    text: (id: string) => `The operation '${id}' could not be found.`,
  },
  /** Anything the emulator did not expect: a bug, reported as ARM reports its own. */
  InternalServerError: { status: 500, text: (message: string) => message },
});

/** A long-running operation's failure, relayed with the code it ended with (polled result). */
export function operationFailed(error: { code: string; message: string } | undefined): ArmError {
  const e = error ?? { code: "Failed", message: "The operation failed." };
  return new ArmError(400, e.code, e.message);
}

/** A request fault the fault injector chose (throttling, 5xx): its status and code come from the rule. */
export function injectedFault(f: {
  status: number;
  code: string;
  message: string;
  retryAfterSeconds?: number;
  retryAfterMs?: number;
}): ArmError {
  const headers: Record<string, string> = {
    ...(f.retryAfterSeconds !== undefined ? { "Retry-After": String(f.retryAfterSeconds) } : {}),
    ...(f.retryAfterMs !== undefined ? { "x-ms-retry-after-ms": String(f.retryAfterMs) } : {}),
  };
  return new ArmError(f.status, f.code, f.message, undefined, undefined, headers);
}
