// /healthz, /livez and /readyz as kube-apiserver answers them: "ok", the named checks with
// ?verbose (and ?exclude=), and each check at its own path (/readyz/etcd).

const COMMON = [
  "ping",
  "log",
  "etcd",
  "poststarthook/start-apiserver-admission-initializer",
  "poststarthook/generic-apiserver-start-informers",
  "poststarthook/priority-and-fairness-config-consumer",
  "poststarthook/start-apiextensions-informers",
  "poststarthook/start-apiextensions-controllers",
  "poststarthook/crd-informer-synced",
  "poststarthook/rbac/bootstrap-roles",
  "poststarthook/scheduling/bootstrap-system-priority-classes",
  "poststarthook/bootstrap-controller",
  "poststarthook/start-kube-aggregator-informers",
  "poststarthook/apiservice-registration-controller",
  "poststarthook/apiservice-discovery-controller",
  "autoregister-completion",
];

const CHECKS: Record<"healthz" | "livez" | "readyz", string[]> = {
  healthz: COMMON,
  livez: COMMON,
  readyz: [...COMMON.slice(0, 3), "etcd-readiness", "informer-sync", ...COMMON.slice(3), "shutdown"],
};

export type HealthEndpoint = keyof typeof CHECKS;

/** The answer for /{endpoint}[/{check}], or undefined when no such check exists (404). */
export function healthAnswer(
  endpoint: HealthEndpoint,
  check: string | undefined,
  query: URLSearchParams,
): string | undefined {
  const checks = CHECKS[endpoint];
  if (check !== undefined) return checks.includes(check) ? "ok" : undefined;
  if (!query.has("verbose")) return "ok";
  const excluded = new Set(query.getAll("exclude"));
  return (
    checks.map((c) => `[+]${c} ${excluded.has(c) ? "excluded: ok" : "ok"}`).join("\n") +
    `\n${endpoint} check passed\n`
  );
}
