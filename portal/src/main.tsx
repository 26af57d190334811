// The portal: signs in (MSAL.js), then lists, shows, creates and deletes clusters through the
// same API and OpenAPI document every other client uses. Routes live in the URL hash.
import { render } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import { Api } from "./api.js";
import { startSession, type Session, type SignInConfig } from "./auth.js";
import { ClusterList, ClusterPage, rememberSpec } from "./clusters.js";
import { CreateCluster, type JsonSchema } from "./create.js";

interface Boot {
  session?: Session;
  schema: JsonSchema;
  problem?: string;
}

async function boot(): Promise<Boot> {
  const [config, openapi] = await Promise.all([
    fetch("/api/portal/config.json").then((r) => r.json() as Promise<{ signIn: SignInConfig | null }>),
    fetch("/api/openapi.json").then(
      (r) => r.json() as Promise<{ components: { schemas: { ClusterSpec: JsonSchema } } }>,
    ),
  ]);
  const schema = openapi.components.schemas.ClusterSpec;
  if (!config.signIn)
    return {
      schema,
      problem:
        "Sign-in is not configured on this deployment: set AKSV_AUTH_ISSUER, AKSV_AUTH_AUDIENCE and AKSV_PORTAL_CLIENT_ID.",
    };
  return { schema, session: await startSession(config.signIn) };
}

function route(): string[] {
  // MSAL's own redirect answer may be in the hash until it has read it.
  const hash = location.hash.replace(/^#\/?/, "");
  if (/(^|&)(code|state|error)=/.test(hash)) return [];
  return hash.split("?")[0]!.split("/").filter(Boolean).map(decodeURIComponent);
}

function App(props: Boot) {
  const [path, setPath] = useState(route());
  useEffect(() => {
    const on = () => setPath(route());
    addEventListener("hashchange", on);
    return () => removeEventListener("hashchange", on);
  }, []);
  const session = props.session;
  const api = useMemo(() => (session ? new Api(() => session.token()) : undefined), [session]);
  let page;
  if (props.problem)
    page = (
      <p class="error" role="alert">
        {props.problem}
      </p>
    );
  else if (!session?.account || !api)
    page = (
      <section aria-labelledby="signin-title">
        <h2 id="signin-title">Sign in</h2>
        <p>Sign in with your organisation account to see and request clusters.</p>
        <button type="button" class="primary" onClick={() => void session?.signIn()}>
          Sign in
        </button>
      </section>
    );
  else if (path[0] === "new")
    page = (
      <CreateCluster
        api={api}
        schema={props.schema}
        onCreated={(name, spec) => {
          if (spec) rememberSpec(name, spec);
          location.hash = `#/clusters/${encodeURIComponent(name)}`;
        }}
      />
    );
  else if (path[0] === "clusters" && path[1]) page = <ClusterPage key={path[1]} api={api} name={path[1]} />;
  else page = <ClusterList api={api} />;
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header>
        <h1>
          <a href="#/">aks-vending</a>
        </h1>
        <nav aria-label="Main">
          <a href="#/">Clusters</a>
          <a href="#/new">New cluster</a>
          <a href="/api/docs/">API reference</a>
        </nav>
        {session?.account ? (
          <div class="user">
            Signed in as <strong>{session.account.name ?? session.account.username}</strong>{" "}
            <button type="button" onClick={() => void session.signOut()}>
              Sign out
            </button>
          </div>
        ) : null}
      </header>
      <main id="main" tabIndex={-1}>
        {page}
      </main>
    </>
  );
}

const root = document.getElementById("app")!;
boot().then(
  (b) => {
    root.textContent = "";
    render(<App {...b} />, root);
  },
  (e: unknown) => {
    root.textContent = `The portal could not start: ${e instanceof Error ? e.message : String(e)}`;
  },
);
