// GET / when the HTTP triggers live under a route prefix: where the app's HTTP API is. In Azure this
// URL shows the Functions runtime's static default page ("Your Functions 4.0 app is up and
// running", or nothing with AzureWebJobsDisableHomepage); the local host lists the app's HTTP
// routes instead, in the order it tries them, so a newcomer who opens the bare URL finds the API
// and its documents. JSON when the client asks for it (Accept: application/json), else a small page.
import type { HttpRouter } from "./router.js";
import { header, jsonResponse, type HostRequest, type HostResponse } from "./types.js";

export interface HomeRoute {
  url: string;
  methods: string[];
  function: string;
  authLevel: string;
}

export function homeRoutes(router: HttpRouter, routePrefix: string, origin: string): HomeRoute[] {
  return router.routes.map((r) => ({
    url: `${origin}/${[routePrefix, r.route.template.replace(/^\/+/, "")].filter(Boolean).join("/")}`,
    methods: r.methods ? [...r.methods] : ["*"],
    function: r.fn.name,
    authLevel: r.authLevel,
  }));
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A GET route without parameters can be followed as a link. */
const followable = (r: HomeRoute): boolean =>
  (r.methods.includes("GET") || r.methods.includes("*")) && !r.url.includes("{");

export function homePage(
  req: HostRequest,
  router: HttpRouter,
  routePrefix: string,
  origin: string,
): HostResponse {
  const routes = homeRoutes(router, routePrefix, origin);
  const api = `${origin}/${routePrefix}`;
  const note =
    "Local Azure Functions host. In Azure this URL shows the Functions default page; the app's HTTP API is under the route prefix.";
  if (/application\/json/i.test(header(req, "accept") ?? ""))
    return jsonResponse(200, { message: note, api, routes });
  const items = routes
    .map((r) => {
      const url = escapeHtml(r.url);
      const link = followable(r) ? `<a href="${url}">${url}</a>` : `<code>${url}</code>`;
      return `<li>${link} <small>${escapeHtml(r.methods.join(", "))} · ${escapeHtml(r.function)} · ${escapeHtml(r.authLevel)}</small></li>`;
    })
    .join("\n");
  const html = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Local Functions host</title></head>
<body>
<h1>Local Functions host</h1>
<p>${escapeHtml(note)}</p>
<p>API: <a href="${escapeHtml(api)}">${escapeHtml(api)}</a></p>
<h2>HTTP routes</h2>
<ul>
${items}
</ul>
</body>
</html>
`;
  return { status: 200, headers: { "Content-Type": "text/html; charset=utf-8" }, body: html };
}
