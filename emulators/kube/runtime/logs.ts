// Container logs as the kubelet keeps them: one log per container instance (a restart starts a new
// one), every chunk stamped with the time it was written (what `timestamps=true`, `sinceTime` and
// `sinceSeconds` read), and followers that receive what is written while they listen.

export type LogStream = "stdout" | "stderr";

export interface LogEntry {
  /** Wall-clock milliseconds when the chunk was written. */
  at: number;
  stream: LogStream;
  text: string;
}

export interface LogReadOptions {
  sinceMs?: number;
  tailLines?: number;
  limitBytes?: number;
  timestamps?: boolean;
}

/** The key of one container instance: the pod's uid and the instance's container ID. */
export function instanceKey(podUid: string, containerId: string): string {
  return `${podUid}/${containerId}`;
}

/** RFC 3339 with nanoseconds, as CRI log lines and `kubectl logs --timestamps` print them. */
export function rfc3339Nano(ms: number): string {
  const iso = new Date(Math.floor(ms)).toISOString();
  const frac = String(Math.floor(ms) % 1000).padStart(3, "0");
  return `${iso.slice(0, 19)}.${frac}000000Z`;
}

interface Line {
  at: number;
  text: string;
}

/** Splits chunks into lines, each stamped with the time its first character was written. */
function linesOf(entries: readonly LogEntry[]): Line[] {
  const lines: Line[] = [];
  let open: Line | undefined;
  for (const e of entries) {
    let rest = e.text;
    while (rest.length > 0) {
      const nl = rest.indexOf("\n");
      const piece = nl === -1 ? rest : rest.slice(0, nl + 1);
      rest = nl === -1 ? "" : rest.slice(nl + 1);
      if (open) open.text += piece;
      else open = { at: e.at, text: piece };
      if (piece.endsWith("\n")) {
        lines.push(open);
        open = undefined;
      }
    }
  }
  if (open) lines.push(open);
  return lines;
}

export function renderLog(entries: readonly LogEntry[], opts: LogReadOptions = {}): string {
  let lines = linesOf(entries);
  if (opts.sinceMs !== undefined) lines = lines.filter((l) => l.at >= opts.sinceMs!);
  if (opts.tailLines !== undefined && opts.tailLines >= 0) lines = lines.slice(lines.length - opts.tailLines);
  let text = lines.map((l) => (opts.timestamps ? `${rfc3339Nano(l.at)} ${l.text}` : l.text)).join("");
  if (opts.limitBytes !== undefined && opts.limitBytes > 0) {
    const bytes = Buffer.from(text);
    if (bytes.length > opts.limitBytes) text = bytes.subarray(0, opts.limitBytes).toString("utf8");
  }
  return text;
}

export class ContainerLogs {
  private readonly logs = new Map<string, LogEntry[]>();
  private readonly followers = new Map<string, Set<(entry: LogEntry) => void>>();
  /** How many chunks of each instance a whole-log read has returned (see `unread`). */
  private readonly delivered = new Map<string, number>();

  append(key: string, text: string, at: number, stream: LogStream = "stdout"): void {
    if (text === "") return;
    const entry: LogEntry = { at, stream, text };
    const list = this.logs.get(key);
    if (list) list.push(entry);
    else this.logs.set(key, [entry]);
    for (const f of [...(this.followers.get(key) ?? [])]) f(entry);
  }

  entries(key: string): readonly LogEntry[] {
    return this.logs.get(key) ?? [];
  }

  read(key: string, opts: LogReadOptions = {}): string {
    const entries = this.entries(key);
    const whole = opts.sinceMs === undefined && opts.tailLines === undefined && opts.limitBytes === undefined;
    if (whole) this.delivered.set(key, entries.length);
    return renderLog(entries, opts);
  }

  /** Chunks no whole-log read has returned yet. */
  unread(key: string): readonly LogEntry[] {
    return this.entries(key).slice(this.delivered.get(key) ?? 0);
  }

  /** Calls `listener` with every chunk written to `key` from now on; returns the unsubscribe. */
  follow(key: string, listener: (entry: LogEntry) => void): () => void {
    let set = this.followers.get(key);
    if (!set) this.followers.set(key, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.followers.delete(key);
    };
  }

  /** Forgets every instance of a pod. */
  forgetPod(podUid: string): void {
    for (const key of [...this.logs.keys()])
      if (key.startsWith(`${podUid}/`)) {
        this.logs.delete(key);
        this.delivered.delete(key);
      }
  }

  snapshot(): Record<string, LogEntry[]> {
    return Object.fromEntries(this.logs);
  }

  /** Restores a snapshot (state files from before per-instance logs are dropped: only text). */
  restore(state: Record<string, LogEntry[] | string>): void {
    for (const [key, value] of Object.entries(state)) if (Array.isArray(value)) this.logs.set(key, value);
  }
}
