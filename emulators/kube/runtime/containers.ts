// The node's container runtime as the API server reaches it through the kubelet: container logs
// (which instance `GET …/log` reads, following, previous), the interactive shells that are some
// containers' main process, and the processes `exec` starts and `attach` joins. Pod status stays
// with the lifecycle stages; this only reads it to know which instance is which.
import { podSpec, podStatus, type ContainerStatus } from "../core/v1/pods.js";
import type { Container } from "../core/v1/podspec.js";
import type { ProbeOutcome } from "../dataplane/connect.js";
import { containerId } from "../lifecycle/pod-stages.js";
import { ApiError, errors } from "../machinery/status.js";
import type { StoreEvent } from "../machinery/store.js";
import type { KubeObject } from "../machinery/types.js";
import { ContainerLogs, instanceKey, type LogEntry, type LogReadOptions } from "./logs.js";
import { Interrupt, Shell, ShellSession, type ShellEnv, type SessionIO } from "./shell.js";
import type { ProcessOutput, RemoteProcess, StreamOptions } from "./streams.js";

export interface RuntimeHost {
  now(): number;
  after(seconds: number, fn: () => void): () => void;
  /** The pod as stored now. */
  pod(namespace: string, name: string): KubeObject | undefined;
  /** Runs a network tool from the pod through the data plane. */
  network(pod: KubeObject, argv: string[]): ProbeOutcome | undefined;
  /** The main process of a container ended (its interactive shell exited). */
  mainExited(pod: KubeObject, container: string, exitCode: number): void;
  subscribe(listener: (e: StoreEvent) => void): () => void;
  dnsServiceIp: string;
}

const SHELLS = new Set(["sh", "ash", "bash"]);
const BUSYBOX_IMAGES = /(^|\/)(busybox|alpine|curl|base-ubuntu)([:@]|$)/;
const CURL_IMAGES = /(^|\/)(curl|nginx|httpd)([:@]|$)/;
const BUILTINS = new Set([
  "echo",
  "true",
  "false",
  "pwd",
  "cd",
  "hostname",
  "sleep",
  "cat",
  "head",
  "tail",
  "grep",
  "wc",
  "exit",
]);

/** The network tools an image ships (busybox's applets; curl in curl and Debian web server images). */
export function imageTools(image: string | undefined): Set<string> {
  const tools = new Set<string>();
  if (BUSYBOX_IMAGES.test(image ?? "")) tools.add("wget").add("nc");
  if (CURL_IMAGES.test(image ?? "")) tools.add("curl");
  return tools;
}

const base = (argv0: string | undefined) => (argv0 ?? "").split("/").pop() ?? "";

/** A shell reading commands from stdin: `sh` (or the busybox images' default command) without -c. */
export function isInteractiveShell(c: Container): boolean {
  const argv = [...(c.command ?? []), ...(c.args ?? [])];
  if (argv.length === 0) return /(^|\/)(busybox|alpine)([:@]|$)/.test(c.image ?? "");
  return SHELLS.has(base(argv[0])) && !argv.slice(1).some((a) => a === "-c" || !a.startsWith("-"));
}

interface Attached {
  io: SessionIO;
}

interface ShellState {
  session: ShellSession;
  clients: Set<Attached>;
  /** stdinOnce: the first attach that sends stdin closes it when it ends. */
  stdinOnce: boolean;
  stdinClaimed: boolean;
}

function findContainer(pod: KubeObject, name: string | null): Container {
  const containers = podSpec(pod).containers ?? [];
  const chosen = name ?? (containers.length === 1 ? containers[0]!.name : undefined);
  if (!chosen)
    throw errors.badRequest(
      `a container name must be specified for pod ${pod.metadata.name}, choose one of: [${containers.map((c) => c.name).join(" ")}]`,
    );
  const c = containers.find((x) => x.name === chosen);
  if (!c) throw errors.badRequest(`container ${chosen} is not valid for pod ${pod.metadata.name}`);
  return c;
}

function statusOf(pod: KubeObject, name: string): ContainerStatus | undefined {
  return (podStatus(pod).containerStatuses ?? []).find((s) => s.name === name);
}

/** The running instance of a container, if it runs. */
function runningInstance(pod: KubeObject, name: string): string | undefined {
  const s = statusOf(pod, name);
  return s && "running" in s.state ? containerId(name, s.restartCount) : undefined;
}

const notRunning = (name: string) => new ApiError(500, "InternalError", `container not found ("${name}")`);

export class ContainerRuntime {
  readonly logs = new ContainerLogs();
  private readonly shells = new Map<string, ShellState>();

  constructor(private readonly host: RuntimeHost) {}

  private env(pod: KubeObject, c: Container): ShellEnv {
    const ns = pod.metadata.namespace!;
    return {
      hostname: pod.metadata.name!,
      tools: imageTools(c.image),
      files: {
        "/etc/hostname": `${pod.metadata.name}\n`,
        "/etc/resolv.conf": `search ${ns}.svc.cluster.local svc.cluster.local cluster.local\nnameserver ${this.host.dnsServiceIp}\noptions ndots:5\n`,
      },
      network: (argv) => this.host.network(this.host.pod(ns, pod.metadata.name!) ?? pod, argv),
      after: (s, fn) => this.host.after(s, fn),
    };
  }

  append(pod: KubeObject, id: string, text: string, stream: LogEntry["stream"] = "stdout"): void {
    this.logs.append(instanceKey(pod.metadata.uid!, id), text, this.host.now(), stream);
  }

  /** Starts the container's shell if its main process is one reading stdin; false otherwise. */
  startShell(pod: KubeObject, c: Container, id: string): boolean {
    const stdin = (c as { stdin?: boolean }).stdin === true;
    if (!stdin || !isInteractiveShell(c)) return false;
    this.createShell(pod, c, id);
    return true;
  }

  private createShell(pod: KubeObject, c: Container, id: string): ShellState {
    const key = instanceKey(pod.metadata.uid!, id);
    const clients = new Set<Attached>();
    const io: SessionIO = {
      write: (stream, text) => {
        this.append(pod, id, text, stream);
        for (const client of clients) client.io.write(stream, text);
      },
      exit: (code) => {
        this.shells.delete(key);
        for (const client of clients) client.io.exit(code);
        this.host.mainExited(pod, c.name, code);
      },
    };
    const state: ShellState = {
      session: new ShellSession(this.env(pod, c), (c as { tty?: boolean }).tty === true, io),
      clients,
      stdinOnce: (c as { stdinOnce?: boolean }).stdinOnce === true,
      stdinClaimed: false,
    };
    this.shells.set(key, state);
    return state;
  }

  forgetPod(uid: string): void {
    for (const [key, state] of this.shells)
      if (key.startsWith(`${uid}/`)) {
        state.session.kill();
        this.shells.delete(key);
      }
    this.logs.forgetPod(uid);
  }

  /** The instance `GET …/log` reads, chosen as the kubelet chooses it. */
  logInstance(
    pod: KubeObject,
    containerName: string | null,
    previous: boolean,
  ): { key: string; running: boolean } {
    const c = findContainer(pod, containerName);
    const s = statusOf(pod, c.name);
    const podName = pod.metadata.name!;
    const waitingReason = (s?.state["waiting"] as { reason?: string } | undefined)?.reason;
    const lastTerminated = s?.lastState["terminated"] as { containerID?: string } | undefined;
    const key = (id: string) => instanceKey(pod.metadata.uid!, id);
    if (previous) {
      if (!lastTerminated?.containerID)
        throw errors.badRequest(`previous terminated container "${c.name}" in pod "${podName}" not found`);
      return { key: key(lastTerminated.containerID), running: false };
    }
    if (s && "running" in s.state) return { key: key(containerId(c.name, s.restartCount)), running: true };
    if (s && "terminated" in s.state)
      return { key: key(containerId(c.name, s.restartCount)), running: false };
    if (lastTerminated?.containerID) return { key: key(lastTerminated.containerID), running: false };
    throw errors.badRequest(
      `container "${c.name}" in pod "${podName}" is waiting to start: ${waitingReason ?? "ContainerCreating"}`,
    );
  }

  readLog(key: string, opts: LogReadOptions): string {
    return this.logs.read(key, opts);
  }

  /**
   * Follows a running instance: `send` gets each new chunk; `end` is called once the instance
   * stops (or the pod goes). Returns the unsubscribe.
   */
  followLog(pod: KubeObject, key: string, send: (text: string) => void, end: () => void): () => void {
    const stopLogs = this.logs.follow(key, (e) => send(e.text));
    const stopWatch = this.onInstanceEnd(pod, key, () => {
      stop();
      end();
    });
    const stop = () => {
      stopLogs();
      stopWatch();
    };
    return stop;
  }

  /** Calls `fn` once the instance `key` of the pod no longer runs. */
  private onInstanceEnd(pod: KubeObject, key: string, fn: () => void): () => void {
    const uid = pod.metadata.uid!;
    let done = false;
    const stop = this.host.subscribe((e) => {
      if (done || e.resource !== "/pods" || e.object.metadata.uid !== uid) return;
      const stillRunning =
        e.type !== "DELETED" &&
        (podSpec(e.object).containers ?? []).some((c) => {
          const id = runningInstance(e.object, c.name);
          return id !== undefined && instanceKey(uid, id) === key;
        });
      if (!stillRunning) {
        done = true;
        stop();
        fn();
      }
    });
    return () => {
      done = true;
      stop();
    };
  }

  /** Checks an exec/attach target before the connection is upgraded (errors are HTTP answers). */
  target(pod: KubeObject, containerName: string | null, kind: "exec" | "attach"): Container {
    const c = findContainer(pod, containerName);
    if (!podSpec(pod).nodeName)
      throw errors.badRequest(`pod ${pod.metadata.name} does not have a host assigned`);
    const s = statusOf(pod, c.name);
    const ran =
      s !== undefined && ("running" in s.state || "terminated" in s.state || "terminated" in s.lastState);
    if (kind === "exec" ? !runningInstance(pod, c.name) : !ran) throw notRunning(c.name);
    return c;
  }

  /** Joins the container's main process (kubectl attach, kubectl run -i). */
  attach(pod: KubeObject, c: Container, opts: StreamOptions, out: ProcessOutput): RemoteProcess {
    const s = statusOf(pod, c.name);
    const id = s ? containerId(c.name, s.restartCount) : undefined;
    const running = s !== undefined && "running" in s.state;
    const key = id ? instanceKey(pod.metadata.uid!, id) : "";
    let shell = this.shells.get(key);
    if (!shell && running && (c as { stdin?: boolean }).stdin === true && isInteractiveShell(c))
      shell = this.createShell(pod, c, id!);
    if (shell) return this.joinShell(shell, opts, out);
    const lastTerminated = s?.lastState["terminated"] as { containerID?: string } | undefined;
    if (!running) {
      // The main process ended since the client saw it running (a probe that answers within
      // milliseconds): what it printed that no whole-log read has returned yet (kubectl ≥ 1.36
      // reads the log before attaching), then the end. The kubelet would answer "container not
      // found" and kubectl fall back to reading the log, printing lines twice or not at all.
      const ended = (s && "terminated" in s.state ? s.containerID : lastTerminated?.containerID) ?? "";
      if (!ended) throw notRunning(c.name);
      for (const e of this.logs.unread(instanceKey(pod.metadata.uid!, ended))) out.write(e.stream, e.text);
      out.end({ kind: "success" });
      return { input() {}, closeInput() {}, resize() {}, hangup() {} };
    }
    // A running main process that is not a shell: what it writes from now on, until it ends.
    const stopLogs = this.logs.follow(key, (e) => out.write(e.stream, e.text));
    const stopWatch = this.onInstanceEnd(pod, key, () => {
      stopLogs();
      out.end({ kind: "success" });
    });
    return {
      input() {},
      closeInput() {},
      resize() {},
      hangup() {
        stopLogs();
        stopWatch();
      },
    };
  }

  private joinShell(shell: ShellState, opts: StreamOptions, out: ProcessOutput): RemoteProcess {
    const client: Attached = {
      io: { write: (stream, text) => out.write(stream, text), exit: () => out.end({ kind: "success" }) },
    };
    shell.clients.add(client);
    const ownsStdin = opts.stdin && !shell.stdinClaimed;
    if (ownsStdin) shell.stdinClaimed = true;
    const leave = () => {
      shell.clients.delete(client);
      // stdinOnce: the container's stdin closes when the first attach that used it ends.
      if (ownsStdin && shell.stdinOnce) shell.session.closeInput();
      else if (ownsStdin) shell.stdinClaimed = false;
    };
    return {
      input: (data) => shell.session.input(data),
      closeInput: () => {
        if (ownsStdin && shell.stdinOnce) shell.session.closeInput();
      },
      resize: () => shell.session.resize(),
      hangup: leave,
    };
  }

  /** Starts a new process in a running container (kubectl exec). */
  exec(
    pod: KubeObject,
    c: Container,
    argv: string[],
    opts: StreamOptions,
    out: ProcessOutput,
  ): RemoteProcess {
    const env = this.env(pod, c);
    const tool = base(argv[0]);
    const finish = (code: number) =>
      out.end(code === 0 ? { kind: "success" } : { kind: "exit", code, command: argv });
    if (SHELLS.has(tool) && !argv.includes("-c")) {
      const session = new ShellSession(env, opts.tty, { write: (s, t) => out.write(s, t), exit: finish });
      if (!opts.stdin) session.closeInput();
      return {
        input: (d) => session.input(d),
        closeInput: () => session.closeInput(),
        resize: () => session.resize(),
        hangup: () => session.kill(),
      };
    }
    const shellScript = SHELLS.has(tool) ? argv[argv.indexOf("-c") + 1] : undefined;
    if (!SHELLS.has(tool) && !BUILTINS.has(tool) && !env.tools.has(tool)) {
      out.end({
        kind: "error",
        message: `Internal error occurred: error executing command in container: failed to exec in container: failed to start exec "${id()}": OCI runtime exec failed: exec failed: unable to start container process: exec: "${argv[0] ?? ""}": executable file not found in $PATH: unknown`,
      });
      return { input() {}, closeInput() {}, resize() {}, hangup() {} };
    }
    const line = shellScript ?? argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ");
    const intr = new Interrupt();
    const shell = new Shell(env);
    const write = (s: "stdout" | "stderr", t: string) =>
      out.write(s, opts.tty ? t.replace(/\r?\n/g, "\r\n") : t);
    void shell.run(line, write, intr).then((exit) => {
      if (!intr.interrupted) finish(exit ?? shell.status);
    });
    return { input() {}, closeInput() {}, resize() {}, hangup: () => intr.fire() };
  }
}

function id(): string {
  return Array.from({ length: 64 }, () => "0123456789abcdef"[Math.floor(Math.random() * 16)]).join("");
}
