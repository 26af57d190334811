// The sign-in page and the error page of the interactive sign-in (HTML only; routes.ts serves them).
// The pages have no script at all; the form posts to the issuer, whose answer redirects to the app.
import { ROLES } from "../../../shared/auth/caller.js";
import { DEFAULT_TEAM_ROLE_PREFIX } from "../../../shared/auth/dev-token.js";
import type { ArmResponse } from "../core/router.js";

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Browsers apply form-action to the redirect that follows the post too, hence the app's origin. */
export function pageHeaders(redirectUri?: string): Record<string, string> {
  const app = redirectUri ? ` ${new URL(redirectUri).origin}` : "";
  return {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    "Content-Security-Policy": `default-src 'none'; style-src 'unsafe-inline'; form-action 'self'${app}; frame-ancestors 'none'; base-uri 'none'`,
    "X-Content-Type-Options": "nosniff",
  };
}

export function errorPage(status: number, message: string): ArmResponse {
  return {
    status,
    headers: pageHeaders(),
    body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign-in error</title></head><body><h1>Sign-in error</h1><p role="alert">${escapeHtml(message)}</p></body></html>`,
  };
}

export function signInPage(requestId: string, clientId: string, redirectUri: string): ArmResponse {
  const roles = ROLES.map(
    (r) => `<option value="${r}"${r === "Clusters.Write" ? " selected" : ""}>${r}</option>`,
  ).join("");
  const body = `<!doctype html>
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
  return { status: 200, headers: pageHeaders(redirectUri), body };
}
