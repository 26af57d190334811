// The app's version, from package.json: the API document, GET /api/health and `aks-vending
// --version` all say the same. package.json sits three folders above the compiled dist/shared/api/
// (in the repository and in the deployment package alike, see scripts/package.ts).
import { readFileSync } from "node:fs";

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as {
    version?: unknown;
  };
  if (typeof pkg.version !== "string") throw new Error("package.json has no version");
  return pkg.version;
}

export const APP_VERSION = packageVersion();
