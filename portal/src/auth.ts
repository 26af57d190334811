// Sign-in with MSAL.js: the authorization code flow with PKCE against Entra ID in Azure, or against
// the Azure emulator's issuer on the local stack (same protocol, its own sign-in page). The token
// cache lives in sessionStorage: closing the tab signs out.
import { InteractionRequiredAuthError, PublicClientApplication, type AccountInfo } from "@azure/msal-browser";

export interface SignInConfig {
  clientId: string;
  authority: string;
  knownAuthorities: string[];
  scopes: string[];
}

export interface Session {
  account: AccountInfo | null;
  signIn(): Promise<void>;
  signOut(): Promise<void>;
  /** An access token for the API (renewed silently, or by signing in again). */
  token(): Promise<string>;
}

/** The portal's own URL is its redirect URI (register it as a single-page application in Entra ID). */
export const REDIRECT_URI = `${location.origin}/api/portal/`;

export async function startSession(config: SignInConfig): Promise<Session> {
  const msal = new PublicClientApplication({
    auth: {
      clientId: config.clientId,
      authority: config.authority,
      knownAuthorities: config.knownAuthorities,
      redirectUri: REDIRECT_URI,
      postLogoutRedirectUri: REDIRECT_URI,
    },
    cache: { cacheLocation: "sessionStorage" },
  });
  await msal.initialize();
  const result = await msal.handleRedirectPromise();
  const account = result?.account ?? msal.getActiveAccount() ?? msal.getAllAccounts()[0] ?? null;
  if (account) msal.setActiveAccount(account);
  const request = { scopes: config.scopes };
  return {
    account,
    signIn: () => msal.loginRedirect(request),
    // The local issuer has no end-session endpoint; forgetting the tokens is what signing out means here.
    signOut: async () => {
      await msal.clearCache();
      location.assign(REDIRECT_URI);
    },
    token: async () => {
      const active = msal.getActiveAccount();
      if (!active) throw new Error("not signed in");
      try {
        return (await msal.acquireTokenSilent({ ...request, account: active })).accessToken;
      } catch (e) {
        if (e instanceof InteractionRequiredAuthError) await msal.acquireTokenRedirect(request);
        throw e;
      }
    },
  };
}
