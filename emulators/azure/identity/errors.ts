// The 401s ARM answers for a bad bearer token, each with the WWW-Authenticate challenge it sends.
import { armErrors } from "../core/errors.js";

type Challenge = Record<string, string>;

export const IdentityErrors = armErrors({
  AuthenticationFailed: {
    status: 401,
    text: (headers: Challenge) => ({
      message: "Authentication failed. The 'Authorization' header is missing.",
      headers,
    }),
  },
  ExpiredAuthenticationToken: {
    status: 401,
    text: (expiredAt: Date, now: Date, headers: Challenge) => ({
      message: `The access token expiry UTC time '${expiredAt.toUTCString()}' is earlier than current UTC time '${now.toUTCString()}'.`,
      headers,
    }),
  },
  InvalidAuthenticationToken: {
    status: 401,
    text: (headers: Challenge) => ({ message: "The access token is invalid.", headers }),
  },
  InvalidAuthenticationTokenAudience: {
    status: 401,
    text: (audiences: string[], allowed: string[], headers: Challenge) => ({
      message: `The access token has been obtained for wrong audience or resource '${audiences.join(",")}'. It should exactly match with one of the allowed audiences '${allowed.join("','")}'.`,
      headers,
    }),
  },
});

/**
 * OAuth 2.0's error answer, as Entra ID's authorize and token endpoints give it: `error` is OAuth's
 * code, the description starts with the AADSTS number. Not an ARM error: these endpoints are not ARM.
 */
export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    description: string,
  ) {
    super(description);
  }

  toBody(): { error: string; error_description: string } {
    return { error: this.error, error_description: this.message };
  }
}

const oauth = (error: string, description: string) => () => new OAuthError(400, error, description);

/** The interactive sign-in's errors (authorization code + PKCE), one factory per case. */
export const SignInErrors = {
  // Shown on the issuer's own page: there is no trustworthy place to send them.
  MissingClientId: oauth("invalid_request", "AADSTS900144: The request must contain 'client_id'."),
  RedirectUriNotLoopback: oauth(
    "invalid_request",
    "AADSTS50011: redirect_uri is missing or not a loopback address (the local issuer only redirects to 127.0.0.1 or localhost).",
  ),
  SignInExpired: oauth(
    "invalid_request",
    "This sign-in has expired or was already used; start again from the app.",
  ),
  BadUserOrTeam: oauth("invalid_request", "User name and team must be short names (letters, digits, '-')."),
  UnknownRole: (role: string) => new OAuthError(400, "invalid_request", `Unknown app role "${role}".`),
  // Sent back to the app's redirect URI.
  UnsupportedResponseType: oauth(
    "unsupported_response_type",
    "AADSTS700054: only response_type=code is supported.",
  ),
  PkceRequired: oauth(
    "invalid_request",
    "AADSTS9002325: Proof Key for Code Exchange is required: code_challenge with code_challenge_method=S256.",
  ),
  // The token endpoint's answers to a code it will not redeem.
  CodeExpiredOrRedeemed: oauth(
    "invalid_grant",
    "AADSTS70008: The provided authorization code has expired or was already redeemed.",
  ),
  CodeOfAnotherClient: oauth("invalid_grant", "AADSTS70000: The code was issued to another client."),
  RedirectUriMismatch: oauth(
    "invalid_grant",
    "AADSTS50148: The redirect_uri does not match the one of the authorization request.",
  ),
  VerifierMalformed: oauth("invalid_request", "AADSTS501481: The code_verifier is missing or malformed."),
  VerifierMismatch: oauth(
    "invalid_grant",
    "AADSTS501481: The code_verifier does not match the code_challenge.",
  ),
} as const;
