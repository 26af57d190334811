// Interactive sign-in for browser apps (the portal): the OAuth 2.0 authorization code flow with PKCE
// as Entra ID runs it for a single-page app. GET …/oauth2/v2.0/authorize shows a small sign-in page
// where a developer picks a name, a team and an app role (there are no passwords on the local stack);
// POST …/authorize issues a one-time code bound to the client, the redirect URI and the S256 code
// challenge, and redirects back; the token endpoint exchanges the code only with the matching
// code_verifier. MSAL.js drives this exactly as it drives Entra ID.
import { createHash, randomBytes } from "node:crypto";
import { ROLES, type Role } from "../../../shared/auth/caller.js";
import { DEFAULT_TEAM_ROLE_PREFIX } from "../../../shared/auth/dev-token.js";
import type { ArmRequest, ArmResponse } from "../core/router.js";

/** How long a sign-in page and a code stay valid (Entra ID: codes live about 10 minutes). */
const PENDING_TTL_MS = 10 * 60_000;
const CODE_TTL_MS = 5 * 60_000;

interface AuthorizeRequest {
  clientId: string;
  redirectUri: string;
  scope: string;
  state?: string;
  nonce?: string;
  codeChallenge: string;
  responseMode: "query" | "fragment";
  expiresAt: number;
}

interface IssuedCode extends AuthorizeRequest {
  user: string;
  team: string;
  role: Role;
}

export interface SignedInUser {
  clientId: string;
  scope: string;
  nonce?: string;
  user: string;
  team: string;
  role: Role;
}

/** The token endpoint's answer to a redeemed code, or an OAuth error. */
export type Redeemed =
  { ok: true; user: SignedInUser } | { ok: false; status: number; error: string; description: string };

/** Access-Control headers a browser app needs on the issuer's metadata, keys and token answers (Entra ID sends them too). */
export function corsHeaders(req: ArmRequest): Record<string, string> {
  const origin = req.headers["origin"];
  return typeof origin === "string"
    ? { "Access-Control-Allow-Origin": origin, Vary: "Origin" }
    : { "Access-Control-Allow-Origin": "*" };
}

/** Answer to a CORS preflight: MSAL.js sends only simple requests, other clients may not. */
export function preflight(req: ArmRequest): ArmResponse {
  return {
    status: 204,
    headers: {
      ...corsHeaders(req),
      "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
      "Access-Control-Allow-Headers": "content-type",
      "Access-Control-Max-Age": "600",
    },
  };
}

const base64url = (b: Buffer): string => b.toString("base64url");

/**
 * Only loopback redirect URIs: the emulator has no app registrations, and a code must never be
 * handed to a page outside this machine.
 */
function loopbackRedirect(uri: string | null): string | undefined {
  if (!uri) return undefined;
  try {
    const u = new URL(uri);
    if (u.protocol !== "http:" && u.protocol !== "https:") return undefined;
    return ["127.0.0.1", "localhost", "[::1]"].includes(u.hostname) ? uri : undefined;
  } catch {
    return undefined;
  }
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function form(body: unknown): URLSearchParams {
  return typeof body === "string" ? new URLSearchParams(body) : new URLSearchParams();
}

/**
 * The page has no script at all; its form posts to this origin, whose answer redirects to the app
 * (browsers apply form-action to that redirect too, hence the app's origin).
 */
function pageHeaders(redirectUri?: string): Record<string, string> {
  const app = redirectUri ? ` ${new URL(redirectUri).origin}` : "";
  return {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    "Content-Security-Policy": `default-src 'none'; style-src 'unsafe-inline'; form-action 'self'${app}; frame-ancestors 'none'; base-uri 'none'`,
    "X-Content-Type-Options": "nosniff",
  };
}

function errorPage(status: number, message: string): ArmResponse {
  return {
    status,
    headers: pageHeaders(),
    body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign-in error</title></head><body><h1>Sign-in error</h1><p role="alert">${escapeHtml(message)}</p></body></html>`,
  };
}

function signInPage(requestId: string, clientId: string, redirectUri: string): string {
  const roles = ROLES.map(
    (r) => `<option value="${r}"${r === "Clusters.Write" ? " selected" : ""}>${r}</option>`,
  ).join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in — aks-vending local issuer</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;background:#f4f5f7;color:#1b1f24;margin:0}
main{max-width:28rem;margin:4rem auto;background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 4px #0003}
h1{font-size:1.4rem;margin-top:0}label{display:block;font-weight:600;margin-top:1rem}
input,select{width:100%;box-sizing:border-box;padding:.5rem;font:inherit;border:1px solid #57606a;border-radius:4px}
button{margin-top:1.5rem;padding:.6rem 1.2rem;font:inherit;font-weight:600;color:#fff;background:#0a58ca;border:0;border-radius:4px;cursor:pointer}
button:focus-visible,input:focus-visible,select:focus-visible{outline:3px solid #ffbf47;outline-offset:2px}
.hint{color:#4a535c;font-size:.9rem}
</style></head>
<body><main>
<h1>Sign in to the local stack</h1>
<p class="hint">This is the Azure emulator's stand-in for Entra ID: there is no password. Choose who you are, your team and your app role; the token carries them as Entra ID would (roles <code>${escapeHtml(DEFAULT_TEAM_ROLE_PREFIX)}&lt;team&gt;</code> and the app role).</p>
<p class="hint">Application <code>${escapeHtml(clientId)}</code> will receive the sign-in at <code>${escapeHtml(redirectUri)}</code>.</p>
<form method="post">
<input type="hidden" name="request" value="${escapeHtml(requestId)}">
<label for="user">User name</label><input id="user" name="user" value="developer" required pattern="[A-Za-z0-9._\\-]{1,64}" autocomplete="username">
<label for="team">Team</label><input id="team" name="team" value="platform" required pattern="[a-z0-9][a-z0-9\\-]{0,62}">
<label for="role">App role</label><select id="role" name="role">${roles}</select>
<button type="submit">Sign in</button>
</form></main></body></html>`;
}

/** Pending sign-ins and issued codes, in memory: both are short-lived, as in Entra ID. */
export class AuthorizationCodes {
  private readonly pending = new Map<string, AuthorizeRequest>();
  private readonly codes = new Map<string, IssuedCode>();

  constructor(private readonly now: () => number = Date.now) {}

  private sweep(): void {
    const t = this.now();
    for (const [k, v] of this.pending) if (v.expiresAt < t) this.pending.delete(k);
    for (const [k, v] of this.codes) if (v.expiresAt < t) this.codes.delete(k);
  }

  /** GET …/authorize: checks the request and shows the sign-in page. */
  authorize(req: ArmRequest): ArmResponse {
    this.sweep();
    const q = req.query;
    const clientId = q.get("client_id");
    const redirectUri = loopbackRedirect(q.get("redirect_uri"));
    if (!clientId) return errorPage(400, "AADSTS900144: The request must contain 'client_id'.");
    if (!redirectUri)
      return errorPage(
        400,
        "AADSTS50011: redirect_uri is missing or not a loopback address (the local issuer only redirects to 127.0.0.1 or localhost).",
      );
    // From here on errors go back to the app, as OAuth wants.
    const back = (error: string, description: string) =>
      redirect(redirectUri, responseModeOf(q.get("response_mode")), {
        error,
        error_description: description,
        ...(q.get("state") ? { state: q.get("state")! } : {}),
      });
    if (q.get("response_type") !== "code")
      return back("unsupported_response_type", "AADSTS700054: only response_type=code is supported.");
    const challenge = q.get("code_challenge");
    if (!challenge || q.get("code_challenge_method") !== "S256")
      return back(
        "invalid_request",
        "AADSTS9002325: Proof Key for Code Exchange is required: code_challenge with code_challenge_method=S256.",
      );
    const id = base64url(randomBytes(18));
    this.pending.set(id, {
      clientId,
      redirectUri,
      scope: q.get("scope") ?? "",
      ...(q.get("state") ? { state: q.get("state")! } : {}),
      ...(q.get("nonce") ? { nonce: q.get("nonce")! } : {}),
      codeChallenge: challenge,
      responseMode: responseModeOf(q.get("response_mode")),
      expiresAt: this.now() + PENDING_TTL_MS,
    });
    return { status: 200, headers: pageHeaders(redirectUri), body: signInPage(id, clientId, redirectUri) };
  }

  /** POST …/authorize: the sign-in page's form; issues a code and redirects back to the app. */
  signIn(req: ArmRequest): ArmResponse {
    this.sweep();
    const f = form(req.body);
    const pending = this.pending.get(f.get("request") ?? "");
    if (!pending)
      return errorPage(400, "This sign-in has expired or was already used; start again from the app.");
    const user = f.get("user") ?? "";
    const team = f.get("team") ?? "";
    const role = f.get("role") ?? "";
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(user) || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(team))
      return errorPage(400, "User name and team must be short names (letters, digits, '-').");
    if (!(ROLES as readonly string[]).includes(role)) return errorPage(400, `Unknown app role "${role}".`);
    this.pending.delete(f.get("request")!);
    const code = base64url(randomBytes(32));
    this.codes.set(code, { ...pending, user, team, role: role as Role, expiresAt: this.now() + CODE_TTL_MS });
    return redirect(pending.redirectUri, pending.responseMode, {
      code,
      ...(pending.state !== undefined ? { state: pending.state } : {}),
    });
  }

  /** grant_type=authorization_code: one use, same client and redirect URI, and the PKCE proof. */
  redeem(f: URLSearchParams): Redeemed {
    this.sweep();
    const fail = (error: string, description: string): Redeemed => ({
      ok: false,
      status: 400,
      error,
      description,
    });
    const code = f.get("code") ?? "";
    const issued = this.codes.get(code);
    // A code is single-use whatever happens next (RFC 6749 §4.1.2).
    this.codes.delete(code);
    if (!issued)
      return fail(
        "invalid_grant",
        "AADSTS70008: The provided authorization code has expired or was already redeemed.",
      );
    if (f.get("client_id") !== issued.clientId)
      return fail("invalid_grant", "AADSTS70000: The code was issued to another client.");
    if (f.get("redirect_uri") !== issued.redirectUri)
      return fail(
        "invalid_grant",
        "AADSTS50148: The redirect_uri does not match the one of the authorization request.",
      );
    const verifier = f.get("code_verifier") ?? "";
    if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier))
      return fail("invalid_request", "AADSTS501481: The code_verifier is missing or malformed.");
    if (base64url(createHash("sha256").update(verifier).digest()) !== issued.codeChallenge)
      return fail("invalid_grant", "AADSTS501481: The code_verifier does not match the code_challenge.");
    return {
      ok: true,
      user: {
        clientId: issued.clientId,
        scope: f.get("scope") ?? issued.scope,
        ...(issued.nonce !== undefined ? { nonce: issued.nonce } : {}),
        user: issued.user,
        team: issued.team,
        role: issued.role,
      },
    };
  }
}

function responseModeOf(value: string | null): "query" | "fragment" {
  return value === "fragment" ? "fragment" : "query";
}

function redirect(uri: string, mode: "query" | "fragment", params: Record<string, string>): ArmResponse {
  const u = new URL(uri);
  const p = new URLSearchParams(params);
  if (mode === "fragment") u.hash = p.toString();
  else for (const [k, v] of p) u.searchParams.set(k, v);
  return { status: 302, headers: { Location: u.toString(), "Cache-Control": "no-store" } };
}
