// Part of `npm run build`: bundles the portal (portal/src, Preact + MSAL.js + the NetworkPolicy
// engine from shared/netpol) with esbuild into dist/portal, and lays out the API reference
// (Swagger UI from npm) under dist/portal/docs. functions/portal.ts serves that folder; the
// deployment zip (scripts/package.ts) carries it.
import { cp, mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export async function buildPortal(out = path.join(root, "dist", "portal")): Promise<void> {
  await mkdir(path.join(out, "docs"), { recursive: true });
  await build({
    entryPoints: {
      app: path.join(root, "portal", "src", "main.tsx"),
      "docs/docs": path.join(root, "portal", "docs", "docs.ts"),
    },
    outdir: out,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: ["es2022"],
    jsx: "automatic",
    jsxImportSource: "preact",
    minify: true,
    sourcemap: "linked",
    legalComments: "linked",
    logLevel: "warning",
    define: { "process.env.NODE_ENV": '"production"' },
  });
  for (const file of ["index.html", "app.css"])
    await cp(path.join(root, "portal", file), path.join(out, file));
  await cp(path.join(root, "portal", "docs", "index.html"), path.join(out, "docs", "index.html"));
  const swagger = path.join(root, "node_modules", "swagger-ui-dist");
  for (const file of ["swagger-ui-bundle.js", "swagger-ui.css", "LICENSE"])
    await cp(
      path.join(swagger, file),
      path.join(out, "docs", file === "LICENSE" ? "swagger-ui.LICENSE" : file),
    );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildPortal().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
