// npm run openapi:lint: the API's OpenAPI document as a deployment serves it (generated from the zod
// schemas, with an Entra ID sign-in), written to a temporary file and linted by Redocly CLI with
// redocly.yaml. Exits with Redocly's status, so CI fails on any error.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { openApiDocument } from "../shared/api/openapi.js";
import { APP_VERSION } from "../shared/api/version.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const dir = mkdtempSync(path.join(tmpdir(), "aksv-openapi-"));
try {
  const file = path.join(dir, "openapi.json");
  const doc = openApiDocument({
    version: APP_VERSION,
    signIn: {
      metadataUrl:
        "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0/.well-known/openid-configuration",
      audience: "api://aks-vending",
    },
  });
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  const redocly = path.join(root, "node_modules", "@redocly", "cli", "bin", "cli.js");
  const result = spawnSync(
    process.execPath,
    [redocly, "lint", "--config", path.join(root, "redocly.yaml"), "--format", "stylish", file],
    {
      stdio: "inherit",
      env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
    },
  );
  if (result.error) throw result.error;
  process.exitCode = result.status ?? 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
