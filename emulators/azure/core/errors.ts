// ARM's error body: { error: { code, message, target?, details? } }. Providers throw ArmError with the
// real code; the server turns it into the wire response.
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

export function resourceGroupNotFound(rg: string): ArmError {
  return new ArmError(404, "ResourceGroupNotFound", `Resource group '${rg}' could not be found.`);
}

export function resourceNotFound(type: string, name: string, rg: string): ArmError {
  return new ArmError(
    404,
    "ResourceNotFound",
    `The Resource '${type}/${name}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  );
}

export function invalidRequestContent(message: string): ArmError {
  return new ArmError(400, "InvalidRequestContent", message);
}
