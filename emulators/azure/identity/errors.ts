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
