// The remote-command channel protocol of `exec` and `attach` over WebSocket, as the kubelet and the
// API server speak it to kubectl ≥ 1.30 and client-node: every binary message starts with its
// channel — 0 stdin, 1 stdout, 2 stderr, 3 error (a Status object when the command ends), 4 resize
// ({"Width","Height"}) — and v5.channel.k8s.io adds 255 (close: [255, channel] half-closes stdin).
// v4.channel.k8s.io is the same without the close channel.
import type { WebSocket } from "ws";

export const PROTOCOLS = ["v5.channel.k8s.io", "v4.channel.k8s.io"] as const;

export const CHANNEL = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

/** The first protocol of the client's list (in its order of preference) that the server speaks. */
export function pickProtocol(offered: Iterable<string>): string | false {
  for (const p of offered) if ((PROTOCOLS as readonly string[]).includes(p)) return p;
  return false;
}

/** What the client asked for (exec and attach query parameters). */
export interface StreamOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** The end of a command as the error channel reports it (a metav1.Status). */
export type StreamStatus =
  | { kind: "success" }
  | { kind: "exit"; code: number; command: string[] }
  | { kind: "error"; message: string };

export function statusObject(status: StreamStatus): Record<string, unknown> {
  if (status.kind === "success") return { metadata: {}, status: "Success" };
  if (status.kind === "exit")
    return {
      metadata: {},
      status: "Failure",
      message: `command terminated with non-zero exit code: error executing command [${status.command.join(" ")}], exit code ${status.code}`,
      reason: "NonZeroExitCode",
      details: { causes: [{ reason: "ExitCode", message: String(status.code) }] },
    };
  return { metadata: {}, status: "Failure", message: status.message, reason: "InternalError", code: 500 };
}

/** What a process writes to its client. */
export interface ProcessOutput {
  write(stream: "stdout" | "stderr", text: string): void;
  /** Reports the end on the error channel and closes the connection. */
  end(status: StreamStatus): void;
}

/** What the client can do to the process it is connected to. */
export interface RemoteProcess {
  input(data: string): void;
  /** stdin reached its end (v5 close signal, or the client went away). */
  closeInput(): void;
  resize(width: number, height: number): void;
  /** The client disconnected. */
  hangup(): void;
}

/** Wires one upgraded connection to a process started by `start`. */
export function serveChannels(
  ws: WebSocket,
  opts: StreamOptions,
  start: (out: ProcessOutput) => RemoteProcess,
): void {
  let ended = false;
  const send = (channel: number, data: Buffer) => {
    if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([channel]), data]));
  };
  const out: ProcessOutput = {
    write(stream, text) {
      if (ended || text === "") return;
      const tty = opts.tty;
      // With a terminal there is no separate stderr: both streams are the terminal's output.
      const channel = stream === "stderr" && !tty && opts.stderr ? CHANNEL.stderr : CHANNEL.stdout;
      if (channel === CHANNEL.stdout && !opts.stdout && !(tty && opts.stderr)) return;
      send(channel, Buffer.from(text));
    },
    end(status) {
      if (ended) return;
      ended = true;
      send(CHANNEL.error, Buffer.from(JSON.stringify(statusObject(status))));
      ws.close(1000);
    },
  };
  const proc = start(out);
  let stdinOpen = opts.stdin;
  ws.on("message", (raw: Buffer, isBinary: boolean) => {
    if (!isBinary || raw.length === 0) return;
    const channel = raw[0]!;
    const payload = raw.subarray(1);
    if (channel === CHANNEL.stdin && stdinOpen) proc.input(payload.toString("utf8"));
    else if (channel === CHANNEL.resize) {
      try {
        const size = JSON.parse(payload.toString("utf8")) as { Width?: number; Height?: number };
        proc.resize(size.Width ?? 0, size.Height ?? 0);
      } catch {
        // A malformed resize is ignored, as the kubelet logs and drops it.
      }
    } else if (channel === CHANNEL.close && payload[0] === CHANNEL.stdin && stdinOpen) {
      stdinOpen = false;
      proc.closeInput();
    }
  });
  ws.on("close", () => {
    if (stdinOpen) {
      stdinOpen = false;
      proc.closeInput();
    }
    if (!ended) {
      ended = true;
      proc.hangup();
    }
  });
}
