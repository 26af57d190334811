// A pass-through in front of the stack's API for the CLI tests: it records what each request
// carried (method, path, Authorization) and what the API answered, so tests can check which token
// the CLI sent. Until the API advertises its sign-in (components.securitySchemes.entra in
// openapi.json, from the API-authentication branch) it adds that scheme, with the stack's issuer and
// audience, exactly as the contract states; once the API has it, the document passes unchanged.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface SeenRequest {
  method: string;
  path: string;
  authorization?: string;
  status: number;
}

export interface ApiFront {
  /** Base URL like the API's, e.g. http://127.0.0.1:1234/api */
  api: string;
  seen: SeenRequest[];
  /**
   * True once the front had to add the scheme: the API behind it predates authentication (it
   * answers without a token and never 401/403).
   */
  readonly addedScheme: boolean;
  close(): Promise<void>;
}

const HOP_BY_HOP = [
  "connection",
  "content-length",
  "transfer-encoding",
  "content-encoding",
  "keep-alive",
  "host",
];

export async function startApiFront(
  upstreamApi: string,
  issuer: string,
  audience: string,
): Promise<ApiFront> {
  const upstream = new URL(upstreamApi);
  const seen: SeenRequest[] = [];
  let addedScheme = false;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        const headers = new Headers();
        for (const [k, v] of Object.entries(req.headers))
          if (!HOP_BY_HOP.includes(k) && typeof v === "string") headers.set(k, v);
        const body = chunks.length ? Buffer.concat(chunks) : undefined;
        const r = await fetch(`${upstream.origin}${req.url ?? "/"}`, {
          method: req.method ?? "GET",
          headers,
          ...(body ? { body } : {}),
        });
        let text = await r.text();
        if (r.status === 200 && (req.url ?? "").split("?")[0]!.endsWith("/openapi.json")) {
          const doc = JSON.parse(text) as { components?: { securitySchemes?: Record<string, unknown> } };
          const components = (doc.components ??= {});
          const schemes = (components.securitySchemes ??= {});
          if (!schemes["entra"]) {
            addedScheme = true;
            schemes["entra"] = {
              type: "openIdConnect",
              openIdConnectUrl: `${issuer}/.well-known/openid-configuration`,
              "x-aks-vending-audience": audience,
            };
          }
          text = JSON.stringify(doc);
        }
        seen.push({
          method: req.method ?? "GET",
          path: req.url ?? "/",
          ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
          status: r.status,
        });
        const out: Record<string, string> = {};
        r.headers.forEach((v, k) => {
          if (!HOP_BY_HOP.includes(k)) out[k] = v;
        });
        res.writeHead(r.status, out);
        res.end(text);
      })().catch((e: unknown) => {
        res.writeHead(502);
        res.end(String(e));
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    api: `http://127.0.0.1:${port}${upstream.pathname.replace(/\/+$/, "")}`,
    seen,
    get addedScheme() {
      return addedScheme;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
