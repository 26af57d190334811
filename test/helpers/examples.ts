// Loads example documents from the repository for tests (works from dist/ and from the source tree).
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { ClusterSpec } from "../../shared/spec/schema.js";
import { validateClusterSpec } from "../../shared/spec/validate.js";

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

/** The tutorial's system pool after validation: its one node, autoscaled up to 5, over eastus's zones. */
export function tutorialNodePool(count = 1) {
  return {
    name: "system",
    vmSize: "Standard_D2s_v5",
    count,
    mode: "System",
    enableAutoScaling: true,
    minCount: count,
    maxCount: 5,
    availabilityZones: ["1", "2", "3"],
  };
}

/** The tutorial's request, changed by `change`, validated and normalised (a ClusterSpec). */
export function tutorialSpec(change: (doc: Record<string, any>) => void = () => undefined): ClusterSpec {
  const doc = tutorialRequest();
  change(doc);
  const v = validateClusterSpec(doc);
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  return v.spec;
}
