// The real CLI process (node dist/cli/main.js) against the whole local stack: dev-token and login
// (local dev token, and @azure/identity through the emulator's managed-identity endpoint), create
// --wait on the tutorial, a failing create (injected QuotaExceeded), Azure DevOps logging commands,
// get/list/kubeconfig, delete --wait (the deletion's view only), wait timeouts, readable API errors, and token precedence.
// Every cluster command carries a token (from `aks-vending dev-token` itself, or a login profile).
import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { decodeJwt } from "jose";
import { parse as parseYaml } from "yaml";
import { LOCAL_API_AUDIENCE } from "../../../emulators/stack.js";
import { ROOT } from "../../../harness/stack.js";
import type { ClusterStatusDocument as Doc } from "../../../shared/provision/types.js";
import type { ApiFront } from "./api-front.js";
import {
  runCli,
  runCliOnTty,
  show,
  startCliStack,
  type CliStack,
  type Env,
  type Run,
  type StackInfo,
} from "./cli-process.js";

const TUTORIAL = join(ROOT, "examples/seed-tutorial.json");
const NAME = "tipsAndTricksAKSCluster";
const FAILING = "failingCluster";

/** Set by a describe's before(): what every CLI run there gets (a token, the CA to trust…). */
let defaults: Env = {};

function cli(args: string[], extra: Env = {}, input?: string): Promise<Run> {
  return runCli(args, { ...defaults, ...extra }, input);
}

function cliOnTty(args: string[], extra: Env = {}): Promise<Run> {
  return runCliOnTty(args, { ...defaults, ...extra });
}

/** The bearer token of a recorded request. */
const bearer = (authorization: string | undefined) => authorization?.replace(/^Bearer /, "");

describe("aks-vending CLI against the local stack", () => {
  let local: CliStack | undefined;
  let stateDir: string;
  let stack: StackInfo;
  let front: ApiFront;
  let api: string;
  /** An admin's (and platform member's) token from `aks-vending dev-token`: every cluster command sends it as AKSV_TOKEN. */
  let adminToken: string;
  /** Arguments every cluster command gets: the stack's API and quick polling. */
  const at = () => ["--api", api];
  const fast = ["--poll-interval", "100ms", "--timeout", "2m"];
  /** A fresh sign-in profile directory (AKSV_CONFIG_DIR), and no AKSV_TOKEN. */
  const signedOut = async (): Promise<Env> => ({
    AKSV_CONFIG_DIR: await mkdtemp(join(stateDir, "config-")),
    AKSV_TOKEN: undefined,
  });

  before(async () => {
    local = await startCliStack(FAILING);
    ({ stateDir, stack, front, api } = local);
    defaults = { NODE_EXTRA_CA_CERTS: local.ca };
    // A member of platform too: the tutorial's default access grant (writer in its namespace) is
    // the caller when the team has no Entra group.
    const t = await cli([...at(), "dev-token", "--role", "Clusters.Admin", "--team", "platform"]);
    assert.equal(t.code, 0, show(t));
    adminToken = t.stdout.trim();
    defaults = { NODE_EXTRA_CA_CERTS: local.ca, AKSV_TOKEN: adminToken };
  });

  after(async () => {
    defaults = {};
    await local?.stop();
  });

  it("dev-token prints only a token, for the API's audience, with the role and team roles asked for", async () => {
    const r = await cli([
      ...at(),
      "dev-token",
      "--team",
      "platform",
      "--team",
      "data",
      "--role",
      "Clusters.Read",
    ]);
    assert.equal(r.code, 0, show(r));
    assert.equal(r.stderr, "");
    assert.match(r.stdout, /^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const claims = decodeJwt(r.stdout.trim());
    assert.equal(claims.aud, LOCAL_API_AUDIENCE);
    assert.equal(claims.iss, stack.issuer);
    assert.deepEqual(claims["roles"], ["Clusters.Read", "Team.platform", "Team.data"]);
    assert.equal(claims["preferred_username"], "dev-platform@aks-vending.local");
    // The admin token every other test sends is accepted by the API.
    assert.deepEqual(decodeJwt(adminToken)["roles"], ["Clusters.Admin", "Team.platform"]);
    const list = await cli([...at(), "list"]);
    assert.equal(list.code, 0, show(list));
    const last = front.seen.at(-1)!;
    assert.equal(bearer(last.authorization), adminToken);
    assert.equal(last.status, 200);
  });

  it("login on the local stack stores a renewable dev token (0600); create --wait then needs no --token and prints the outputs", async () => {
    const env = await signedOut();
    const login = await cli([...at(), "login", "--team", "platform"], env);
    assert.equal(login.code, 0, show(login));
    const profileFile = join(env["AKSV_CONFIG_DIR"]!, "profile.json");
    assert.match(
      login.stdout,
      new RegExp(
        `^signed in to ${api} as dev-platform@aks-vending\\.local \\(Clusters\\.Write, Team\\.platform\\) with a dev token from the local issuer ${stack.issuer}, renewed when it expires\nprofile: ${profileFile}\n$`,
      ),
    );
    assert.equal(statSync(profileFile).mode & 0o777, 0o600);
    const profile = JSON.parse(await readFile(profileFile, "utf8")) as {
      kind: string;
      token: { accessToken: string };
    };
    assert.equal(profile.kind, "dev-token");
    assert.ok(!(login.stdout + login.stderr).includes(profile.token.accessToken), "the token is not printed");
    const before = front.seen.length;
    const r = await cli(["create", "-f", TUTORIAL, "--wait", ...fast], env);
    assert.equal(r.code, 0, show(r));
    // No --api either: the profile's API is the default; every request carried the stored token.
    const sent = front.seen.slice(before);
    assert.ok(sent.length >= 2 && sent[0]!.method === "POST", JSON.stringify(sent));
    assert.ok(sent.every((s) => bearer(s.authorization) === profile.token.accessToken));
    assert.ok(!(r.stdout + r.stderr).includes(profile.token.accessToken), "the token is not printed");
    assert.match(r.stdout, new RegExp(`^cluster ${NAME} Succeeded in \\d+:\\d\\d$`, "m"));
    assert.match(
      r.stdout,
      /^ {2}clusterId: +\/subscriptions\/[^/]+\/resourceGroups\/akstips\/providers\/Microsoft\.ContainerService\/managedClusters\/tipsAndTricksAKSCluster$/m,
    );
    assert.match(r.stdout, /^ {2}fqdn: +\S+\.\S+$/m);
    assert.match(r.stdout, /^ {2}resourceGroup: +akstips$/m);
    // The team's writer grant checked beside the probes (allowed in its namespace, not above, not outside).
    assert.match(r.stdout, /^verification: passed \((\d+)\/\1 probes as expected, 3\/3 access reviews\)$/m);
    // Not a TTY: one plain line per change, no escape sequences, no pipeline commands.
    assert.ok(!(r.stderr + r.stdout).includes("\u001b["), "no escape sequences");
    assert.ok(!r.stdout.includes("##vso"), "no pipeline commands outside a pipeline");
    const lines = r.stderr.trim().split("\n");
    assert.ok(
      lines.every((l) => /^\[\d+:\d\d\] /.test(l)),
      r.stderr,
    );
    assert.ok(
      lines.some((l) => l.endsWith(`${NAME}: Succeeded`)),
      r.stderr,
    );
    assert.ok(
      // No fault was injected: however often the create was polled, it took one attempt.
      lines.some((l) => /step cluster: Succeeded$/.test(l)),
      r.stderr,
    );
    assert.ok(
      lines.some((l) => /step cluster: Running/.test(l)),
      r.stderr,
    );
    assert.equal(new Set(lines).size, lines.length, "each change is printed once");
  });

  it("get -o json prints the status document; get shows it as text", async () => {
    const r = await cli([...at(), "get", NAME, "-o", "json"]);
    assert.equal(r.code, 0, show(r));
    const doc = JSON.parse(r.stdout) as { name: string; phase: string; outputs: { clusterId?: string } };
    assert.equal(doc.name, NAME);
    assert.equal(doc.phase, "Succeeded");
    assert.match(doc.outputs.clusterId ?? "", /managedClusters\/tipsAndTricksAKSCluster$/);
    const t = await cli([...at(), "get", NAME]);
    assert.equal(t.code, 0, show(t));
    assert.match(t.stdout, /^tipsAndTricksAKSCluster {2}Succeeded$/m);
    assert.match(t.stdout, /^STEP +STATUS +RETRIES +POLLS +ERROR$/m);
    // The create was polled, never retried.
    assert.match(t.stdout, /^cluster +Succeeded +0 +[1-9]\d* *$/m);
  });

  it("list prints a table and filters by phase and team; -o json for scripts", async () => {
    const r = await cli([...at(), "list"]);
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, /^NAME +TEAM +PHASE +RESOURCE GROUP +CREATED$/m);
    assert.match(r.stdout, /^tipsAndTricksAKSCluster +platform +Succeeded +akstips /m);
    const j = await cli([...at(), "-o", "json", "list", "--phase", "succeeded", "--team", "platform"]);
    assert.equal(j.code, 0, show(j));
    assert.deepEqual(
      (JSON.parse(j.stdout) as { name: string }[]).map((c) => c.name),
      [NAME],
    );
    const none = await cli([...at(), "list", "--team", "nobody"]);
    assert.equal(none.stdout, "no clusters\n");
  });

  it("kubeconfig prints the user kubeconfig to stdout and nothing else", async () => {
    const r = await cli([...at(), "kubeconfig", NAME]);
    assert.equal(r.code, 0, show(r));
    assert.equal(r.stderr, "");
    const kc = parseYaml(r.stdout) as { kind: string; clusters: { cluster: { server: string } }[] };
    assert.equal(kc.kind, "Config");
    assert.match(kc.clusters[0]!.cluster.server, /^https:\/\/127\.0\.0\.1:\d+\/clusters\/[0-9a-f]{20}$/);
  });

  it("under TF_BUILD=True a finished wait sets exact output variables", async () => {
    const r = await cli([...at(), "wait", NAME, ...fast], { TF_BUILD: "True" });
    assert.equal(r.code, 0, show(r));
    const doc = JSON.parse((await cli([...at(), "get", NAME, "-o", "json"])).stdout) as {
      outputs: { clusterId: string; fqdn: string };
    };
    const vso = r.stdout.split("\n").filter((l) => l.startsWith("##vso["));
    assert.deepEqual(vso, [
      "##vso[task.setprogress value=100;]Succeeded",
      `##vso[task.setvariable variable=clusterId;isOutput=true]${doc.outputs.clusterId}`,
      `##vso[task.setvariable variable=fqdn;isOutput=true]${doc.outputs.fqdn}`,
      "##vso[task.setvariable variable=resourceGroup;isOutput=true]akstips",
    ]);
  });

  it("a failing create (injected QuotaExceeded) exits 3 with the code; under TF_BUILD=True it fails the step exactly", async () => {
    const dir = await mkdtemp(join(tmpdir(), "aksv-cli-spec-"));
    try {
      const spec = JSON.parse(readFileSync(TUTORIAL, "utf8")) as Record<string, unknown>;
      const file = join(dir, "failing.json");
      await writeFile(file, JSON.stringify({ ...spec, name: FAILING, resourceGroup: "failing-rg" }));
      const r = await cli([...at(), "create", "-f", file, "--wait", ...fast], { TF_BUILD: "True" });
      assert.equal(r.code, 3, show(r));
      const message =
        "cluster failingCluster Failed at step cluster: QuotaExceeded: Operation could not be completed as it results in exceeding approved standardDSv5Family Cores quota";
      assert.match(r.stderr, new RegExp(`^error: ${message}$`, "m"));
      const vso = r.stdout.split("\n").filter((l) => l.startsWith("##vso["));
      assert.deepEqual(vso.slice(-2), [
        `##vso[task.logissue type=error]${message}`,
        "##vso[task.complete result=Failed;]QuotaExceeded",
      ]);
      const progress = vso.slice(0, -2);
      assert.ok(progress.length > 0, "progress is reported");
      for (const l of progress)
        assert.match(l, /^##vso\[task\.setprogress value=\d{1,3};\][A-Za-z]+( \([a-zA-Z]+\))?$/);
      assert.ok(!vso.some((l) => l.includes("task.setvariable")), "no outputs for a failed cluster");
      // Progress lines (on stdout in a pipeline) show the failing step.
      // A permanent failure is not retried.
      assert.match(r.stdout, /^\[\d+:\d\d\] {3}step cluster: Failed QuotaExceeded$/m);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a DELETE after the failed create shows the deletion's steps, warnings and error only; get keeps how the create ended apart", async () => {
    const before = JSON.parse((await cli([...at(), "get", FAILING, "-o", "json"])).stdout) as Doc;
    assert.equal(before.phase, "Failed");
    assert.ok(before.warnings.length > 0, "the kept create has warnings of its own");
    const r = await cli([...at(), "delete", FAILING, "--wait", ...fast]);
    assert.equal(r.code, 0, show(r));
    // The progress lines name only the deletion's steps.
    const steps = r.stderr.split("\n").filter((l) => / step /.test(l));
    assert.ok(steps.length > 0, r.stderr);
    assert.ok(
      steps.every((l) => / step delete:\w+: /.test(l)),
      r.stderr,
    );
    assert.doesNotMatch(r.stderr + r.stdout, /QuotaExceeded/);
    const doc = JSON.parse((await cli([...at(), "get", FAILING, "-o", "json"])).stdout) as Doc;
    assert.equal(doc.phase, "Deleted");
    assert.ok(
      doc.steps.every((s) => s.name.startsWith("delete:")),
      JSON.stringify(doc.steps),
    );
    assert.equal(doc.error, undefined);
    assert.ok(!doc.warnings.some((w) => before.warnings.includes(w)), JSON.stringify(doc.warnings));
    assert.deepEqual(doc.provisioning, {
      phase: "Failed",
      error: before.error,
      warnings: before.warnings,
    });
    const text = await cli([...at(), "get", FAILING]);
    assert.match(text.stdout, /^failingCluster {2}Deleted$/m);
    assert.match(text.stdout, /^before the deletion: provisioning Failed: QuotaExceeded at step cluster$/m);
    assert.doesNotMatch(text.stdout, /^error:/m);
  });

  it("API errors print code, message and each detail; -o json prints the body as is", async () => {
    const missing = await cli([...at(), "get", "noSuchCluster"]);
    assert.equal(missing.code, 1, show(missing));
    assert.equal(missing.stderr, "error: ClusterNotFound: cluster noSuchCluster was not found\n");
    const asJson = await cli([...at(), "get", "noSuchCluster", "-o", "json"]);
    assert.equal(asJson.code, 1);
    assert.deepEqual(JSON.parse(asJson.stdout), {
      error: { code: "ClusterNotFound", message: "cluster noSuchCluster was not found", details: [] },
    });
    const dir = await mkdtemp(join(tmpdir(), "aksv-cli-spec-"));
    try {
      const file = join(dir, "bad.json");
      await writeFile(file, JSON.stringify({ name: "bad", team: "platform", nodePool: { count: 0 } }));
      const bad = await cli([...at(), "create", "-f", file]);
      assert.equal(bad.code, 2, show(bad));
      const [head, ...details] = bad.stderr.trim().split("\n");
      assert.match(head!, /^error: [A-Za-z]+: .+/);
      assert.ok(details.length >= 1, bad.stderr);
      assert.ok(
        details.some((d) => /^ {2}nodePool\.count: .+/.test(d)),
        bad.stderr,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("an expired stored dev token is renewed from the local issuer; one that cannot be renewed says to log in", async () => {
    const env = await signedOut();
    assert.equal(
      (await cli([...at(), "login", "--team", "platform", "--role", "Clusters.Read"], env)).code,
      0,
    );
    const profileFile = join(env["AKSV_CONFIG_DIR"]!, "profile.json");
    type Stored = { token: { accessToken: string; expiresOn: number }; grant: { endpoint: string } };
    const stored = JSON.parse(await readFile(profileFile, "utf8")) as Stored;
    // An expired token (a marker: a renewal in the same second would sign the very same JWT).
    const expired = {
      ...stored,
      token: { accessToken: "expired", expiresOn: Math.floor(Date.now() / 1000) - 5 },
    };
    await writeFile(profileFile, JSON.stringify(expired));
    const r = await cli(["get", NAME, "-o", "json"], env);
    assert.equal(r.code, 0, show(r));
    const renewed = JSON.parse(await readFile(profileFile, "utf8")) as Stored;
    assert.match(renewed.token.accessToken, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.ok(renewed.token.expiresOn > Date.now() / 1000 + 3000);
    assert.equal(statSync(profileFile).mode & 0o777, 0o600);
    assert.equal(bearer(front.seen.at(-1)!.authorization), renewed.token.accessToken);
    assert.deepEqual(decodeJwt(renewed.token.accessToken)["roles"], ["Clusters.Read", "Team.platform"]);
    // The issuer is gone: no request is sent, the error says what to do.
    const closed = createServer();
    await new Promise<void>((res) => closed.listen(0, "127.0.0.1", res));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((res) => closed.close(res));
    await writeFile(
      profileFile,
      JSON.stringify({
        ...expired,
        grant: { ...stored.grant, endpoint: `http://127.0.0.1:${port}/_emulator/tokens` },
      }),
    );
    const before = front.seen.length;
    const gone = await cli(["get", NAME], env);
    assert.equal(gone.code, 1, show(gone));
    assert.match(
      gone.stderr,
      /^error: the stored sign-in token has expired and could not be renewed \(no dev token: cannot reach http:\/\/127\.0\.0\.1:\d+\/_emulator\/tokens \(ECONNREFUSED\)\); run aks-vending login\n$/,
    );
    assert.equal(front.seen.length, before, "nothing was sent to the API");
  });

  it("login --use-azure-identity (managed identity of the Azure emulator) stores no token; later commands authenticate with the credential", async () => {
    const env: Env = {
      ...(await signedOut()),
      IDENTITY_ENDPOINT: stack.identityEndpoint,
      IDENTITY_HEADER: stack.identityHeader,
    };
    // Signed in to this API with a dev token first: the second login, without --api, keeps to it
    // (the default API 127.0.0.1:7071 is not this stack's), and so does dev-token.
    const first = await cli([...at(), "login", "--team", "platform"], env);
    assert.equal(first.code, 0, show(first));
    const devToken = await cli(["dev-token", "--team", "platform"], env);
    assert.equal(devToken.code, 0, show(devToken));
    assert.equal(decodeJwt(devToken.stdout.trim()).aud, LOCAL_API_AUDIENCE);
    const login = await cli(["login", "--use-azure-identity"], env);
    assert.equal(login.code, 0, show(login));
    assert.match(
      login.stdout,
      /^signed in to \S+ as app system-assigned through @azure\/identity \(token audience api:\/\/aks-vending-local\)/,
    );
    assert.match(
      login.stderr,
      /^warning: the token carries no app role \(Clusters\.Admin, Clusters\.Write, Clusters\.Read\)/,
    );
    const profile = JSON.parse(
      await readFile(join(env["AKSV_CONFIG_DIR"]!, "profile.json"), "utf8"),
    ) as Record<string, unknown>;
    assert.deepEqual(profile, {
      kind: "azure-identity",
      api,
      audience: LOCAL_API_AUDIENCE,
      openIdConnectUrl: `${stack.issuer}/.well-known/openid-configuration`,
    });
    const r = await cli(["get", NAME, "-o", "json"], env);
    const last = front.seen.at(-1)!;
    const claims = decodeJwt(bearer(last.authorization) ?? "");
    assert.equal(claims.aud, LOCAL_API_AUDIENCE);
    assert.equal(claims.iss, stack.issuer);
    assert.equal(claims["appid"], "system-assigned");
    assert.equal(claims["roles"], undefined);
    // Authenticated, but without an app role: the API refuses with 403, never 401 (an API from before
    // authentication answers 200).
    assert.equal(last.status, front.addedScheme ? 200 : 403, show(r));
    assert.equal(r.code, front.addedScheme ? 0 : 1, show(r));
  });

  it("logout removes the profile; afterwards no token is sent and a 401 says how to sign in", async () => {
    const env = await signedOut();
    assert.equal((await cli([...at(), "login", "--role", "Clusters.Admin"], env)).code, 0);
    const profileFile = join(env["AKSV_CONFIG_DIR"]!, "profile.json");
    const out = await cli(["logout"], env);
    assert.deepEqual([out.code, out.stdout], [0, `signed out (removed ${profileFile})\n`]);
    const again = await cli(["logout"], env);
    assert.deepEqual([again.code, again.stdout], [0, `not signed in (no ${profileFile})\n`]);
    const r = await cli([...at(), "get", NAME], env);
    assert.equal(front.seen.at(-1)!.authorization, undefined);
    assert.equal(front.seen.at(-1)!.status, front.addedScheme ? 200 : 401, show(r));
    if (!front.addedScheme) {
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /\nhint: not signed in; sign in with aks-vending login --api \S+, or pass a token with --token or AKSV_TOKEN\n$/,
      );
    }
  });

  it("without NODE_EXTRA_CA_CERTS the local issuer's TLS failure says how to trust the local CA", async () => {
    const r = await cli([...at(), "dev-token", "--team", "platform"], { NODE_EXTRA_CA_CERTS: undefined });
    assert.equal(r.code, 1, show(r));
    assert.equal(r.stdout, "");
    assert.match(
      r.stderr,
      /^error: cannot reach https:\/\/127\.0\.0\.1:\d+\/.+openid-configuration \([A-Z_]+\); the local stack's HTTPS endpoints use its own CA: set NODE_EXTRA_CA_CERTS to the CA certificate path `npm start` prints/,
    );
  });

  it("delete --wait with a tiny timeout exits 4 and says it timed out; delete --wait then finishes", async () => {
    const t = await cli([...at(), "delete", NAME, "--wait", "--timeout", "1ms"]);
    assert.equal(t.code, 4, show(t));
    assert.match(
      t.stderr,
      /^error: WaitTimeout: gave up on cluster tipsAndTricksAKSCluster after 0:00; it is still Deleting/m,
    );
    // On a terminal the progress block is redrawn in place; NO_COLOR turns colours off.
    const r = await cliOnTty([...at(), "delete", NAME, "--wait", ...fast], { NO_COLOR: "1" });
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, /^cluster tipsAndTricksAKSCluster deleted in \d+:\d\d\r?$/m);
    const esc = String.fromCharCode(27);
    // The deletion's five steps under the head line: the create's steps are not shown.
    assert.match(r.stdout, new RegExp(`${esc}\\[6A\r${esc}\\[J`), "the 6-line block is redrawn in place");
    assert.match(r.stdout, /tipsAndTricksAKSCluster {2}Deleted {2}\[#{30}\] 100% {2}\d+:\d\d\r?\n/);
    assert.match(r.stdout, /^ {2}✓ delete:resourceGroup +Succeeded\r?$/m);
    assert.doesNotMatch(r.stdout, /verification/);
    assert.doesNotMatch(r.stdout, new RegExp(`${esc}\\[\\d+m`), "no colours with NO_COLOR");
    const get = await cli([...at(), "get", NAME, "-o", "json"]);
    if (get.code === 0) assert.equal((JSON.parse(get.stdout) as { phase: string }).phase, "Deleted");
    else assert.equal((JSON.parse(get.stdout) as { error: { code: string } }).error.code, "ClusterNotFound");
    const list = await cli([...at(), "-o", "json", "list", "--phase", "Succeeded"]);
    assert.deepEqual(JSON.parse(list.stdout), []);
  });
});

describe("aks-vending CLI options", () => {
  it("sends --token / AKSV_TOKEN as a bearer token and takes the API from AKSV_API_URL", async () => {
    const seen: IncomingHttpHeaders[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(404, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          error: { code: "ClusterNotFound", message: "cluster x was not found", details: [] },
        }),
      );
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
      const a = await cli(["get", "x"], { AKSV_API_URL: url, AKSV_TOKEN: "t0ken" });
      const b = await cli(["--api", url, "--token", "other", "get", "x"]);
      const c = await cli(["--api", url, "get", "x"]);
      // With a signed-in profile for this API: --token > AKSV_TOKEN > the profile's token, which goes
      // to its own API only (and the profile's API is the default).
      const dir = await mkdtemp(join(tmpdir(), "aksv-cli-config-"));
      await writeFile(
        join(dir, "profile.json"),
        JSON.stringify({
          kind: "dev-token",
          api: url,
          audience: "api://x",
          grant: { endpoint: "http://127.0.0.1:9/_emulator/tokens", teams: ["t"], role: "Clusters.Write" },
          token: { accessToken: "pr0file", expiresOn: Math.floor(Date.now() / 1000) + 3600 },
        }),
      );
      const withProfile = { AKSV_CONFIG_DIR: dir };
      const d = await cli(["get", "x"], withProfile);
      const e = await cli(["get", "x"], { ...withProfile, AKSV_TOKEN: "t0ken" });
      const f = await cli(["--token", "other", "get", "x"], { ...withProfile, AKSV_TOKEN: "t0ken" });
      const elsewhere = await cli(["--api", `${url}x`, "get", "x"], withProfile);
      await rm(dir, { recursive: true, force: true });
      for (const r of [a, b, c, d, e, f])
        assert.equal(r.stderr, "error: ClusterNotFound: cluster x was not found\n", show(r));
      assert.deepEqual(
        seen.map((h) => h.authorization),
        [
          "Bearer t0ken",
          "Bearer other",
          undefined,
          "Bearer pr0file",
          "Bearer t0ken",
          "Bearer other",
          undefined,
        ],
      );
      assert.equal(elsewhere.code, 1);
      assert.ok(!a.stdout.includes("t0ken") && !a.stderr.includes("t0ken"), "the token is never printed");
    } finally {
      server.close();
    }
  });

  it("dev-token against an API whose issuer is not the local one (Entra ID) exits 2 and points to login", async () => {
    const server = createServer((req, res) => {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const body =
        req.url === "/api/openapi.json"
          ? {
              openapi: "3.1.0",
              components: {
                securitySchemes: {
                  entra: {
                    type: "openIdConnect",
                    openIdConnectUrl: `${base}/tenant/v2.0/.well-known/openid-configuration`,
                    "x-aks-vending-audience": "api://aks-vending",
                  },
                },
              },
            }
          : { issuer: `${base}/tenant/v2.0`, token_endpoint: `${base}/tenant/oauth2/v2.0/token` };
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const r = await cli(["--api", `${base}/api`, "dev-token", "--team", "platform"]);
      assert.equal(r.code, 2, show(r));
      assert.equal(r.stdout, "");
      assert.equal(
        r.stderr,
        `error: dev-token works only with the local stack (the issuer ${base}/tenant/v2.0 has no dev-token endpoint); use aks-vending login\n`,
      );
      // Flags are checked before anything is asked of the network.
      const noTeam = await cli(["--api", "http://127.0.0.1:9/api", "dev-token"]);
      assert.deepEqual(
        [noTeam.code, noTeam.stderr],
        [2, "error: give --team T (repeatable), or --role Clusters.Admin for every team\n"],
      );
    } finally {
      server.close();
    }
  });

  it("create reads JSON or YAML from a file or standard input, and sends JSON; unreadable text exits 2 unsent", async () => {
    const bodies: { url: string; type: string; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (d: Buffer) => (body += d.toString()));
      req.on("end", () => {
        bodies.push({ url: req.url ?? "", type: req.headers["content-type"] ?? "", body });
        res.writeHead(400, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { code: "InvalidClusterSpec", message: "recorded", details: [] } }));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const dir = await mkdtemp(join(tmpdir(), "aksv-cli-yaml-"));
    try {
      const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
      const yaml = "name: c1\nteam: platform\nnodePool:\n  count: 1\n";
      const expected = { name: "c1", team: "platform", nodePool: { count: 1 } };
      await writeFile(join(dir, "spec.yaml"), yaml);
      await writeFile(join(dir, "spec.txt"), yaml);
      const json = JSON.stringify(expected, null, 2);
      for (const [args, input] of [
        [["create", "-f", "-"], yaml],
        [["create", "-f", join(dir, "spec.yaml")], undefined],
        [["create", "-f", join(dir, "spec.txt")], undefined],
        [["create", "-f", "-"], json],
        [["create", "-f", TUTORIAL], undefined],
      ] as const) {
        const r = await cli(["--api", api, ...args], {}, input);
        assert.equal(r.code, 2, show(r));
        assert.match(r.stderr, /^error: InvalidClusterSpec: recorded$/m);
      }
      assert.deepEqual(
        bodies.map((b) => [b.url, b.type]),
        Array(5).fill(["/api/clusters", "application/json"]),
      );
      for (const b of bodies.slice(0, 4)) assert.deepEqual(JSON.parse(b.body), expected);
      assert.equal(bodies[3]!.body, json, "JSON is sent as written");
      assert.equal(bodies[4]!.body, readFileSync(TUTORIAL, "utf8"));

      const broken = await cli(["--api", api, "create", "-f", "-"], {}, '{"name": "c1",');
      assert.equal(broken.code, 2, show(broken));
      assert.match(broken.stderr, /^error: standard input: the document is not valid JSON: /);
      await writeFile(join(dir, "bad.yaml"), "name: [c1\n");
      const bad = await cli(["--api", api, "create", "-f", join(dir, "bad.yaml")]);
      assert.equal(bad.code, 2, show(bad));
      assert.match(bad.stderr, /bad\.yaml: the document is not valid YAML: /);
      assert.equal(bodies.length, 5, "nothing unreadable was sent");
    } finally {
      server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("list --phase refuses an unknown phase before asking the API (exit 2, naming the phases); --all asks for Deleted too", async () => {
    const urls: string[] = [];
    const server = createServer((req, res) => {
      urls.push(req.url ?? "");
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ value: [] }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
      const bogus = await cli(["--api", api, "list", "--phase", "Bogus"]);
      assert.equal(bogus.code, 2, show(bogus));
      assert.equal(
        bogus.stderr,
        'error: --phase "Bogus" is not a phase; use one of Accepted, Provisioning, Seeding, Verifying, Succeeded, Failed, Deleting, Deleted\n',
      );
      assert.deepEqual(urls, [], "nothing was asked of the API");
      const ok = await cli(["--api", api, "list", "--phase", "deleted", "--all"]);
      assert.equal(ok.code, 0, show(ok));
      const plain = await cli(["--api", api, "list"]);
      assert.equal(plain.code, 0, show(plain));
      assert.deepEqual(urls, ["/api/clusters?phase=Deleted&all=true", "/api/clusters"]);
    } finally {
      server.close();
    }
  });

  it("--version prints package.json's version", async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    for (const flag of ["--version", "-V"]) {
      const r = await cli([flag]);
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, `${pkg.version}\n`, ""]);
    }
  });

  it("an unreachable API is one readable line and exit 1", async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    await new Promise((r) => server.close(r));
    const r = await cli(["--api", `http://127.0.0.1:${port}/api`, "list"]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^error: cannot reach the API at http:\/\/127\.0\.0\.1:\d+\/api \(ECONNREFUSED\); set --api or AKSV_API_URL\n$/,
    );
  });
});
