// `npm start`'s launcher: the three services come up wired together, curl trusts the local CA, the
// commands it prints work as printed on the ports in use (here: free ports, not the defaults), the
// tutorial's request reaches Succeeded in under a minute with answers the published schemas accept,
// and Ctrl-C (SIGINT) stops everything cleanly.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFile, execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { LOCAL_API_AUDIENCE } from "../../../emulators/stack.js";
import { ClusterListSchema, ClusterStatusSchema, HealthSchema } from "../../../shared/api/schemas.js";
import { devTokenBody } from "../../../shared/auth/dev-token.js";
import { REPO_ROOT } from "../../helpers/examples.js";

test("the launcher starts the host, the Azure emulator and the Kubernetes emulator, and stops them on SIGINT", async (t) => {
  const stateDir = await mkdtemp(join(tmpdir(), "aksv-start-"));
  t.after(() => rm(stateDir, { recursive: true, force: true }));
  // npm start on this state directory, on free ports.
  const launcher = [
    join(REPO_ROOT, "dist/emulators/start.js"),
    "--state-dir",
    stateDir,
    "--host-port",
    "0",
    "--azure-port",
    "0",
    "--kube-port",
    "0",
  ];
  const child = spawn(process.execPath, [...launcher, "--log-level", "warning"], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  // A failed assertion must not leave the stack running (it would keep the test process alive).
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  const urls: Record<string, string> = {};
  const exports: string[] = [];
  const cliLines: string[] = [];
  const lines = createInterface({ input: child.stdout! });
  await new Promise<void>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`launcher exited early with ${code}`)));
    lines.on("line", (line) => {
      const m = /^\s+(API|Azure emulator|Kubernetes emulator|CA certificate)\s+(\S+)/.exec(line);
      if (m) urls[m[1]!] = m[2]!;
      if (/^\s+export (NODE_EXTRA_CA_CERTS|AKSV_TOKEN)=/.test(line)) exports.push(line.trim());
      if (/^\s+node \S*dist\/cli\/main\.js /.test(line)) cliLines.push(line.trim());
      if (line.startsWith("Ctrl-C")) resolve();
    });
  });

  const openapi = (await (await fetch(`${urls["API"]}/openapi.json`)).json()) as { openapi: string };
  assert.equal(openapi.openapi, "3.1.0", "the host serves this repository's app");
  assert.equal(HealthSchema.parse(await (await fetch(`${urls["API"]}/health`)).json()).status, "ok");
  assert.notEqual(urls["API"], "http://127.0.0.1:7071/api", "started on a port that is not the default");
  const health = execFileSync(
    "curl",
    ["-sS", "--fail", "--cacert", urls["CA certificate"]!, `${urls["Azure emulator"]}/_emulator/health`],
    { encoding: "utf8" },
  );
  assert.deepEqual(JSON.parse(health), { status: "ok" }, "curl --cacert trusts the Azure emulator");
  const kube = execFileSync(
    "curl",
    [
      "-sS",
      "-o",
      "/dev/null",
      "-w",
      "%{http_code}",
      "--cacert",
      urls["CA certificate"]!,
      `${urls["Kubernetes emulator"]}/_emulator/clusters`,
    ],
    { encoding: "utf8" },
  );
  assert.equal(kube, "200", "curl --cacert trusts the Kubernetes emulator");

  // The README's example: a dev token from the Azure emulator (with curl, as printed), then the
  // tutorial's request reaches Succeeded, verified, in well under a minute.
  const issued = execFileSync(
    "curl",
    [
      "-sS",
      "--fail",
      "--cacert",
      urls["CA certificate"]!,
      "-X",
      "POST",
      `${urls["Azure emulator"]}/_emulator/tokens`,
      "-H",
      "content-type: application/json",
      "-d",
      JSON.stringify(devTokenBody({ audience: LOCAL_API_AUDIENCE, teams: ["platform"] })),
    ],
    { encoding: "utf8" },
  );
  const authorization = `Bearer ${(JSON.parse(issued) as { access_token: string }).access_token}`;
  // The printed commands work as printed, on these ports, with nothing else set: the CLI's
  // dev-token and login name this stack's API, and trust the printed CA.
  assert.equal(exports.length, 2, "npm start prints the CA export and the dev-token command");
  // Run without blocking this process: a synchronous child of several seconds would hold back the
  // timers that retire idle keep-alive connections, and the next fetch would pick one the host closed.
  const sh = async (script: string, env: Record<string, string>) =>
    (await promisify(execFile)("bash", ["-c", script], { cwd: REPO_ROOT, encoding: "utf8", env })).stdout;
  const bare = { PATH: process.env["PATH"] ?? "", HOME: stateDir };
  const printed = await sh(`${exports.join("\n")}\nprintf %s "$AKSV_TOKEN"`, bare);
  assert.match(exports[1]!, new RegExp(`dev-token --team platform --api ${urls["API"]}\\)$`));
  const listed = await fetch(`${urls["API"]}/clusters`, { headers: { authorization: `Bearer ${printed}` } });
  assert.equal(listed.status, 200, "the printed dev-token command gives a token the API accepts");
  ClusterListSchema.parse(await listed.json());
  const login = cliLines.find((l) => / login /.test(l))!;
  assert.match(login, new RegExp(`login --team platform --api ${urls["API"]} `));
  const signedIn = await sh(`${exports[0]}\n${login}\n${login.split(" login ")[0]} list -o json`, {
    ...bare,
    AKSV_CONFIG_DIR: join(stateDir, "cli-config"),
  });
  assert.match(signedIn, new RegExp(`^signed in to ${urls["API"]} as dev-platform`), "the printed login");
  assert.match(signedIn, /^\[\]$/m, "a later command, without --api, uses the API signed in to");

  const anonymous = await fetch(`${urls["API"]}/clusters`);
  assert.equal(anonymous.status, 401, "the API refuses a request without a token");
  const started = Date.now();
  const post = await fetch(`${urls["API"]}/clusters`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization },
    body: readFileSync(join(REPO_ROOT, "examples/seed-tutorial.json")),
  });
  assert.equal(post.status, 202);
  assert.equal(ClusterStatusSchema.parse(await post.json()).phase, "Accepted");
  let status: { phase: string; verification?: { passed: boolean } } = { phase: "Accepted" };
  while (!["Succeeded", "Failed"].includes(status.phase)) {
    assert.ok(Date.now() - started < 60_000, `still ${status.phase} after a minute`);
    await new Promise((r) => setTimeout(r, 250)); // polling interval of the status API, not a synchronisation sleep
    status = ClusterStatusSchema.parse(
      await (
        await fetch(`${urls["API"]}${post.headers.get("location")!.replace(/^\/api/, "")}`, {
          headers: { authorization },
        })
      ).json(),
    );
  }
  assert.equal(status.phase, "Succeeded", JSON.stringify(status));
  assert.equal(status.verification?.passed, true);

  // A second launcher on the same state directory refuses, naming the first one's pid.
  const second = await promisify(execFile)(process.execPath, launcher, {
    cwd: REPO_ROOT,
    encoding: "utf8",
  }).then(
    () => assert.fail("a second npm start on the same state directory started"),
    (err: { code?: number; stderr?: string }) => err,
  );
  assert.equal(second.code, 1);
  assert.ok(
    second.stderr?.includes(`${stateDir} is in use by npm start (the local stack) (pid ${child.pid},`),
    second.stderr,
  );

  child.kill("SIGINT");
  assert.equal(await exited, 0, "SIGINT stops everything and exits 0");
  // Everything the launcher left is private, libraries' files too (the launcher's umask is 077).
  const loose = execFileSync(
    "find",
    [
      stateDir,
      "-path",
      join(stateDir, "cli-config"),
      "-prune",
      "-o",
      "(",
      "-type",
      "f",
      "-not",
      "-perm",
      "600",
      "-o",
      "-type",
      "d",
      "-not",
      "-perm",
      "700",
      ")",
      "-print",
    ],
    { encoding: "utf8" },
  );
  assert.equal(loose, "", "state files 0600, directories 0700");
});
