// What the CLI's integration tests share: running the real CLI process (node dist/cli/main.js, also
// on a pseudo-terminal) with a clean environment, and the whole local stack in a child process
// (stack-child.ts) behind the recording API front (api-front.ts).
import { execFile, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { LOCAL_API_AUDIENCE } from "../../../emulators/stack.js";
import { ensureCa, ROOT } from "../../../harness/stack.js";
import { startApiFront, type ApiFront } from "./api-front.js";

export const CLI = join(ROOT, "dist/cli/main.js");
const STACK = fileURLToPath(new URL("./stack-child.js", import.meta.url));

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export type Env = Record<string, string | undefined>;

/** A sign-in profile directory of no test (so the user's own profile never leaks in). */
const NO_PROFILE = join(tmpdir(), "aksv-cli-no-profile");

/**
 * Environment of a CLI run: none of the test runner's pipeline, colour, sign-in or Azure identity
 * settings leak in; `undefined` in `extra` removes a variable.
 */
function cliEnv(extra: Env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, AKSV_CONFIG_DIR: NO_PROFILE };
  for (const k of Object.keys(env))
    if (
      /^(TF_BUILD|AKSV_API_URL|AKSV_TOKEN|NO_COLOR|FORCE_COLOR|IDENTITY_|MSI_|AZURE_|NODE_EXTRA_CA_CERTS)/.test(
        k,
      )
    )
      delete env[k];
  const merged: NodeJS.ProcessEnv = { ...env, ...extra };
  for (const [k, v] of Object.entries(merged)) if (v === undefined) delete merged[k];
  return merged;
}

function run(file: string, args: string[], extra: Env, input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { env: cliEnv(extra) }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(input);
  });
}

export function runCli(args: string[], env: Env = {}, input?: string): Promise<Run> {
  return run(process.execPath, [CLI, ...args], env, input);
}

/** The CLI on a pseudo-terminal (util-linux `script`); stdout and stderr both arrive in `stdout`. */
export function runCliOnTty(args: string[], env: Env = {}): Promise<Run> {
  const quote = (a: string) => `'${a.replace(/'/g, "'\\''")}'`;
  const command = [process.execPath, CLI, ...args].map(quote).join(" ");
  return run("script", ["-qec", command, "/dev/null"], env);
}

export const show = (r: Run) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

export interface StackInfo {
  api: string;
  issuer: string;
  identityEndpoint: string;
  identityHeader: string;
}

export interface CliStack {
  stateDir: string;
  /** The local CA's certificate (NODE_EXTRA_CA_CERTS for every CLI run). */
  ca: string;
  stack: StackInfo;
  front: ApiFront;
  /** The API as the CLI reaches it: through the front. */
  api: string;
  stop(): Promise<void>;
}

/** The whole local stack in its own process, with `failing` the managedCluster that fails QuotaExceeded. */
export async function startCliStack(failing: string): Promise<CliStack> {
  const stateDir = await mkdtemp(join(tmpdir(), "aksv-cli-"));
  const ca = await ensureCa(stateDir);
  const child = spawn(process.execPath, [STACK, stateDir, failing], {
    env: { ...process.env, NODE_EXTRA_CA_CERTS: ca },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const stack = await new Promise<StackInfo>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`stack exited with ${code}`)));
    createInterface({ input: child.stdout! }).on("line", (line) => {
      if (line.startsWith("{")) resolve(JSON.parse(line) as StackInfo);
    });
  });
  const front = await startApiFront(stack.api, stack.issuer, LOCAL_API_AUDIENCE);
  return {
    stateDir,
    ca,
    stack,
    front,
    api: front.api,
    async stop() {
      await front.close();
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.stdin!.end();
        await exited;
      }
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}
