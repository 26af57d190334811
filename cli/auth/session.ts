// Which API a command talks to and which token it sends. API: --api > AKSV_API_URL > the signed-in
// profile's API > the local default. Token: --token > AKSV_TOKEN > the profile (commander gives a
// command-line option precedence over its environment variable). A profile's token goes to its own
// API only; a stored dev token close to expiry is renewed from the local issuer and stored again.
import type { TokenCredential } from "@azure/identity";
import { LOCAL_API_URL } from "../../shared/api/local.js";
import { CliError } from "../errors.js";
import { loadProfile, profilePath, saveProfile, sameApi, type Profile } from "./profile.js";
import { azureCredential, azureToken, devToken, expiresSoon, type AccessToken } from "./tokens.js";

export const DEFAULT_API = LOCAL_API_URL;

/** Called before each request, so a long wait keeps a fresh token. */
export type TokenProvider = () => Promise<string>;

export interface Session {
  api: string;
  token?: TokenProvider;
  /** Why no profile token is sent (for the hint after a 401). */
  note?: string;
}

function fromProfile(profile: Profile, path: string): TokenProvider {
  if (profile.kind === "dev-token") {
    let current: AccessToken = profile.token;
    return async () => {
      if (!expiresSoon(current)) return current.accessToken;
      try {
        current = await devToken(profile.grant, profile.audience);
      } catch (e) {
        throw new CliError(
          `the stored sign-in token has expired and could not be renewed (${(e as Error).message}); run aks-vending login`,
          1,
          "NotSignedIn",
        );
      }
      saveProfile({ ...profile, token: current }, path);
      return current.accessToken;
    };
  }
  let credential: TokenCredential | undefined;
  let current: AccessToken | undefined;
  return async () => {
    credential ??= await azureCredential();
    if (!current || expiresSoon(current)) current = await azureToken(credential, profile.audience);
    return current.accessToken;
  };
}

function tryLoad(path: string): Profile | undefined {
  try {
    return loadProfile(path);
  } catch {
    return undefined;
  }
}

/**
 * The API a command talks to when it sends no token of its own: --api (or AKSV_API_URL), else the
 * signed-in profile's, else the local default. `login` and `dev-token` use it too, so a second
 * `login` (say --use-azure-identity after a dev-token login) stays with the API signed in to.
 */
export function apiFor(g: { api?: string }): string {
  return (g.api ?? tryLoad(profilePath())?.api ?? DEFAULT_API).replace(/\/+$/, "");
}

export function resolveSession(g: { api?: string; token?: string }): Session {
  const path = profilePath();
  // With a token at hand the profile only names the default API: a damaged one is no reason to stop.
  const profile = g.token && g.api ? undefined : g.token ? tryLoad(path) : loadProfile(path);
  const api = g.api ?? profile?.api ?? DEFAULT_API;
  if (g.token) {
    const token = g.token;
    return { api, token: async () => token };
  }
  if (!profile) return { api, note: "not signed in" };
  if (!sameApi(profile.api, api))
    return { api, note: `the stored sign-in (${path}) is for ${profile.api}, so no token was sent` };
  return { api, token: fromProfile(profile, path) };
}
