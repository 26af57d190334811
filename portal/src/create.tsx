// The create form, built from the ClusterSpec JSON schema of the API's OpenAPI document (the zod
// schema the API validates with): scalar fields become inputs with their defaults as placeholders,
// lists and maps are edited as JSON. The API's validation problems are shown at their fields; the
// reachability matrix of the request is drawn before it is sent.
import { useMemo, useState } from "preact/hooks";
import { validateClusterSpec } from "../../shared/spec/validate.js";
import type { ClusterSpec } from "../../shared/spec/schema.js";
import type { Problem } from "../../shared/validation/problems.js";
import { ApiError, type Api } from "./api.js";
import { ReachabilityMatrix } from "./matrix.js";
import tutorial from "../../examples/seed-tutorial.json" with { type: "json" };

export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  enum?: string[];
  default?: unknown;
  description?: string;
  required?: string[];
}

type Doc = Record<string, unknown>;

/** Field paths of the form ("network.subnetPrefix"), in schema order. */
interface FieldDef {
  path: string[];
  schema: JsonSchema;
  required: boolean;
}

function fieldsOf(
  schema: JsonSchema,
  prefix: string[] = [],
): (FieldDef | { group: string[]; fields: FieldDef[] })[] {
  const out: (FieldDef | { group: string[]; fields: FieldDef[] })[] = [];
  for (const [key, s] of Object.entries(schema.properties ?? {})) {
    const path = [...prefix, key];
    if (s.type === "object" && s.properties)
      out.push({ group: path, fields: fieldsOf(s, path).filter((f): f is FieldDef => "path" in f) });
    else out.push({ path, schema: s, required: schema.required?.includes(key) ?? false });
  }
  return out;
}

function getAt(doc: Doc, path: string[]): unknown {
  return path.reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Doc)[k] : undefined), doc);
}

function setAt(doc: Doc, path: string[], value: unknown): Doc {
  const next = structuredClone(doc);
  let at: Doc = next;
  for (const k of path.slice(0, -1)) {
    if (!at[k] || typeof at[k] !== "object") at[k] = {};
    at = at[k] as Doc;
  }
  const last = path[path.length - 1]!;
  if (value === undefined) delete at[last];
  else at[last] = value;
  return next;
}

const isScalar = (s: JsonSchema) =>
  s.enum !== undefined || ["string", "integer", "number", "boolean"].includes(s.type ?? "");

/** The field a problem belongs to: the longest field path that starts its path. */
export function fieldOf(problemPath: string, fields: string[]): string | undefined {
  return fields
    .filter((f) => problemPath === f || problemPath.startsWith(`${f}.`) || problemPath.startsWith(`${f}[`))
    .sort((a, b) => b.length - a.length)[0];
}

function Field(props: { def: FieldDef; doc: Doc; onChange(doc: Doc): void; problems: Problem[] }) {
  const { def, doc } = props;
  const id = `f-${def.path.join("-")}`;
  const value = getAt(doc, def.path);
  const s = def.schema;
  const [draft, setDraft] = useState<string | undefined>(undefined);
  const [jsonError, setJsonError] = useState<string | undefined>(undefined);
  const describedBy = [
    s.description ? `${id}-hint` : "",
    props.problems.length || jsonError ? `${id}-error` : "",
  ]
    .filter(Boolean)
    .join(" ");
  const common = {
    id,
    name: def.path.join("."),
    "aria-invalid": props.problems.length > 0 || jsonError !== undefined,
    ...(describedBy ? { "aria-describedby": describedBy } : {}),
  };
  const set = (v: unknown) => props.onChange(setAt(doc, def.path, v));
  const defaultText = s.default !== undefined ? JSON.stringify(s.default) : undefined;
  let input;
  if (s.enum)
    input = (
      <select
        {...common}
        value={typeof value === "string" ? value : ""}
        onChange={(e) => set(e.currentTarget.value || undefined)}
      >
        <option value="">{defaultText ? `default (${String(s.default)})` : "(not set)"}</option>
        {s.enum.map((v) => (
          <option key={v} value={v}>
            {v}
          </option>
        ))}
      </select>
    );
  else if (s.type === "boolean")
    input = (
      <input
        {...common}
        type="checkbox"
        checked={value === true}
        onChange={(e) => set(e.currentTarget.checked)}
      />
    );
  else if (s.type === "integer" || s.type === "number")
    input = (
      <input
        {...common}
        type="number"
        required={def.required}
        value={value === undefined ? "" : String(value)}
        placeholder={s.default !== undefined ? String(s.default) : ""}
        onInput={(e) => set(e.currentTarget.value === "" ? undefined : Number(e.currentTarget.value))}
      />
    );
  else if (isScalar(s))
    input = (
      <input
        {...common}
        type="text"
        list={undefined}
        required={def.required}
        value={value === undefined ? "" : String(value)}
        placeholder={s.default !== undefined ? String(s.default) : ""}
        onInput={(e) => set(e.currentTarget.value === "" ? undefined : e.currentTarget.value)}
      />
    );
  else
    input = (
      <textarea
        {...common}
        rows={value && typeof value === "object" && Object.keys(value).length > 0 ? 12 : 3}
        spellcheck={false}
        value={draft ?? (value === undefined ? "" : JSON.stringify(value, null, 2))}
        placeholder={defaultText}
        onInput={(e) => setDraft(e.currentTarget.value)}
        onBlur={() => {
          if (draft === undefined) return;
          try {
            set(draft.trim() === "" ? undefined : (JSON.parse(draft) as unknown));
            setDraft(undefined);
            setJsonError(undefined);
          } catch (e) {
            setJsonError(`not valid JSON: ${(e as Error).message}`);
          }
        }}
      />
    );
  return (
    <div class={`field${props.problems.length ? " invalid" : ""}`} data-field={def.path.join(".")}>
      <label for={id}>
        {def.path[def.path.length - 1]}
        {def.required ? <span aria-hidden="true"> *</span> : null}
        {!isScalar(s) ? <span class="kind"> (JSON)</span> : null}
      </label>
      {input}
      {s.description ? (
        <p class="hint" id={`${id}-hint`}>
          {s.description}
        </p>
      ) : null}
      {props.problems.length || jsonError ? (
        <ul class="error" id={`${id}-error`}>
          {jsonError ? <li>{jsonError}</li> : null}
          {props.problems.map((p) => (
            <li key={`${p.path}${p.code}`}>
              <code>{p.path}</code> {p.message} <span class="code">({p.code})</span>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** The normalised spec when the document is valid here, else the local problems. */
function localCheck(doc: Doc): { spec?: ClusterSpec; problems: Problem[] } {
  const r = validateClusterSpec(doc);
  return r.ok ? { spec: r.spec, problems: [] } : { problems: r.errors };
}

export function CreateCluster(props: {
  api: Api;
  schema: JsonSchema;
  onCreated(name: string, spec?: ClusterSpec): void;
}) {
  const [doc, setDoc] = useState<Doc>({});
  const [problems, setProblems] = useState<Problem[]>([]);
  const [message, setMessage] = useState<string>("");
  const [busy, setBusy] = useState(false);
  const [json, setJson] = useState("");
  const layout = useMemo(() => fieldsOf(props.schema), [props.schema]);
  const paths = layout.flatMap((f) =>
    "path" in f ? [f.path.join(".")] : f.fields.map((x) => x.path.join(".")),
  );
  const local = useMemo(() => localCheck(doc), [doc]);
  const at = (path: string) => problems.filter((p) => fieldOf(p.path, paths) === path);
  const unplaced = problems.filter((p) => fieldOf(p.path, paths) === undefined);

  const change = (next: Doc) => {
    setDoc(next);
    setJson(JSON.stringify(next, null, 2));
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setMessage("");
    try {
      const created = await props.api.create(doc);
      setProblems([]);
      props.onCreated(created.name, local.spec);
    } catch (err) {
      if (err instanceof ApiError) {
        setProblems(err.details);
        setMessage(err.message);
      } else setMessage(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  const renderField = (def: FieldDef) => (
    <Field key={def.path.join(".")} def={def} doc={doc} onChange={change} problems={at(def.path.join("."))} />
  );
  return (
    <section aria-labelledby="create-title">
      <h2 id="create-title">New cluster</h2>
      <div class="toolbar">
        <button type="button" onClick={() => change(structuredClone(tutorial) as Doc)}>
          Start from the tutorial example
        </button>
      </div>
      <details>
        <summary>Request as JSON</summary>
        <label for="spec-json">The whole request (edit, then apply)</label>
        <textarea
          id="spec-json"
          rows={14}
          spellcheck={false}
          value={json}
          onInput={(e) => setJson(e.currentTarget.value)}
        />
        <button
          type="button"
          onClick={() => {
            try {
              const parsed = JSON.parse(json) as unknown;
              if (!parsed || typeof parsed !== "object" || Array.isArray(parsed))
                throw new Error("not a JSON object");
              setDoc(parsed as Doc);
              setMessage("");
            } catch (err) {
              setMessage(`The JSON could not be applied: ${(err as Error).message}`);
            }
          }}
        >
          Apply JSON
        </button>
      </details>
      <form onSubmit={submit} noValidate aria-describedby="form-message">
        {layout.map((f) =>
          "path" in f ? (
            renderField(f)
          ) : (
            <fieldset key={f.group.join(".")}>
              <legend>{f.group.join(".")}</legend>
              {f.fields.map(renderField)}
            </fieldset>
          ),
        )}
        <div id="form-message" role="status" class={message ? "error" : ""}>
          {message}
          {unplaced.length ? (
            <ul>
              {unplaced.map((p) => (
                <li key={`${p.path}${p.code}`}>
                  <code>{p.path || "(document)"}</code> {p.message}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Creating…" : "Create cluster"}
        </button>
      </form>
      <section aria-labelledby="preview-title">
        <h3 id="preview-title">Reachability of this request</h3>
        {local.spec ? (
          <ReachabilityMatrix spec={local.spec} id="preview" />
        ) : (
          <p class="hint">
            The matrix is drawn once the request is valid ({local.problems.length} problem
            {local.problems.length === 1 ? "" : "s"} found here
            {local.problems[0]
              ? `, first: ${local.problems[0].path || "(document)"}: ${local.problems[0].message}`
              : ""}
            ).
          </p>
        )}
      </section>
    </section>
  );
}
