// A small HTTP server that answers the cluster API's update contract (issue 16) for the CLI's tests:
// PUT creates or updates (202 + Location + Retry-After + ETag, 200 for the current spec), PATCH takes
// application/merge-patch+json only, If-Match → 412 PreconditionFailed, a change while one runs →
// 409 OperationInProgress, a changed `location` → 409 FieldImmutable, `?dryRun=true` → 200 with a
// plan and no change. Each GET moves a running operation one phase on; right after a change is
// accepted the first GET still shows the phase of the generation before it (Succeeded), which is
// what a wait that ignored generations would stop at. It is a test server speaking HTTP to the real
// CLI process, not a stand-in for any SDK.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

type Spec = Record<string, unknown>;

interface Cluster {
  spec: Spec;
  generation: number;
  observedGeneration: number;
  operation: "create" | "update";
  /** Phases the next GETs show, in order; the last one stays. */
  upcoming: { phase: string; observed: number }[];
  phase: string;
  drift?: { path: string; expected: unknown; actual: unknown; detectedAt: string }[];
}

export interface ContractServer {
  api: string;
  requests: Recorded[];
  clusters: Map<string, Cluster>;
  /** Puts a cluster in place as if created and Succeeded at `generation`. */
  seed(name: string, spec: Spec, generation?: number, drift?: Cluster["drift"]): void;
  close(): Promise<void>;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
  status,
  body: JSON.stringify(body),
  headers: { "content-type": "application/json", ...headers },
});

const armError = (status: number, code: string, message: string, details: unknown[] = []) =>
  json(status, { error: { code, message, details } });

function statusDoc(name: string, c: Cluster): Record<string, unknown> {
  const running = !["Succeeded", "Failed"].includes(c.phase);
  return {
    name,
    resourceGroup: `rg-${name}`,
    subscriptionId: "00000000-0000-0000-0000-000000000000",
    team: String(c.spec["team"] ?? "platform"),
    phase: c.phase,
    steps: [
      {
        name: "cluster",
        status: running ? (c.phase === "Accepted" ? "Pending" : "Running") : c.phase,
        attempts: running && c.phase === "Accepted" ? 0 : 1,
        ...(c.phase === "Failed"
          ? { error: { code: "UpgradeFailed", message: "the control plane upgrade failed" } }
          : {}),
      },
    ],
    outputs: {
      clusterId: `/subscriptions/0/resourceGroups/rg-${name}/providers/Microsoft.ContainerService/managedClusters/${name}`,
      fqdn: `${name}.hcp.eastus.azmk8s.io`,
    },
    warnings: [],
    ...(c.phase === "Failed"
      ? {
          error: {
            code: "UpgradeFailed",
            message: "the control plane upgrade failed",
            step: "cluster",
          },
        }
      : {}),
    links: { self: `/api/clusters/${name}`, kubeconfig: `/api/clusters/${name}/kubeconfig` },
    generation: c.generation,
    observedGeneration: c.observedGeneration,
    operation: c.operation,
    ...(c.drift ? { drift: c.drift } : {}),
  };
}

/** The top-level difference of two specs, as the API's plan lists it. */
function planOf(name: string, from: Spec | undefined, to: Spec): unknown {
  const keys = [...new Set([...Object.keys(from ?? {}), ...Object.keys(to)])];
  const changes = keys.map((path) => {
    const a = from?.[path];
    const b = to[path];
    const action =
      JSON.stringify(a) === JSON.stringify(b)
        ? "none"
        : a === undefined
          ? "create"
          : b === undefined
            ? "delete"
            : "update";
    return {
      path,
      ...(a !== undefined ? { from: a } : {}),
      ...(b !== undefined ? { to: b } : {}),
      action,
      disruptive: action === "update" && path === "kubernetesVersion",
    };
  });
  const changed = changes.some((c) => c.action !== "none");
  return {
    plan: {
      changes,
      arm: changed
        ? [
            {
              method: "PUT",
              resourceId: `/subscriptions/0/resourceGroups/rg-${name}/providers/Microsoft.ContainerService/managedClusters/${name}`,
              reason: from ? "update the managed cluster" : "create the managed cluster",
            },
          ]
        : [],
      kubernetes: [],
      reachability: { changed: [] },
    },
  };
}

/** RFC 7396 for the documents the tests send: null removes a member, objects merge, the rest replaces. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (!patch || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    target && typeof target === "object" && !Array.isArray(target) ? { ...(target as Spec) } : {};
  for (const [k, v] of Object.entries(patch as Spec)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

export async function startContractServer(): Promise<ContractServer> {
  const requests: Recorded[] = [];
  const clusters = new Map<string, Cluster>();

  const change = (
    name: string,
    spec: Spec,
    headers: IncomingHttpHeaders,
    dryRun: boolean,
  ): ReturnType<typeof json> => {
    const current = clusters.get(name);
    const ifMatch = headers["if-match"];
    if (ifMatch && (!current || ifMatch !== `"${current.generation}"`))
      return armError(412, "PreconditionFailed", `cluster ${name} is not at ${ifMatch}`);
    if (current && !["Succeeded", "Failed"].includes(current.phase))
      return armError(409, "OperationInProgress", `cluster ${name} is ${current.phase}`);
    if (current && JSON.stringify(current.spec["location"]) !== JSON.stringify(spec["location"]))
      return armError(409, "FieldImmutable", "fields that cannot change were changed", [
        { path: "location", code: "FieldImmutable", message: "location cannot change" },
      ]);
    if (dryRun) return json(200, planOf(name, current?.spec, spec));
    if (current && JSON.stringify(current.spec) === JSON.stringify(spec))
      return json(200, statusDoc(name, current), { etag: `"${current.generation}"` });
    const generation = (current?.generation ?? 0) + 1;
    const observed = current?.observedGeneration ?? 0;
    const fails = (spec["tags"] as Record<string, string> | undefined)?.["fail"] === "true";
    const c: Cluster = {
      spec,
      generation,
      observedGeneration: observed,
      operation: current ? "update" : "create",
      phase: "Accepted",
      upcoming: [
        ...(current ? [{ phase: current.phase, observed }] : []),
        { phase: "Provisioning", observed },
        fails ? { phase: "Failed", observed } : { phase: "Succeeded", observed: generation },
      ],
    };
    clusters.set(name, c);
    return json(202, statusDoc(name, c), {
      location: `/api/clusters/${name}`,
      "retry-after": "0",
      etag: `"${generation}"`,
    });
  };

  const handle = (method: string, url: URL, headers: IncomingHttpHeaders, body: string) => {
    const dryRun = url.searchParams.get("dryRun") === "true";
    if (url.pathname === "/api/clusters" && method === "POST" && dryRun) {
      const spec = JSON.parse(body) as Spec;
      return json(200, planOf(String(spec["name"]), clusters.get(String(spec["name"]))?.spec, spec));
    }
    const m = /^\/api\/clusters\/([^/]+)$/.exec(url.pathname);
    if (!m) return armError(404, "NotFound", `no route ${url.pathname}`);
    const name = decodeURIComponent(m[1]!);
    const current = clusters.get(name);
    // A server that answers a dry run without a plan (what the CLI must not read as "no changes").
    if (name === "noPlan" && dryRun) return json(200, { name, phase: "Succeeded" });
    switch (method) {
      case "DELETE": {
        if (!current) return armError(404, "ClusterNotFound", `cluster ${name} was not found`);
        if (!dryRun) return armError(405, "MethodNotAllowed", "the CLI tests delete only in dry runs");
        return json(200, planOf(name, current.spec, {}));
      }
      case "GET": {
        if (!current) return armError(404, "ClusterNotFound", `cluster ${name} was not found`);
        const next = current.upcoming.length > 1 ? current.upcoming.shift() : current.upcoming[0];
        if (next) {
          current.phase = next.phase;
          current.observedGeneration = next.observed;
        }
        return json(200, statusDoc(name, current), { etag: `"${current.generation}"` });
      }
      case "PUT": {
        const spec = JSON.parse(body) as Spec;
        if (spec["name"] !== name)
          return armError(400, "InvalidClusterSpec", "the request is not valid", [
            { path: "name", code: "NameMismatch", message: `the URL names ${name}` },
          ]);
        return change(name, spec, headers, dryRun);
      }
      case "PATCH": {
        if (headers["content-type"] !== "application/merge-patch+json")
          return armError(415, "UnsupportedMediaType", "PATCH takes application/merge-patch+json");
        if (!current) return armError(404, "ClusterNotFound", `cluster ${name} was not found`);
        return change(name, mergePatch(current.spec, JSON.parse(body)) as Spec, headers, dryRun);
      }
      default:
        return armError(405, "MethodNotAllowed", method);
    }
  };

  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      const method = req.method ?? "GET";
      requests.push({ method, url: req.url ?? "", headers: req.headers, body });
      const r = handle(method, new URL(req.url ?? "/", "http://x"), req.headers, body);
      res.writeHead(r.status, r.headers);
      res.end(r.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    api: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`,
    requests,
    clusters,
    seed(name, spec, generation = 1, drift) {
      clusters.set(name, {
        spec,
        generation,
        observedGeneration: generation,
        operation: generation > 1 ? "update" : "create",
        upcoming: [],
        phase: "Succeeded",
        ...(drift ? { drift } : {}),
      });
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
