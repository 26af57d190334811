// The interactive sign-in's model (no HTTP): the OAuth 2.0 authorization code flow with PKCE as Entra
// ID runs it for a single-page app such as the portal. A sign-in request is checked and kept while the
// developer picks a name, a team and an app role on the sign-in page (there are no passwords on the
// local stack); signing in issues a one-time code bound to the client, the redirect URI and the S256
// code challenge; the token endpoint redeems the code only with the matching code_verifier. MSAL.js
// drives this exactly as it drives Entra ID. The page and the endpoints are in routes.ts.
import { createHash, randomBytes } from "node:crypto";
import { ROLES, type Role } from "../../../shared/auth/caller.js";
import { SignInErrors } from "./errors.js";

/** How long a sign-in page and a code stay valid (Entra ID: codes live about 10 minutes). */
const PENDING_TTL_MS = 10 * 60_000;
const CODE_TTL_MS = 5 * 60_000;

export type ResponseMode = "query" | "fragment";

/** Where a sign-in's answer goes. */
export interface SignInTarget {
  clientId: string;
  redirectUri: string;
  responseMode: ResponseMode;
  state?: string;
}

/** What the authorize request asked for, besides its target. */
export interface AuthorizeParams {
  responseType: string | null;
  scope: string | null;
  nonce: string | null;
  codeChallenge: string | null;
  codeChallengeMethod: string | null;
}

interface PendingSignIn extends SignInTarget {
  scope: string;
  nonce?: string;
  codeChallenge: string;
  expiresAt: number;
}

interface IssuedCode extends PendingSignIn {
  user: string;
  team: string;
  role: Role;
}

/** Who signed in, for which app and API scope: what the token endpoint issues tokens for. */
export interface SignedInUser {
  clientId: string;
  scope: string;
  nonce?: string;
  user: string;
  team: string;
  role: Role;
}

/** What the token endpoint received for grant_type=authorization_code. */
export interface CodeRedemption {
  code: string | null;
  clientId: string | null;
  redirectUri: string | null;
  codeVerifier: string | null;
  scope: string | null;
}

const base64url = (b: Buffer): string => b.toString("base64url");

/**
 * The target of a sign-in, checked before anything else (errors after this go back to the app). Only
 * loopback redirect URIs: the emulator has no app registrations, and a code must never be handed to
 * a page outside this machine.
 */
export function signInTarget(
  clientId: string | null,
  redirectUri: string | null,
  responseMode: string | null,
  state: string | null,
): SignInTarget {
  if (!clientId) throw SignInErrors.MissingClientId();
  if (!isLoopback(redirectUri)) throw SignInErrors.RedirectUriNotLoopback();
  return {
    clientId,
    redirectUri,
    responseMode: responseMode === "fragment" ? "fragment" : "query",
    ...(state ? { state } : {}),
  };
}

function isLoopback(uri: string | null): uri is string {
  if (!uri) return false;
  try {
    const u = new URL(uri);
    if (u.protocol !== "http:" && u.protocol !== "https:") return false;
    return ["127.0.0.1", "localhost", "[::1]"].includes(u.hostname);
  } catch {
    return false;
  }
}

/** Pending sign-ins and issued codes, in memory: both are short-lived, as in Entra ID. */
export class AuthorizationCodes {
  private readonly pending = new Map<string, PendingSignIn>();
  private readonly codes = new Map<string, IssuedCode>();

  constructor(private readonly now: () => number = Date.now) {}

  private sweep(): void {
    const t = this.now();
    for (const [k, v] of this.pending) if (v.expiresAt < t) this.pending.delete(k);
    for (const [k, v] of this.codes) if (v.expiresAt < t) this.codes.delete(k);
  }

  /** Checks an authorize request and keeps it until the sign-in; returns the sign-in's id. */
  begin(target: SignInTarget, p: AuthorizeParams): string {
    this.sweep();
    if (p.responseType !== "code") throw SignInErrors.UnsupportedResponseType();
    if (!p.codeChallenge || p.codeChallengeMethod !== "S256") throw SignInErrors.PkceRequired();
    const id = base64url(randomBytes(18));
    this.pending.set(id, {
      ...target,
      scope: p.scope ?? "",
      ...(p.nonce ? { nonce: p.nonce } : {}),
      codeChallenge: p.codeChallenge,
      expiresAt: this.now() + PENDING_TTL_MS,
    });
    return id;
  }

  /** The sign-in page's answer: issues a code; returns it with where it goes. */
  signIn(
    requestId: string,
    who: { user: string; team: string; role: string },
  ): { target: SignInTarget; code: string } {
    this.sweep();
    const pending = this.pending.get(requestId);
    if (!pending) throw SignInErrors.SignInExpired();
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(who.user) || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(who.team))
      throw SignInErrors.BadUserOrTeam();
    if (!(ROLES as readonly string[]).includes(who.role)) throw SignInErrors.UnknownRole(who.role);
    this.pending.delete(requestId);
    const code = base64url(randomBytes(32));
    this.codes.set(code, {
      ...pending,
      user: who.user,
      team: who.team,
      role: who.role as Role,
      expiresAt: this.now() + CODE_TTL_MS,
    });
    const { clientId, redirectUri, responseMode, state } = pending;
    return {
      target: { clientId, redirectUri, responseMode, ...(state !== undefined ? { state } : {}) },
      code,
    };
  }

  /** grant_type=authorization_code: one use, same client and redirect URI, and the PKCE proof. */
  redeem(r: CodeRedemption): SignedInUser {
    this.sweep();
    const code = r.code ?? "";
    const issued = this.codes.get(code);
    // A code is single-use whatever happens next (RFC 6749 §4.1.2).
    this.codes.delete(code);
    if (!issued) throw SignInErrors.CodeExpiredOrRedeemed();
    if (r.clientId !== issued.clientId) throw SignInErrors.CodeOfAnotherClient();
    if (r.redirectUri !== issued.redirectUri) throw SignInErrors.RedirectUriMismatch();
    const verifier = r.codeVerifier ?? "";
    if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier)) throw SignInErrors.VerifierMalformed();
    if (base64url(createHash("sha256").update(verifier).digest()) !== issued.codeChallenge)
      throw SignInErrors.VerifierMismatch();
    return {
      clientId: issued.clientId,
      scope: r.scope ?? issued.scope,
      ...(issued.nonce !== undefined ? { nonce: issued.nonce } : {}),
      user: issued.user,
      team: issued.team,
      role: issued.role,
    };
  }
}
