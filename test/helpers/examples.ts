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

/**
 * A namespace a day-2 change adds: an `api` workload exposed on port 80, ingress denied by default
 * except from pods labelled `app: <client>` (policy `allow-<client>`), and the two expectations
 * that prove it (`<name>{app=<client>}` allowed, `<name>{app=other}` denied).
 */
export function apiNamespace(name: string, client: string) {
  return {
    name,
    labels: { purpose: name },
    defaultDeny: ["Ingress"],
    workloads: [
      {
        name: "api",
        image: "nginx",
        labels: { app: "api" },
        ports: [{ name: "http", port: 80 }],
        expose: true,
      },
    ],
    networkPolicies: [
      {
        name: `allow-${client}`,
        spec: {
          podSelector: { matchLabels: { app: "api" } },
          ingress: [{ from: [{ podSelector: { matchLabels: { app: client } } }] }],
        },
      },
    ],
    expectations: [
      { from: { labels: { app: client } }, to: { service: "api", port: 80 }, allowed: true },
      { from: { labels: { app: "other" } }, to: { service: "api", port: 80 }, allowed: false },
    ],
  };
}
