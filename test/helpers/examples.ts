// Loads example documents from the repository for tests (works from dist/ and from the source tree).
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: the nearest ancestor holding package.json (dist/test/helpers → root). */
export const REPO_ROOT = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      readFileSync(join(dir, "package.json"));
      return dir;
    } catch {
      const up = resolve(dir, "..");
      if (up === dir) throw new Error("package.json not found above the test helpers");
      dir = up;
    }
  }
})();

export function loadJson<T = Record<string, unknown>>(relativePath: string): T {
  return JSON.parse(readFileSync(join(REPO_ROOT, relativePath), "utf8")) as T;
}

/** A fresh deep copy of examples/seed-tutorial.json. */
export function tutorialRequest(): Record<string, any> {
  return loadJson("examples/seed-tutorial.json");
}
