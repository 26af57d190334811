// The caller's clusters (phase, current step, age) and one cluster's page: weighted progress with
// an estimate of the time left, the step timeline, outputs, verification on the reachability
// matrix, warnings and errors, the kubeconfig and delete.
import { useEffect, useRef, useState } from "preact/hooks";
import { formatDuration, progressOf } from "../../shared/provision/progress.js";
import type { ClusterStatusDocument } from "../../shared/provision/types.js";
import type { ClusterSpec } from "../../shared/spec/schema.js";
import { ApiError, type Api, type ClusterSummary } from "./api.js";
import { ReachabilityMatrix } from "./matrix.js";

const FINAL = new Set(["Succeeded", "Failed", "Deleted"]);
const POLL_MS = 1500;

/** Polls `load` while `more(value)` holds; stops when the component goes away. */
function usePoll<T>(load: () => Promise<T>, more: (v: T) => boolean, deps: unknown[]) {
  const [value, setValue] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try {
        const v = await load();
        if (stopped) return;
        setValue(v);
        setError(undefined);
        if (more(v)) timer = setTimeout(tick, POLL_MS);
      } catch (e) {
        if (stopped) return;
        setError(e instanceof Error ? e.message : String(e));
        timer = setTimeout(tick, POLL_MS * 2);
      }
    };
    void tick();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, deps);
  return { value, error };
}

function age(iso?: string): string {
  return iso ? formatDuration((Date.now() - Date.parse(iso)) / 1000) : "";
}

function currentStep(doc: ClusterStatusDocument): string {
  return (
    (doc.steps.find((s) => s.status === "Running") ?? doc.steps.find((s) => s.status === "Failed"))?.name ??
    ""
  );
}

export function ClusterList(props: { api: Api }) {
  const [all, setAll] = useState(false);
  const { value, error } = usePoll(
    async () => {
      const list = await props.api.list(all);
      // The list has no steps: the running ones are read one by one for their current step.
      const docs = await Promise.all(
        list.map((c) =>
          FINAL.has(c.phase) ? Promise.resolve(undefined) : props.api.get(c.name).catch(() => undefined),
        ),
      );
      return list.map((c, i) => ({ summary: c, doc: docs[i] }));
    },
    (rows) => rows.some((r) => !FINAL.has(r.summary.phase)),
    [props.api, all],
  );
  return (
    <section aria-labelledby="list-title">
      <h2 id="list-title">Your clusters</h2>
      <p>
        <a href="#/new" class="button primary">
          New cluster
        </a>
      </p>
      <p>
        <label>
          <input type="checkbox" checked={all} onChange={(e) => setAll(e.currentTarget.checked)} /> Show
          deleted clusters too
        </label>
      </p>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      {!value ? (
        <p>Loading…</p>
      ) : value.length === 0 ? (
        <p>No clusters yet.</p>
      ) : (
        <table class="clusters">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Team</th>
              <th scope="col">Phase</th>
              <th scope="col">Current step</th>
              <th scope="col">Progress</th>
              <th scope="col">Age</th>
            </tr>
          </thead>
          <tbody>
            {value.map(({ summary: c, doc }: { summary: ClusterSummary; doc?: ClusterStatusDocument }) => {
              const p = doc ? progressOf(doc, Date.now()) : undefined;
              return (
                <tr key={c.name} data-cluster={c.name}>
                  <th scope="row">
                    <a href={`#/clusters/${encodeURIComponent(c.name)}`}>{c.name}</a>
                  </th>
                  <td>{c.team}</td>
                  <td>
                    <span class={`phase phase-${c.phase}`}>{c.phase}</span>
                  </td>
                  <td>{doc ? currentStep(doc) : ""}</td>
                  <td>
                    {p ? (
                      <>
                        <progress max={100} value={p.percent} aria-label={`${c.name} progress`} /> {p.percent}{" "}
                        %
                        {p.remainingSeconds !== undefined
                          ? ` · ~${formatDuration(p.remainingSeconds)} left`
                          : ""}
                      </>
                    ) : null}
                  </td>
                  <td>{age(c.createdAt)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

function specFor(name: string): ClusterSpec | undefined {
  const text = localStorage.getItem(`aksv-spec:${name.toLowerCase()}`);
  return text ? (JSON.parse(text) as ClusterSpec) : undefined;
}

export function rememberSpec(name: string, spec: ClusterSpec): void {
  localStorage.setItem(`aksv-spec:${name.toLowerCase()}`, JSON.stringify(spec));
}

export function ClusterPage(props: { api: Api; name: string }) {
  // A new generation restarts polling (after a delete, the document moves on from a final phase).
  const [generation, setGeneration] = useState(0);
  const { value: doc, error } = usePoll(
    () => props.api.get(props.name),
    (d) => !FINAL.has(d.phase),
    [props.api, props.name, generation],
  );
  const [note, setNote] = useState("");
  const dialog = useRef<HTMLDialogElement>(null);
  const [, setTick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => setTick((n) => n + 1), 1000);
    return () => clearInterval(t);
  }, []);
  if (!doc)
    return error ? (
      <p class="error" role="alert">
        {error}
      </p>
    ) : (
      <p>Loading {props.name}…</p>
    );
  const p = progressOf(doc, Date.now());
  const spec = specFor(doc.name);

  const download = async () => {
    try {
      const yaml = await props.api.kubeconfig(doc.name);
      const a = document.createElement("a");
      a.href = URL.createObjectURL(new Blob([yaml], { type: "application/yaml" }));
      a.download = `${doc.name}.kubeconfig.yaml`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
      setNote(`Saved ${a.download}. Use it with: kubectl --kubeconfig ${a.download} get pods -A`);
    } catch (e) {
      setNote(e instanceof Error ? e.message : String(e));
    }
  };
  const remove = async () => {
    dialog.current?.close();
    try {
      await props.api.delete(doc.name);
      setNote(`Deleting ${doc.name}…`);
      setGeneration((g) => g + 1);
    } catch (e) {
      setNote(e instanceof ApiError || e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <section aria-labelledby="cluster-title">
      <h2 id="cluster-title">
        {doc.name}{" "}
        <span class={`phase phase-${doc.phase}`} data-phase={doc.phase}>
          {doc.phase}
        </span>
      </h2>
      <p class="meta">
        Team {doc.team} · resource group {doc.resourceGroup} · requested {age(doc.createdAt)} ago
        {doc.requestedBy ? ` by ${doc.requestedBy.name}` : ""}
      </p>
      <div class="progress" role="group" aria-label="Progress">
        <progress max={100} value={p.percent} aria-describedby="progress-text" />
        <span id="progress-text">
          {p.percent} %
          {p.remainingSeconds !== undefined ? ` · about ${formatDuration(p.remainingSeconds)} left` : ""}
        </span>
      </div>
      <div class="toolbar">
        <button type="button" onClick={download} disabled={doc.phase !== "Succeeded"}>
          Download kubeconfig
        </button>
        <button
          type="button"
          class="danger"
          onClick={() => dialog.current?.showModal()}
          disabled={doc.phase === "Deleting" || doc.phase === "Deleted"}
        >
          Delete cluster
        </button>
      </div>
      <p role="status" class="note">
        {note}
      </p>
      <dialog ref={dialog} aria-labelledby="confirm-title">
        <h3 id="confirm-title">Delete {doc.name}?</h3>
        <p>The cluster, its network, identity and role assignment are deleted. This cannot be undone.</p>
        <div class="toolbar">
          <button type="button" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
          <button type="button" class="danger" onClick={remove}>
            Delete {doc.name}
          </button>
        </div>
      </dialog>
      {doc.error ? (
        <div class="error" role="alert">
          <strong>
            {doc.error.step}: {doc.error.code}
          </strong>{" "}
          {doc.error.message}
        </div>
      ) : null}
      {doc.provisioning ? (
        <p class="meta" data-provisioning={doc.provisioning.phase}>
          Before this deletion the cluster was {doc.provisioning.phase}
          {doc.provisioning.error ? ` (${doc.provisioning.error.step}: ${doc.provisioning.error.code})` : ""};
          what is shown here is the deletion's.
        </p>
      ) : null}
      {doc.warnings.length ? (
        <div class="warnings">
          <h3>Warnings</h3>
          <ul>
            {doc.warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </div>
      ) : null}
      <h3>Steps</h3>
      <table class="steps">
        <thead>
          <tr>
            <th scope="col">Step</th>
            <th scope="col">Status</th>
            <th scope="col">Elapsed</th>
            <th scope="col">Expected</th>
            <th scope="col">Retries</th>
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody>
          {p.steps.map((s, i) => (
            <tr key={s.name} class={`step-${s.status}`} data-step={s.name}>
              <th scope="row">{s.name}</th>
              <td>{s.status}</td>
              <td>{s.elapsedSeconds !== undefined ? formatDuration(s.elapsedSeconds) : ""}</td>
              <td>{formatDuration(s.expectedSeconds)}</td>
              <td>{s.retries || ""}</td>
              <td>
                {doc.steps[i]?.error ? `${doc.steps[i]!.error!.code}: ${doc.steps[i]!.error!.message}` : ""}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Outputs</h3>
      {Object.keys(doc.outputs).length ? (
        <dl class="outputs">
          {Object.entries(doc.outputs).map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>
                <code>{String(v)}</code>
              </dd>
            </div>
          ))}
        </dl>
      ) : (
        <p>None yet.</p>
      )}
      <h3 id="verification-title">Verification</h3>
      {doc.provisioning ? (
        <p>The verification belonged to the cluster this deletion removes.</p>
      ) : doc.verification ? (
        <p data-verification={doc.verification.passed ? "passed" : "failed"}>
          {doc.verification.passed
            ? "Every expectation was observed."
            : "Some expectations were not observed."}{" "}
          {doc.verification.results.length} probe{doc.verification.results.length === 1 ? "" : "s"}.
        </p>
      ) : (
        <p>Not verified yet.</p>
      )}
      {doc.provisioning ? null : spec ? (
        <ReachabilityMatrix
          spec={spec}
          id="verified"
          {...(doc.verification ? { verification: doc.verification } : {})}
        />
      ) : doc.verification ? (
        <table class="results">
          <thead>
            <tr>
              <th scope="col">From</th>
              <th scope="col">To</th>
              <th scope="col">Expected</th>
              <th scope="col">Observed</th>
            </tr>
          </thead>
          <tbody>
            {doc.verification.results.map((r) => (
              <tr key={`${r.from}${r.to}`} class={r.observed === r.expected ? "" : "mismatch"}>
                <td>{r.from}</td>
                <td>{r.to}</td>
                <td>{r.expected}</td>
                <td>{r.observed}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {doc.provisioning || !doc.verification?.access?.length ? null : (
        <ul class="access-checks" aria-label="Access reviews">
          {doc.verification.access.map((a) => (
            <li
              key={`${a.principalId}${a.action}${a.namespace}`}
              class={a.observed === a.expected ? "" : "mismatch"}
              data-access={a.observed === a.expected ? "as-expected" : "mismatch"}
            >
              {a.subject}: {a.action} in {a.namespace} — {a.observed}
              {a.observed === a.expected ? "" : ` (expected ${a.expected})`}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
