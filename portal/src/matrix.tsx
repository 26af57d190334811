// The NetworkPolicy reachability matrix of a request, computed in the browser by the same engine
// the API validates with (shared/netpol): pods × pods for every workload port, each cell allowed or
// denied with the engine's explanation on hover or focus. After verification the probes' observed
// results are drawn on the cells they tested.
import { useMemo, useState } from "preact/hooks";
import { compileCluster, type Protocol } from "../../shared/netpol/index.js";
import { expectationModel } from "../../shared/spec/rules/expectations.js";
import type { ClusterSpec } from "../../shared/spec/schema.js";
import type { VerificationReport } from "../../shared/provision/types.js";

function labelsText(labels: Record<string, string>): string {
  return Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
}

interface Observed {
  expected: "allowed" | "denied";
  observed: "allowed" | "denied" | "unknown";
}

interface MatrixModel {
  pods: { key: string; label: string }[];
  ports: { port: number; protocol: Protocol; cells: Uint8Array }[];
  explain(from: number, to: number, port: number, protocol: Protocol): string;
  /** "from|to|port/protocol" → the probe result on that cell. */
  observed: Map<string, Observed>;
}

function buildModel(spec: ClusterSpec, verification?: VerificationReport): MatrixModel {
  const model = expectationModel(spec);
  const cluster = compileCluster(model);
  const probeLabel = new Map(
    model.probes.map((p) => [p.pod, `${p.pod.split("/")[0]}{${labelsText(p.labels)}}`]),
  );
  const pods = model.pods.map((p) => {
    const key = `${p.namespace}/${p.name}`;
    return { key, label: probeLabel.get(key) ? `probe ${probeLabel.get(key)}` : key };
  });
  const seen = new Set<string>();
  const ports: MatrixModel["ports"] = [];
  for (const ns of spec.namespaces)
    for (const w of ns.workloads)
      for (const p of w.ports) {
        const id = `${p.port}/${p.protocol}`;
        if (seen.has(id)) continue;
        seen.add(id);
        ports.push({ port: p.port, protocol: p.protocol, cells: cluster.matrix(p.port, p.protocol).cells });
      }
  ports.sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol));

  // Verification results name the probe by "namespace{labels}" and the target by "service.namespace:port".
  const observed = new Map<string, Observed>();
  for (const r of verification?.results ?? []) {
    const from = model.probes.find((p) => probeLabel.get(p.pod) === r.from);
    const m = /^([^.]+)\.([^:]+):(.+)$/.exec(r.to);
    if (!from || !m) continue;
    const [, service, namespace, portText] = m;
    const workload = spec.namespaces
      .find((n) => n.name === namespace)
      ?.workloads.find((w) => w.name === service);
    const port = workload?.ports.find((p) => String(p.port) === portText || p.name === portText);
    if (!port) continue;
    observed.set(`${from.pod}|${namespace}/${service}|${port.port}/${port.protocol}`, {
      expected: r.expected,
      observed: r.observed,
    });
  }
  return {
    pods,
    ports,
    observed,
    explain: (from, to, port, protocol) =>
      cluster.explain({ from: { pod: pods[from]!.key }, to: { pod: pods[to]!.key }, port, protocol }),
  };
}

export function ReachabilityMatrix(props: {
  spec: ClusterSpec;
  verification?: VerificationReport;
  id: string;
}) {
  const model = useMemo(() => {
    try {
      return buildModel(props.spec, props.verification);
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
  }, [props.spec, props.verification]);
  const [explanation, setExplanation] = useState<string>("");
  if (typeof model === "string") return <p class="error">The matrix cannot be drawn: {model}</p>;
  if (model.ports.length === 0) return <p>No workload exposes a port, so there is no connection to draw.</p>;
  const explainId = `${props.id}-explanation`;
  return (
    <div class="matrix-block">
      <p class="hint">
        Rows are sources, columns destinations. Hover over a cell, or move to it with Tab, to read why the
        policies allow or deny it.
        {props.verification ? " Cells a probe tested show what it observed." : ""}
      </p>
      {model.ports.map(({ port, protocol, cells }) => (
        <table class="matrix" key={`${port}/${protocol}`} data-port={`${port}/${protocol}`}>
          <caption>
            Port {port}/{protocol}
          </caption>
          <thead>
            <tr>
              <th scope="col">from ↓ to →</th>
              {model.pods.map((p) => (
                <th scope="col" key={p.key}>
                  {p.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {model.pods.map((src, i) => (
              <tr key={src.key}>
                <th scope="row">{src.label}</th>
                {model.pods.map((dst, j) => {
                  const allowed = cells[i * model.pods.length + j] === 1;
                  const seen = model.observed.get(`${src.key}|${dst.key}|${port}/${protocol}`);
                  const verdict = allowed ? "allowed" : "denied";
                  const mismatch = seen && seen.observed !== verdict;
                  const show = () =>
                    setExplanation(
                      `${src.label} → ${dst.label} port ${port}/${protocol}: ${verdict}` +
                        (seen ? `; the probe observed ${seen.observed} (expected ${seen.expected})` : "") +
                        `\n${model.explain(i, j, port, protocol)}`,
                    );
                  return (
                    <td
                      key={dst.key}
                      class={`${verdict}${seen ? " probed" : ""}${mismatch ? " mismatch" : ""}`}
                    >
                      <button
                        type="button"
                        aria-describedby={explainId}
                        aria-label={`${src.label} to ${dst.label} port ${port}/${protocol}: ${verdict}${
                          seen ? `, probe observed ${seen.observed}` : ""
                        }`}
                        data-verdict={verdict}
                        data-observed={seen?.observed}
                        onMouseEnter={show}
                        onFocus={show}
                      >
                        <span aria-hidden="true">{allowed ? "✓" : "✗"}</span>
                        {seen ? (
                          <span class="observed" aria-hidden="true">
                            {seen.observed === "unknown" ? "?" : seen.observed === verdict ? "●" : "!"}
                          </span>
                        ) : null}
                      </button>
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      ))}
      <div class="legend" aria-hidden="true">
        <span class="allowed">✓ allowed</span> <span class="denied">✗ denied</span>{" "}
        {props.verification ? <span>● probe agrees · ! probe disagrees · ? no answer</span> : null}
      </div>
      <pre id={explainId} class="explanation" aria-live="polite">
        {explanation || "Hover over or focus a cell to see why."}
      </pre>
    </div>
  );
}
